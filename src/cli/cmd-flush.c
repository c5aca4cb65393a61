/* SPDX-License-Identifier: MIT */
/*
 * flush: what the timer does every minute.  It indexes what changed since
 * the last run, answers searches agents sent by mail, then sends what the
 * outbox holds and is due.  An SMTP outage is not a failure of flush,
 * only of the entries; a search index it cannot update is, but only
 * after the mail went out.
 */
#include <stdio.h>

#include "maildesk/term.h"
#include "maildesk/autoreply.h"
#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/outbox.h"
#include "maildesk/search.h"
#include "maildesk/search-mail.h"

static char *
local_time(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t);

	return dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") :
	    g_strdup("-");
}

/*
 * Why a flush sent nothing, from what the outbox holds now: empty, every
 * entry waiting for its retry, taken by another flush, failed for good,
 * or turned down by the relay just now (its reply).  One line.
 */
static char *
why_nothing(MdContext *ctx, const MdFlushResult *r, gint64 now,
    GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(GString) why = g_string_new(NULL);
	guint waiting = 0, leased = 0, failed = 0;
	gint64 next = 0, lease_end = 0, tried = 0;
	const char *reply = NULL;

	if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error) ||
	    (list = md_outbox_list(&txn, error)) == NULL)
		return NULL;
	if (list->len == 0)
		return g_strdup("the outbox is empty");
	for (guint i = 0; i < list->len; i++) {
		MdOutboxEntry *o = g_ptr_array_index(list, i);

		if (o->state == MD_OUTBOX_FAILED)
			failed++;
		else if (o->lease_until > now) {
			leased++;
			if (lease_end == 0 || o->lease_until < lease_end)
				lease_end = o->lease_until;
		} else {
			waiting++;
			if (next == 0 || o->next_attempt_at < next)
				next = o->next_attempt_at;
			/* The relay's latest word on a queued entry. */
			if (o->last_error != NULL &&
			    o->next_attempt_at >= tried) {
				tried = o->next_attempt_at;
				reply = o->last_error;
			}
		}
	}
	if (r->deferred > 0 && reply != NULL)
		g_string_append_printf(why, "the relay %s:%u did not take %u "
		    "(%s); ", ctx->config->smtp_host, ctx->config->smtp_port,
		    r->deferred, reply);
	if (waiting > 0) {
		g_autofree char *t = local_time(next);

		g_string_append_printf(why, "%u wait for a retry, the first at "
		    "%s; ", waiting, t);
	}
	if (leased > 0) {
		g_autofree char *t = local_time(lease_end);

		g_string_append_printf(why, "%u being sent by another flush or "
		    "delivery (taken until %s); ", leased, t);
	}
	if (failed > 0)
		g_string_append_printf(why, "%u failed for good (see maildesk "
		    "outbox); ", failed);
	g_string_truncate(why, why->len - 2);
	return g_string_free(g_steal_pointer(&why), FALSE);
}

gboolean
md_cmd_flush(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autoptr(GError) search_error = NULL;
	MdFlushResult r;
	guint64 indexed = 0;
	guint answered = 0;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (!md_cmd_no_args(argc, argv, error))
		return FALSE;
	/* Acks owed by deliveries whose sender is gone: compose them. */
	if (!md_autoreply_compose_due(ctx->store, ctx->config, now, error))
		return FALSE;
	if (md_search_catch_up(ctx->store, ctx->config, &indexed,
	    &search_error))
		md_search_mail_answer(ctx->store, ctx->config, &answered,
		    &search_error);
	if (search_error != NULL)
		md_warn("flush search result=error reason=\"%s\"",
		    search_error->message);
	if (!md_outbox_flush(ctx->store, ctx->config, NULL,
	    ctx->config->smtp_timeout_s, now, &r, error))
		return FALSE;
	if (indexed + answered > 0)
		md_info("flush indexed=%" G_GUINT64_FORMAT " searches=%u",
		    indexed, answered);
	if (r.sent + r.deferred + r.failed > 0)
		md_info("flush sent=%u deferred=%u failed=%u", r.sent,
		    r.deferred, r.failed);
	md_out("flush: %u sent, %u deferred, %u failed\n", r.sent, r.deferred,
	    r.failed);
	if (r.sent == 0) {
		g_autofree char *why = why_nothing(ctx, &r,
		    g_get_real_time() / G_USEC_PER_SEC, error);

		if (why == NULL)
			return FALSE;
		md_out("flush: nothing sent: %s\n", why);
	}
	if (search_error != NULL) {
		g_propagate_prefixed_error(error, g_steal_pointer(
		    &search_error), "search: ");
		return FALSE;
	}
	return TRUE;
}
