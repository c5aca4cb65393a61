/* SPDX-License-Identifier: MIT */
/*
 * The delivery pipeline.  Everything slow (parsing, decoding, hashing)
 * happens before the write transaction, so concurrent deliveries hold
 * LMDB's writer lock only for the puts.  Duplicates are detected inside the
 * transaction, where no other writer can race us.
 */
#include <string.h>

#include "maildesk/agent.h"
#include "maildesk/agentmail.h"
#include "maildesk/authres.h"
#include "maildesk/autoreply.h"
#include "maildesk/classify.h"
#include "maildesk/customer.h"
#include "maildesk/compose.h"
#include "maildesk/dedupe.h"
#include "maildesk/deliver.h"
#include "maildesk/error.h"
#include "maildesk/loop.h"
#include "maildesk/merge.h"
#include "maildesk/message.h"
#include "maildesk/participants.h"
#include "maildesk/search-queue.h"
#include "maildesk/thread.h"
#include "maildesk/ticket.h"
#include "maildesk/trace.h"

void
md_deliver_result_clear(MdDeliverResult *r)
{
	g_clear_pointer(&r->queue, g_free);
	g_clear_pointer(&r->outbox_ids, g_array_unref);
}

/* Our address the mail was sent to: envelope first, then the headers. */
static char *
find_recipient(const MdConfig *config, const MdMessage *m,
    const char *recipient)
{
	static const char *const headers[] = {
		"Delivered-To", "X-Original-To", "Envelope-To", NULL
	};

	if (recipient != NULL && recipient[0] != '\0')
		return g_ascii_strdown(recipient, -1);
	for (const char *const *h = headers; *h != NULL; h++)
		for (guint i = 0; i + 1 < m->headers->len; i += 2) {
			const char *v = g_ptr_array_index(m->headers, i + 1);

			if (g_ascii_strcasecmp(g_ptr_array_index(m->headers,
			    i), *h) == 0 && md_config_is_ours(config, v))
				return g_ascii_strdown(v, -1);
		}
	for (guint i = 0; i < m->to->len; i++) {
		MdMailbox *mb = g_ptr_array_index(m->to, i);

		if (md_config_is_ours(config, mb->email))
			return g_ascii_strdown(mb->email, -1);
	}
	for (guint i = 0; i < m->cc->len; i++) {
		MdMailbox *mb = g_ptr_array_index(m->cc, i);

		if (md_config_is_ours(config, mb->email))
			return g_ascii_strdown(mb->email, -1);
	}
	return NULL;
}

/*
 * Mail systems and our own addresses get no customer profile; a person's
 * auto-reply, or a mail that merely carries our X-Loop, still does.
 */
static gboolean
wants_customer(const MdConfig *config, const MdMessage *m,
    const MdMailbox *who)
{
	if (m->flags & (MD_MSG_DSN | MD_MSG_DAEMON | MD_MSG_NO_SENDER))
		return FALSE;
	return !md_config_is_ours(config, who->email);
}

#define MAX_SUBJECT_CHARS 200

/*
 * A new ticket's subject: no Re:/AW: prefixes, no ticket tag of ours, at
 * most MAX_SUBJECT_CHARS characters (the message keeps the whole one).
 */
static char *
ticket_subject(const MdConfig *config, const char *subject)
{
	g_autofree char *base = md_message_base_subject(subject);
	guint64 n = md_thread_subject_tag(base, config->tag);
	g_autofree char *tag = NULL;
	char *at;

	if (g_utf8_strlen(base, -1) > MAX_SUBJECT_CHARS) {
		/* A ticket's title, and the subject of our mail about it. */
		char *end = g_utf8_offset_to_pointer(base, MAX_SUBJECT_CHARS);

		*end = '\0';
	}
	if (n == 0)
		return g_steal_pointer(&base);
	tag = g_strdup_printf("[%s%" G_GUINT64_FORMAT "]", config->tag, n);
	at = strstr(base, tag);
	if (at == NULL)
		return g_steal_pointer(&base);
	memmove(at, at + strlen(tag), strlen(at + strlen(tag)) + 1);
	/* The tag may have stood before more prefixes: "[Ticket#4] AW: x". */
	return md_message_base_subject(g_strstrip(base));
}

