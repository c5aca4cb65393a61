/* SPDX-License-Identifier: MIT */
/*
 * digest: each agent's list of waiting tickets, by mail through the
 * outbox (flush sends it), or printed with --dry-run.  Meant for a timer
 * once a working day.  The lists are made in one read transaction; the
 * mails are queued in one write transaction, so deliveries wait only for
 * the queueing.
 */
#include <stdio.h>

#include "maildesk/agent-digest.h"
#include "maildesk/calendar.h"
#include "maildesk/cmd.h"
#include "maildesk/compose.h"
#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/loop.h"
#include "maildesk/open-tickets.h"
#include "maildesk/outbox.h"
#include "maildesk/term.h"
#include "maildesk/ticket.h"
#include "maildesk/token.h"

typedef struct {
	char *to;
	char *subject;
	char *body;
} Mail;

static void
mail_free(gpointer p)
{
	Mail *m = p;

	g_free(m->to);
	g_free(m->subject);
	g_free(m->body);
	g_free(m);
}

/*
 * A store made before the open-tickets index (and opened since, which
 * added the empty database) gets it now, once, from its tickets.
 */
static gboolean
index_ready(MdContext *ctx, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	gboolean built = FALSE;

	if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error))
		return FALSE;
	if (md_open_tickets_is_built(&txn))
		return TRUE;
	md_txn_clear(&txn);
	if (!md_store_begin(ctx->store, MD_TXN_WRITE, &txn, error) ||
	    !md_ticket_ensure_open_index(&txn, &built, error) ||
	    !md_store_commit(&txn, error))
		return FALSE;
	if (built)
		md_info("digest open-tickets index built");
	return TRUE;
}

/* The digests due at @now as mail texts (transfer full, of Mail). */
static GPtrArray *
make_mails(MdContext *ctx, const char *only, GTimeZone *tz, gint64 now,
    GBytes **secret, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GPtrArray) digests = NULL;
	g_autoptr(GPtrArray) mails = g_ptr_array_new_with_free_func(mail_free);

	if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error) ||
	    (*secret = md_store_secret(&txn, error)) == NULL ||
	    (digests = md_agent_digest_collect(&txn, ctx->config, only,
	    ctx->config->digest_max_tickets, now, error)) == NULL)
		return NULL;
	for (guint i = 0; i < digests->len; i++) {
		const MdAgentDigest *d = g_ptr_array_index(digests, i);
		Mail *m = g_new0(Mail, 1);

		g_ptr_array_add(mails, m);
		m->to = g_strdup(d->agent);
		m->body = md_agent_digest_render(&txn, ctx->config, *secret, tz,
		    d, now, &m->subject, error);
		if (m->body == NULL)
			return NULL;
	}
	return g_steal_pointer(&mails);
}

static gboolean
queue_mails(MdContext *ctx, GPtrArray *mails, GBytes *secret, gint64 now,
    guint *queued, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	const char *from = md_agent_digest_from(ctx->config);
	g_autofree char *mark = md_loop_mark(ctx->config, secret);

	if (from == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG, "digest: no "
		    "address of ours in [addresses] to send from");
		return FALSE;
	}
	if (!md_store_begin(ctx->store, MD_TXN_WRITE, &txn, error))
		return FALSE;
	for (guint i = 0; i < mails->len; i++) {
		const Mail *m = g_ptr_array_index(mails, i);
		g_autoptr(MdOutboxEntry) e = md_outbox_entry_new();
		g_autofree char *msgid = md_token_message_id(secret, 0, from,
		    m->to);
		MdComposeSpec spec = { 0 };
		char *rcpts[] = { m->to, NULL };

		spec.from_address = from;
		spec.to_address = m->to;
		spec.subject = m->subject;
		spec.message_id = msgid;
		spec.auto_submitted = "auto-generated";
		spec.x_loop = mark;
		spec.text = m->body;
		e->data = md_compose(&spec, now);
		if (e->data == NULL) {
			md_warn("digest: agent address not usable, skipped");
			continue;
		}
		/*
		 * Not md_outbox_queue(): the digest belongs to no ticket, so
		 * its Message-ID is not indexed; answers go to the links.
		 */
		e->kind = g_strdup("digest");
		e->state = MD_OUTBOX_QUEUED;
		e->envelope_from = g_strdup(from);
		e->recipients = g_strdupv(rcpts);
		e->message_id = g_steal_pointer(&msgid);
		e->created_at = now;
		e->next_attempt_at = now;
		if (!md_outbox_add(&txn, e, error))
			return FALSE;
		(*queued)++;
	}
	return md_store_commit(&txn, error);
}

gboolean
md_cmd_digest(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *agent = NULL;
	gboolean dry_run = FALSE;
	GOptionEntry entries[] = {
		{ "agent", 0, 0, G_OPTION_ARG_STRING, &agent,
		  "only the digest of this agent", "ADDR" },
		{ "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run,
		  "print the mail text instead of queueing it", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "- mail each agent the tickets waiting for them");
	g_autoptr(GPtrArray) mails = NULL;
	g_autoptr(GBytes) secret = NULL;
	g_autoptr(MdCalendar) cal = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	guint queued = 0;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !md_cmd_no_args(argc, argv, error))
		return FALSE;
	if (!index_ready(ctx, error))
		return FALSE;
	/* Dates as the business hours' zone has them. */
	cal = md_calendar_new(ctx->config, NULL, error);
	if (cal == NULL)
		return FALSE;
	mails = make_mails(ctx, agent, md_calendar_time_zone(cal), now,
	    &secret, error);
	if (mails == NULL)
		return FALSE;
	if (dry_run) {
		for (guint i = 0; i < mails->len; i++) {
			const Mail *m = g_ptr_array_index(mails, i);

			md_out("To: %s\nSubject: %s\n\n", m->to, m->subject);
			md_out_str(m->body);
			if (i + 1 < mails->len)
				md_out("\n");
		}
		if (mails->len == 0 && agent != NULL)
			md_out("digest: nothing waits for %s\n", agent);
		return TRUE;
	}
	/* The timer runs on weekdays; a holiday is no working day either. */
	if (md_calendar_is_holiday(cal, now)) {
		md_out("digest: today is a holiday of the calendar: nothing "
		    "queued\n");
		return TRUE;
	}
	if (!queue_mails(ctx, mails, secret, now, &queued, error))
		return FALSE;
	md_info("digest queued=%u", queued);
	md_out("digest: %u queued (maildesk flush sends them)\n", queued);
	return TRUE;
}
