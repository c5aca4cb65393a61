/* SPDX-License-Identifier: MIT */
/*
 * Answers to search requests by mail.  The request was verified when it
 * arrived (deliver, md_agentmail_trust()); here it is run and answered
 * through the outbox like all our mail.  The answer never includes
 * restricted customers, and its reply links are the agent's own signed
 * addresses, so answering one lands in that ticket as the agent's mail.
 */
#include <string.h>

#include "maildesk/compose.h"
#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/loop.h"
#include "maildesk/outbox.h"
#include "maildesk/search.h"
#include "maildesk/search-mail.h"
#include "maildesk/search-queue.h"
#include "maildesk/template.h"
#include "maildesk/token.h"

static char *
day_text(gint64 t, gint32 offset_s)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t + offset_s);

	return dt ? g_date_time_format(dt, "%Y-%m-%d") : g_strdup("-");
}

/* The result list: four lines a ticket, a blank line between. */
static char *
format_results(const MdConfig *config, GBytes *secret, const char *agent,
    const char *fallback_from, GPtrArray *results, gint64 now)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < results->len; i++) {
		MdSearchResult *r = g_ptr_array_index(results, i);
		const char *base = md_config_address_of(config, r->queue);
		g_autofree char *link = md_token_reply_address(secret,
		    base ? base : fallback_from,
		    md_config_reply_delimiter(config), r->ticket, agent, now);
		g_autofree char *day = day_text(r->date, r->date_offset_s);

		g_string_append_printf(s, "[%s%" G_GUINT64_FORMAT "] %s\n",
		    config->tag, r->ticket, r->subject);
		if (r->customer_name != NULL)
			g_string_append_printf(s, "  %s <%s>", r->customer_name,
			    r->customer);
		else
			g_string_append_printf(s, "  %s", r->customer ?
			    r->customer : "-");
		g_string_append_printf(s, " · %s · %s · %s\n", r->status,
		    r->queue, day);
		if (r->snippet[0] != '\0')
			g_string_append_printf(s, "  %s\n", r->snippet);
		g_string_append_printf(s, "  <mailto:%s>\n\n", link);
	}
	return g_string_free(s, FALSE);
}

/* Template variable @name (a literal) takes @value (transfer full). */
static void
put(GHashTable *vars, const char *name, char *value)
{
	g_hash_table_insert(vars, (gpointer)name, value);
}

/*
 * The answer to @r: the results, or why the query could not be run
 * (@failure).  NULL when no mail can be made (an unusable address).
 */
static GBytes *
compose_answer(const MdConfig *config, GBytes *secret,
    const MdSearchRequest *r, const char *from, const char *message_id,
    GPtrArray *results, const GError *failure, gint64 now)
{
	const MdQueue *q = md_config_queue(config, r->queue);
	g_autoptr(GHashTable) vars = g_hash_table_new_full(g_str_hash,
	    g_str_equal, NULL, g_free);
	g_autoptr(GError) e = NULL;
	g_autofree char *body = NULL, *subject = NULL;
	g_autofree char *loop_mark = md_loop_mark(config, secret);
	MdComposeSpec spec = { 0 };

	put(vars, "query", g_strdup(r->query));
	put(vars, "agent", g_strdup(r->agent));
	put(vars, "count", g_strdup_printf("%u",
	    results ? results->len : 0));
	if (failure != NULL)
		put(vars, "results", g_strdup_printf(
		    "(%s)\n", failure->message));
	else
		put(vars, "results", format_results(config,
		    secret, r->agent, from, results, now));
	body = md_template_render(config, "search-results", q->language,
	    vars, &e);
	if (body == NULL) {
		md_warn("search-mail request=%" G_GUINT64_FORMAT " template: %s",
		    r->id, e->message);
		body = g_strdup(g_hash_table_lookup(vars, "results"));
	}
	subject = g_strdup_printf("%s: %s", strcmp(q->language, "de") == 0 ?
	    "Suche" : "Search", r->query);
	spec.from_address = from;
	spec.to_address = r->agent;
	spec.subject = subject;
	spec.message_id = message_id;
	spec.in_reply_to = r->message_id;
	spec.auto_submitted = "auto-replied";
	spec.x_loop = loop_mark;
	spec.text = body;
	return md_compose(&spec, now);
}

/* Answers request @r: run, compose, and queue it as it is taken. */
static gboolean
answer(MdStore *store, const MdConfig *config, GBytes *secret,
    const MdSearchRequest *r, gboolean *queued, GError **error)
{
	g_autoptr(GPtrArray) results = NULL;
	g_autoptr(GError) failure = NULL;
	g_autoptr(GBytes) data = NULL;
	g_autoptr(MdOutboxEntry) o = NULL;
	g_autofree char *msgid = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	const char *from = md_config_our_address(config, r->recipient);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gboolean taken;

	*queued = FALSE;
	if (from == NULL)
		from = md_config_address_of(config, r->queue);
	results = md_search_run(store, config, r->query, FALSE,
	    config->search_mail_results, &failure);
	if (results == NULL && !g_error_matches(failure, MD_ERROR,
	    MD_ERROR_USAGE)) {
		/* The index, not the query: try again on the next flush. */
		g_propagate_error(error, g_steal_pointer(&failure));
		return FALSE;
	}
	if (from != NULL) {
		msgid = md_token_message_id(secret, 0, from, r->agent);
		data = compose_answer(config, secret, r, from, msgid, results,
		    failure, now);
	}
	if (!md_store_begin(store, MD_TXN_WRITE, &txn, error) ||
	    !md_search_queue_take_request(&txn, r->id, &taken, error))
		return FALSE;
	if (!taken)
		return TRUE;	/* another flush answered it */
	if (data != NULL) {
		char *to[] = { r->agent, NULL };

		o = md_outbox_entry_new();
		o->kind = g_strdup("search");
		o->state = MD_OUTBOX_QUEUED;
		o->envelope_from = g_strdup(from);
		o->recipients = g_strdupv(to);
		o->message_id = g_strdup(msgid);
		o->data = g_bytes_ref(data);
		o->created_at = now;
		o->next_attempt_at = now;
		if (!md_outbox_add(&txn, o, error))
			return FALSE;
	}
	if (!md_store_commit(&txn, error))
		return FALSE;
	*queued = data != NULL;
	md_info("search-mail request=%" G_GUINT64_FORMAT " results=%u "
	    "result=%s", r->id, results ? results->len : 0,
	    data != NULL ? "queued" : "unanswerable");
	return TRUE;
}

gboolean
md_search_mail_answer(MdStore *store, const MdConfig *config,
    guint *answered, GError **error)
{
	g_autoptr(GPtrArray) requests = NULL;
	g_autoptr(GBytes) secret = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;

	*answered = 0;
	if (!md_store_begin(store, MD_TXN_READ, &txn, error))
		return FALSE;
	requests = md_search_queue_requests(&txn, error);
	if (requests == NULL)
		return FALSE;
	secret = md_store_secret(&txn, error);
	if (secret == NULL)
		return FALSE;
	md_txn_clear(&txn);
	for (guint i = 0; i < requests->len; i++) {
		gboolean queued;

		if (!answer(store, config, secret, g_ptr_array_index(requests,
		    i), &queued, error))
			return FALSE;
		if (queued)
			(*answered)++;
	}
	return TRUE;
}