/*
 * A DSN about our acknowledgement says the customer's address bounces:
 * mark it, so that no more automatic mail goes there.
 */
static gboolean
mark_bouncing(MdTxn *txn, MdTicket *t, const MdMessage *dsn, gint64 now,
    GError **error)
{
	g_autoptr(MdCustomer) c = NULL;

	if (t->customer_id == 0 || dsn->original_ids->len == 0)
		return TRUE;
	for (guint32 s = 1; s < t->message_count; s++) {
		g_autoptr(MdMessage) m = md_ticket_load_message(txn, t->number,
		    s, error);

		if (m == NULL)
			return FALSE;
		if (m->direction != MD_DIR_OUT || m->kind != MD_KIND_ACK ||
		    m->message_id == NULL)
			continue;
		for (guint i = 0; i < dsn->original_ids->len; i++) {
			if (g_strcmp0(m->message_id, g_ptr_array_index(
			    dsn->original_ids, i)) != 0)
				continue;
			c = md_customer_load(txn, t->customer_id, error);
			if (c == NULL)
				return FALSE;
			c->flags |= MD_CUSTOMER_BOUNCING;
			md_ticket_add_event(t, now, "the customer's address "
			    "bounced our acknowledgement");
			return md_customer_save(txn, c, error);
		}
	}
	return TRUE;
}

/*
 * A verified agent's "#search QUERY" mail: queued for an answer by the
 * process that has the search engine, and kept as a duplicate key only;
 * it is no ticket's.  Sets *@queued.
 */
static gboolean
search_request(MdTxn *tx, const MdConfig *config, const MdMessage *m,
    const MdAgent *agent, const MdThreadMatch *match, const char *key,
    gint64 now, gboolean *queued, GError **error)
{
	g_autoptr(MdSearchRequest) r = NULL;
	g_autofree char *query = NULL, *k = NULL;
	static const guint8 none[12];
	const char *why;

	*queued = FALSE;
	if (config->search_mail_results == 0)
		return TRUE;
	query = md_search_queue_request_query(m->text);
	/*
	 * A search reads every customer's tickets: a signed address, which
	 * may have leaked, is not proof enough (as for #customer).
	 */
	if (query == NULL || md_agentmail_trust(config, m, match,
	    agent->email, &why) != MD_AGENT_TRUST_STRONG)
		return TRUE;	/* otherwise it is an unverified note */
	r = md_search_request_new();
	r->agent = g_ascii_strdown(agent->email, -1);
	r->query = g_steal_pointer(&query);
	r->recipient = g_strdup(m->recipient);
	r->queue = g_strdup(m->queue);
	r->message_id = g_strdup(m->message_id);
	r->received_at = now;
	k = md_store_key_text(key);
	*queued = TRUE;
	return md_search_queue_add_request(tx, r, error) &&
	    md_store_put(tx, MD_DB_DEDUPE, k, strlen(k), none, 12, 0, error);
}

static gboolean
is_done(const MdTicket *t)
{
	return t->status == MD_STATUS_RESOLVED || t->status == MD_STATUS_CLOSED;
}

gboolean
md_deliver(MdStore *store, const MdConfig *config, const guint8 *raw,
    gsize len, const char *sender, const char *recipient, gint64 now,
    MdDeliverResult *result, GError **error)
{
	MdDeliverOptions opts = { sender, recipient, NULL, 0, NULL, FALSE,
		NULL, FALSE };

	return md_deliver_opts(store, config, raw, len, &opts, now, result,
	    error);
}

