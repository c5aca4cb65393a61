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
#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/outbox.h"
#include "maildesk/search.h"
#include "maildesk/search-mail.h"

gboolean
md_cmd_flush(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autoptr(GError) search_error = NULL;
	MdFlushResult r;
	guint64 indexed = 0;
	guint answered = 0;

	if (argc > 1) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "unexpected argument \"%s\"", argv[1]);
		return FALSE;
	}
	if (md_search_catch_up(ctx->store, ctx->config, &indexed,
	    &search_error))
		md_search_mail_answer(ctx->store, ctx->config, &answered,
		    &search_error);
	if (search_error != NULL)
		md_warn("flush search result=error reason=\"%s\"",
		    search_error->message);
	if (!md_outbox_flush(ctx->store, ctx->config, NULL, FALSE,
	    ctx->config->smtp_timeout_s, g_get_real_time() / G_USEC_PER_SEC,
	    &r, error))
		return FALSE;
	if (indexed + answered > 0)
		md_info("flush indexed=%" G_GUINT64_FORMAT " searches=%u",
		    indexed, answered);
	if (r.sent + r.deferred + r.failed > 0)
		md_info("flush sent=%u deferred=%u failed=%u", r.sent,
		    r.deferred, r.failed);
	md_out("flush: %u sent, %u deferred, %u failed\n", r.sent, r.deferred,
	    r.failed);
	if (search_error != NULL) {
		g_propagate_prefixed_error(error, g_steal_pointer(
		    &search_error), "search: ");
		return FALSE;
	}
	return TRUE;
}