/*
 * Contact forms: mail from our own form handler names the person in
 * X-Maildesk-Form-* headers or in Reply-To.  From anyone else our control
 * headers are dropped from the parsed copy, so nobody can set them.
 */
static MdMailbox *
form_person(const MdConfig *config, MdMessage *m)
{
	const char *from = m->from ? m->from->email : NULL;
	const char *email, *name;

	if (!md_config_is_form_sender(config, from) &&
	    !(from == NULL && md_config_is_form_sender(config,
	    m->envelope_sender))) {
		for (guint i = 0; i + 1 < m->headers->len;) {
			if (g_ascii_strncasecmp(g_ptr_array_index(m->headers,
			    i), "X-Maildesk-", 11) == 0)
				g_ptr_array_remove_range(m->headers, i, 2);
			else
				i += 2;
		}
		return NULL;
	}
	email = md_message_header(m, "X-Maildesk-Form-Email");
	name = md_message_header(m, "X-Maildesk-Form-Name");
	if (md_compose_valid_address(email))
		return md_mailbox_new(name, email);
	if (m->reply_to != NULL && m->reply_to->email != NULL)
		return md_mailbox_new(m->reply_to->name, m->reply_to->email);
	return NULL;
}

MdMessage *
md_deliver_prepare(const MdConfig *config, const guint8 *raw, gsize len,
    const char *sender, const char *recipient, gint64 now)
{
	MdMessage *m = md_message_parse(raw, len);
	const char *queue;

	m->received_at = now;
	/* The envelope comes from the MTA as bytes; records hold UTF-8. */
	m->envelope_sender = sender ? g_utf8_make_valid(sender, -1) : NULL;
	{
		g_autofree char *rcpt = recipient ?
		    g_utf8_make_valid(recipient, -1) : NULL;

		m->recipient = find_recipient(config, m, rcpt);
	}
	/* Every copy of a mail to several of ours picks the same queue. */
	queue = md_dedupe_queue(config, m);
	m->queue = g_strdup(queue ? queue : config->default_queue);
	md_classify(m, config);
	return m;
}

gboolean
md_deliver_opts(MdStore *store, const MdConfig *config, const guint8 *raw,
    gsize len, const MdDeliverOptions *opts, gint64 now,
    MdDeliverResult *result, GError **error)
{
	g_autoptr(MdAgent) agent = NULL;
	g_autoptr(MdMailbox) form = NULL;
	g_autoptr(MdMessage) own_m = NULL;
	MdMessage *m;
	g_autoptr(MdCustomer) customer = NULL;
	g_autoptr(MdTicket) ticket = NULL;
	g_auto(MdTxn) own = MD_TXN_INIT;
	MdTxn *tx = opts->txn ? opts->txn : &own;
	g_autofree char *key = NULL, *mark = NULL;
	g_autoptr(GError) e = NULL;
	const MdMailbox *who;
	MdThreadMatch match;
	MdThreadSender sender_of;
	g_autoptr(GBytes) secret = NULL;
	gboolean seen, changed;

	memset(result, 0, sizeof(*result));
	result->outbox_ids = g_array_new(FALSE, FALSE, sizeof(guint64));
	if (len > config->max_size_bytes) {
		g_set_error(error, MD_ERROR, MD_ERROR_REJECT,
		    "message of %" G_GSIZE_FORMAT " bytes is over the limit "
		    "of %" G_GUINT64_FORMAT, len, config->max_size_bytes);
		return FALSE;
	}

	/* Outside the lock: parse, classify, decide where it goes. */
	m = opts->message;
	if (m == NULL)
		m = own_m = md_deliver_prepare(config, raw, len, opts->sender,
		    opts->recipient, now);
	key = md_dedupe_key(m);
	form = form_person(config, m);
	who = form ? form : md_message_sender_mailbox(m);
	md_trace("parse");

	if (opts->txn == NULL && !md_store_begin(store, MD_TXN_WRITE, tx,
	    error))
		return FALSE;
	if (!md_dedupe_seen(tx, key, m, &seen, &changed, &result->ticket,
	    &result->seq, error))
		return FALSE;
	if (seen) {
		/* Another copy, or the same again: it only adds its address. */
		result->duplicate = TRUE;
		result->kind = md_message_kind_name(m->kind);
		result->queue = g_strdup(m->queue);
		if (changed && opts->txn == NULL)
			return md_store_commit(tx, error);
		return TRUE;	/* the abort of txn changes nothing */
	}

	secret = md_store_secret(tx, error);
	if (secret == NULL)
		return FALSE;
	mark = md_loop_mark(config, secret);
	md_loop_flag_own(m, secret, mark);
	/*
	 * An agent writing is not a customer, out-of-office or not; a mail
	 * system is nobody's agent.
	 */
	if (opts->agent != NULL || (who != NULL && form == NULL &&
	    !(m->flags & (MD_MSG_DSN | MD_MSG_DAEMON)))) {
		g_autoptr(GError) ae = NULL;

		agent = md_agent_find(tx, config, opts->agent ? opts->agent :
		    who->email, &ae);
		if (ae != NULL) {
			g_propagate_error(error, g_steal_pointer(&ae));
			return FALSE;
		}
		if (agent == NULL && opts->agent != NULL) {
			agent = md_agent_new();
			agent->email = g_ascii_strdown(opts->agent, -1);
			agent->queues = g_new0(char *, 1);
		}
		if (agent != NULL)
			m->kind = MD_KIND_AGENT;
	}
	if (who != NULL && agent == NULL && wants_customer(config, m, who)) {
		gboolean created;

		customer = md_customer_find_or_create(tx, who, now, &created,
		    error);
		if (customer == NULL)
			return FALSE;
		/* Art. 18: stored, but flagged and answered by nothing. */
		if (customer->flags & MD_CUSTOMER_RESTRICTED)
			m->flags |= MD_MSG_RESTRICTED;
	}
	if (agent == NULL && who != NULL) {
		MdAuthResults ar;

		/* Our MX says the sender's domain disowns it: no ack. */
		md_authres_read(config, m, md_authres_domain_of(who->email),
		    &ar);
		if (ar.spf_fail && ar.dmarc_fail)
			m->flags |= MD_MSG_AUTH_FAIL;
	}
	sender_of.customer_id = customer ? customer->id : 0;
	sender_of.address = who ? who->email : NULL;
	sender_of.agent = agent != NULL;
	if (!md_thread_find(tx, config, secret, m, &sender_of, m->queue, now,
	    &match, error))
		return FALSE;
	if (agent != NULL && opts->agent == NULL) {
		if (!search_request(tx, config, m, agent, &match, key, now,
		    &result->search_request, error))
			return FALSE;
		if (result->search_request)
			goto commit;
	}
	/* Agents may name any ticket by its tag; the command line too. */
	if (agent != NULL && match.ticket == 0 && match.cited != 0) {
		g_autoptr(MdTicket) cited = md_ticket_load(tx, match.cited,
		    NULL);

		if (cited != NULL) {
			match.ticket = match.cited;
			match.cited = 0;
		}
	}
	if (opts->ticket != 0)
		match.ticket = md_merge_target(tx, opts->ticket);
	if (match.cited != 0)
		m->flags |= match.cited_reference ? MD_MSG_CITED_REF :
		    MD_MSG_CITED_TAG;
	if (match.ticket != 0) {
		ticket = md_ticket_load(tx, match.ticket, error);
		if (ticket == NULL)
			return FALSE;
	}

	/*
	 * Reopen window: a customer writing to a ticket closed long ago
	 * starts a new one that links the old; machine mail only files.
	 */
	if (ticket != NULL && is_done(ticket) && agent == NULL &&
	    !(m->flags & MD_MSG_MACHINE)) {
		gint64 window = (gint64)config->reopen_days * 86400;

		if (ticket->status == MD_STATUS_CLOSED &&
		    ticket->closed_at + window < now) {
			guint64 old = ticket->number;

			g_autofree char *subject = ticket_subject(config,
			    m->subject);

			g_clear_pointer(&ticket, md_ticket_free);
			ticket = md_ticket_create(tx, m->queue, subject,
			    customer ? customer->id : 0, now, error);
			if (ticket == NULL)
				return FALSE;
			ticket->linked_to = old;
			result->new_ticket = TRUE;
		} else
			md_ticket_set_status(ticket, MD_STATUS_OPEN, now);
	} else if (ticket != NULL && ticket->status == MD_STATUS_PENDING &&
	    agent == NULL && !(m->flags & MD_MSG_MACHINE))
		md_ticket_set_status(ticket, MD_STATUS_OPEN, now);

	if (ticket == NULL) {
		g_autofree char *subject = ticket_subject(config, m->subject);

		ticket = md_ticket_create(tx, m->queue, subject,
		    customer ? customer->id : 0, now, error);
		if (ticket == NULL)
			return FALSE;
		ticket->cited = match.cited;
		result->new_ticket = TRUE;
	}
	if (customer != NULL && ticket->customer_id != customer->id &&
	    ticket->customer_id != 0) {
		/* A participant other than the customer: link them too. */
		if (!md_customer_link_ticket(tx, customer->id,
		    ticket->number, error))
			return FALSE;
	} else if (customer != NULL && ticket->customer_id == 0) {
		ticket->customer_id = customer->id;
		if (!md_customer_link_ticket(tx, customer->id,
		    ticket->number, error))
			return FALSE;
	}

	if (agent != NULL) {
		const char *why = NULL;
		MdAgentTrust trust = opts->agent != NULL ?
		    MD_AGENT_TRUST_STRONG : md_agentmail_trust(config, m,
		    &match, agent->email, &why);
		MdAgentMail a = { .txn = tx, .config = config,
			.secret = secret, .ticket = ticket, .message = m,
			.agent = agent, .trust = trust, .why = why,
			.loop_mark = mark, .raw = raw, .raw_len = len,
			.dedupe_key = key, .now = now,
			.outbox_ids = result->outbox_ids,
			.no_mail = opts->no_autoreply };

		if (!md_agentmail_handle(&a, error) ||
		    !md_ticket_save(tx, ticket, error))
			return FALSE;
		result->seq = a.seq;
		goto commit;
	}
	if (!md_ticket_append_message(tx, ticket, m, raw, len, key,
	    &result->seq, error))
		return FALSE;
	/*
	 * Whom the customer (or a participant) wrote to besides us gets the
	 * answers too; machine mail names nobody we should write to.
	 */
	if (customer != NULL && !(m->flags & MD_MSG_MACHINE) &&
	    (ticket->customer_id == customer->id ||
	    md_participants_has(ticket, customer->id)) &&
	    !md_participants_add_from(tx, config, ticket, m, now, error))
		return FALSE;
	if (m->kind == MD_KIND_BOUNCE && !mark_bouncing(tx, ticket, m, now,
	    error))
		return FALSE;
	md_trace("store");
	if (!opts->no_autoreply) {
		MdAutoreply a = { tx, config, secret, ticket, customer, m,
			result->seq, raw, len, result->new_ticket, now,
			result->outbox_ids, opts->defer_ack, mark };

		if (!md_autoreply_queue(&a, error))
			return FALSE;
	}
	if (!md_ticket_save(tx, ticket, error))
		return FALSE;
	md_trace("ack");
commit:
	if (opts->txn == NULL && !md_store_commit(tx, error))
		return FALSE;
	md_trace("commit");

	result->ticket = ticket ? ticket->number : 0;
	result->customer = customer ? customer->id : 0;
	result->kind = md_message_kind_name(m->kind);
	result->flags = m->flags;
	result->queue = g_strdup(m->queue);
	return TRUE;
}
