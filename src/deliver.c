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
#include "maildesk/sla.h"
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

/*
 * One delivery on its way through the steps below.  The steps run in the
 * order of DESIGN.md ("The path of one message"): parse and classify
 * outside the lock, then in one write transaction identify the sender,
 * thread, apply the reopen policy, link the people, store, queue the
 * replies; then commit.
 */
typedef struct {
	const MdConfig *config;
	const MdDeliverOptions *opts;
	const guint8 *raw;
	gsize len;
	gint64 now;
	MdDeliverResult *result;
	MdTxn own;		/* the transaction, unless opts->txn */
	MdTxn *tx;		/* opts->txn or &own */
	MdMessage *m;		/* borrowed: opts->message or own_m */
	MdMessage *own_m;	/* owned, nullable */
	char *key;		/* owned: the dedupe key */
	MdMailbox *form;	/* owned, nullable: a contact form's person */
	const MdMailbox *who;	/* borrowed, nullable: who writes */
	GBytes *secret;		/* owned */
	char *mark;		/* owned: our X-Loop value */
	MdAgent *agent;		/* owned, nullable: an agent writes */
	MdCustomer *customer;	/* owned, nullable */
	MdThreadMatch match;
	MdTicket *ticket;	/* owned, nullable until filed */
} Delivery;

static void
delivery_clear(Delivery *d)
{
	md_txn_clear(&d->own);
	g_clear_pointer(&d->ticket, md_ticket_free);
	g_clear_pointer(&d->customer, md_customer_free);
	g_clear_pointer(&d->agent, md_agent_free);
	g_clear_pointer(&d->mark, g_free);
	g_clear_pointer(&d->secret, g_bytes_unref);
	g_clear_pointer(&d->form, md_mailbox_free);
	g_clear_pointer(&d->key, g_free);
	g_clear_pointer(&d->own_m, md_message_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Delivery, delivery_clear)

/* Outside the lock: parse, classify, decide where it goes. */
static void
parse(Delivery *d)
{
	d->m = d->opts->message;
	if (d->m == NULL)
		d->m = d->own_m = md_deliver_prepare(d->config, d->raw, d->len,
		    d->opts->sender, d->opts->recipient, d->now);
	d->key = md_dedupe_key(d->m);
	d->form = form_person(d->config, d->m);
	d->who = d->form ? d->form : md_message_sender_mailbox(d->m);
	md_trace("parse");
}

/*
 * Another copy, or the same mail again (*@seen): it only adds its address,
 * and the delivery is done.
 */
static gboolean
dedupe(Delivery *d, gboolean *seen, GError **error)
{
	MdDeliverResult *r = d->result;
	gboolean changed;

	if (!md_dedupe_seen(d->tx, d->key, d->m, seen, &changed, &r->ticket,
	    &r->seq, error))
		return FALSE;
	if (!*seen)
		return TRUE;
	r->duplicate = TRUE;
	r->kind = md_message_kind_name(d->m->kind);
	r->queue = g_strdup(d->m->queue);
	if (changed && d->opts->txn == NULL)
		return md_store_commit(d->tx, error);
	return TRUE;	/* the abort of the transaction changes nothing */
}

/*
 * Who writes: an agent (the command line's, or an address of ours; a mail
 * system is nobody's agent), else a customer found or created, with what
 * our MX said about the sender's domain.
 */
static gboolean
identify(Delivery *d, GError **error)
{
	const MdMailbox *who = d->who;
	MdMessage *m = d->m;

	d->secret = md_store_secret(d->tx, error);
	if (d->secret == NULL)
		return FALSE;
	d->mark = md_loop_mark(d->config, d->secret);
	md_loop_flag_own(m, d->secret, d->mark);
	if (d->opts->agent != NULL || (who != NULL && d->form == NULL &&
	    !(m->flags & (MD_MSG_DSN | MD_MSG_DAEMON)))) {
		g_autoptr(GError) e = NULL;

		d->agent = md_agent_find(d->tx, d->config, d->opts->agent ?
		    d->opts->agent : who->email, &e);
		if (e != NULL) {
			g_propagate_error(error, g_steal_pointer(&e));
			return FALSE;
		}
		if (d->agent == NULL && d->opts->agent != NULL) {
			d->agent = md_agent_new();
			d->agent->email = g_ascii_strdown(d->opts->agent, -1);
			d->agent->queues = g_new0(char *, 1);
		}
		if (d->agent != NULL)
			m->kind = MD_KIND_AGENT;
	}
	if (who == NULL || d->agent != NULL)
		return TRUE;
	if (wants_customer(d->config, m, who)) {
		gboolean created;

		d->customer = md_customer_find_or_create(d->tx, who, d->now,
		    &created, error);
		if (d->customer == NULL)
			return FALSE;
		/* Art. 18: stored, but flagged and answered by nothing. */
		if (d->customer->flags & MD_CUSTOMER_RESTRICTED)
			m->flags |= MD_MSG_RESTRICTED;
	}
	{
		MdAuthResults ar;

		/* Our MX says the sender's domain disowns it: no ack. */
		md_authres_read(d->config, m, md_authres_domain_of(who->email),
		    &ar);
		if (ar.spf_fail && ar.dmarc_fail)
			m->flags |= MD_MSG_AUTH_FAIL;
	}
	return TRUE;
}

/*
 * Which ticket, in order of trust (thread.c); agents may name any ticket
 * by its tag, the command line by its number.  An agent's "#search" is no
 * ticket's: result->search_request says so.
 */
static gboolean
thread(Delivery *d, GError **error)
{
	MdThreadMatch *match = &d->match;
	MdThreadSender sender = {
		.customer_id = d->customer ? d->customer->id : 0,
		.address = d->who ? d->who->email : NULL,
		.agent = d->agent != NULL,
	};

	if (!md_thread_find(d->tx, d->config, d->secret, d->m, &sender,
	    d->m->queue, d->now, match, error))
		return FALSE;
	if (d->agent != NULL && d->opts->agent == NULL) {
		if (!search_request(d->tx, d->config, d->m, d->agent, match,
		    d->key, d->now, &d->result->search_request, error))
			return FALSE;
		if (d->result->search_request)
			return TRUE;
	}
	if (d->agent != NULL && match->ticket == 0 && match->cited != 0) {
		g_autoptr(MdTicket) cited = NULL;

		if (!md_ticket_lookup(d->tx, match->cited, &cited, error))
			return FALSE;
		if (cited != NULL) {
			match->ticket = match->cited;
			match->cited = 0;
		}
	}
	if (d->opts->ticket != 0)
		match->ticket = md_merge_target(d->tx, d->opts->ticket);
	if (match->cited != 0)
		d->m->flags |= match->cited_reference ? MD_MSG_CITED_REF :
		    MD_MSG_CITED_TAG;
	if (match->ticket != 0) {
		d->ticket = md_ticket_load(d->tx, match->ticket, error);
		if (d->ticket == NULL)
			return FALSE;
	}
	return TRUE;
}

/* A new ticket for the mail, linking @old (0: none). */
static gboolean
new_ticket(Delivery *d, guint64 old, GError **error)
{
	g_autofree char *subject = ticket_subject(d->config, d->m->subject);

	g_clear_pointer(&d->ticket, md_ticket_free);
	d->ticket = md_ticket_create(d->tx, d->m->queue, subject,
	    d->customer ? d->customer->id : 0, d->now, error);
	if (d->ticket == NULL)
		return FALSE;
	d->ticket->linked_to = old;
	if (old == 0)
		d->ticket->cited = d->match.cited;
	d->result->new_ticket = TRUE;
	return TRUE;
}

/*
 * The reopen policy: a customer writing to a ticket closed longer ago
 * than reopen-days starts a new one that links the old, a newer reply
 * reopens it, as does one to a pending ticket; machine mail only files.
 * No ticket yet: a new one.
 */
static gboolean
reopen(Delivery *d, GError **error)
{
	MdTicket *t = d->ticket;
	gboolean person = d->agent == NULL &&
	    !(d->m->flags & MD_MSG_MACHINE);

	if (t == NULL)
		return new_ticket(d, 0, error);
	if (person && is_done(t)) {
		gint64 window = (gint64)d->config->reopen_days * 86400;

		if (t->status == MD_STATUS_CLOSED &&
		    t->closed_at + window < d->now)
			return new_ticket(d, t->number, error);
		md_ticket_set_status(t, MD_STATUS_OPEN, d->now);
	} else if (person && t->status == MD_STATUS_PENDING)
		md_ticket_set_status(t, MD_STATUS_OPEN, d->now);
	return TRUE;
}

/*
 * The customer belongs to the ticket: as its customer when it has none,
 * else as a participant other than the customer.
 */
static gboolean
link_people(Delivery *d, GError **error)
{
	MdTicket *t = d->ticket;
	MdCustomer *c = d->customer;

	if (c == NULL || t->customer_id == c->id)
		return TRUE;
	if (t->customer_id == 0)
		t->customer_id = c->id;
	return md_customer_link_ticket(d->tx, c->id, t->number, error);
}

/*
 * An agent's mail: relayed, applied as commands or kept as a note, with
 * what it queues (agentmail.c).
 */
static gboolean
store_agent_mail(Delivery *d, GError **error)
{
	const char *why = NULL;
	MdAgentMail a = {
		.txn = d->tx,
		.config = d->config,
		.secret = d->secret,
		.ticket = d->ticket,
		.message = d->m,
		.agent = d->agent,
		.trust = d->opts->agent != NULL ? MD_AGENT_TRUST_STRONG :
		    md_agentmail_trust(d->config, d->m, &d->match,
		    d->agent->email, &why),
		.loop_mark = d->mark,
		.raw = d->raw,
		.raw_len = d->len,
		.dedupe_key = d->key,
		.now = d->now,
		.outbox_ids = d->result->outbox_ids,
		.no_mail = d->opts->no_autoreply,
	};

	a.why = why;
	if (!md_agentmail_handle(&a, error))
		return FALSE;
	d->result->seq = a.seq;
	return TRUE;
}

/*
 * Anybody else's mail goes into the ticket; a bounce marks the address.
 * Whom the customer (or a participant) wrote to besides us gets the
 * answers too; machine mail names nobody we should write to.
 */
static gboolean
store_mail(Delivery *d, GError **error)
{
	const MdCustomer *c = d->customer;

	if (!md_ticket_append_message(d->tx, d->ticket, d->m, d->raw, d->len,
	    d->key, &d->result->seq, error))
		return FALSE;
	if (c != NULL && !(d->m->flags & MD_MSG_MACHINE) &&
	    (d->ticket->customer_id == c->id ||
	    md_participants_has(d->ticket, c->id)) &&
	    !md_participants_add_from(d->tx, d->config, d->ticket, d->m,
	    d->now, error))
		return FALSE;
	if (d->m->kind == MD_KIND_BOUNCE && !mark_bouncing(d->tx, d->ticket,
	    d->m, d->now, error))
		return FALSE;
	md_trace("store");
	return TRUE;
}

/* The acknowledgement and the agents' notifications, into the outbox. */
static gboolean
queue_replies(Delivery *d, GError **error)
{
	MdAutoreply a = {
		.txn = d->tx,
		.config = d->config,
		.secret = d->secret,
		.ticket = d->ticket,
		.customer = d->customer,
		.message = d->m,
		.seq = d->result->seq,
		.raw = d->raw,
		.raw_len = d->len,
		.new_ticket = d->result->new_ticket,
		.now = d->now,
		.outbox_ids = d->result->outbox_ids,
		.defer_ack = d->opts->defer_ack,
		.loop_mark = d->mark,
	};

	if (d->opts->no_autoreply)
		return TRUE;
	return md_autoreply_queue(&a, error);
}

/*
 * The ticket's service levels (sla.c): a customer's message starts or
 * goes on waiting.  Machine mail (a bounce, an out-of-office) makes
 * nobody wait.  Imported mail starts no service levels: it was answered,
 * or not, long ago, and a clock started now would escalate all of it.
 */
static gboolean
count_waiting(Delivery *d, GError **error)
{
	if (d->opts->no_autoreply)
		return TRUE;
	return md_sla_note(d->tx, d->config, d->ticket,
	    d->m->flags & MD_MSG_MACHINE ? MD_SLA_EVENT_NONE :
	    MD_SLA_EVENT_CUSTOMER, d->now, error);
}

/* Commits (unless the caller holds the transaction) and fills @result. */
static gboolean
commit(Delivery *d, GError **error)
{
	MdDeliverResult *r = d->result;

	if (d->opts->txn == NULL && !md_store_commit(d->tx, error))
		return FALSE;
	md_trace("commit");
	r->ticket = d->ticket ? d->ticket->number : 0;
	r->customer = d->customer ? d->customer->id : 0;
	r->kind = md_message_kind_name(d->m->kind);
	r->flags = d->m->flags;
	r->queue = g_strdup(d->m->queue);
	return TRUE;
}

gboolean
md_deliver_opts(MdStore *store, const MdConfig *config, const guint8 *raw,
    gsize len, const MdDeliverOptions *opts, gint64 now,
    MdDeliverResult *result, GError **error)
{
	g_auto(Delivery) d = {
		.config = config,
		.opts = opts,
		.raw = raw,
		.len = len,
		.now = now,
		.result = result,
		.own = MD_TXN_INIT,
	};
	gboolean seen;

	memset(result, 0, sizeof(*result));
	result->outbox_ids = g_array_new(FALSE, FALSE, sizeof(guint64));
	if (len > config->max_size_bytes) {
		g_set_error(error, MD_ERROR, MD_ERROR_REJECT,
		    "message of %" G_GSIZE_FORMAT " bytes is over the limit "
		    "of %" G_GUINT64_FORMAT, len, config->max_size_bytes);
		return FALSE;
	}
	parse(&d);
	d.tx = opts->txn ? opts->txn : &d.own;
	if (opts->txn == NULL && !md_store_begin(store, MD_TXN_WRITE, d.tx,
	    error))
		return FALSE;
	if (!dedupe(&d, &seen, error))
		return FALSE;
	if (seen)
		return TRUE;
	if (!identify(&d, error) || !thread(&d, error))
		return FALSE;
	if (result->search_request)
		return commit(&d, error);
	if (!reopen(&d, error) || !link_people(&d, error))
		return FALSE;
	if (d.agent != NULL) {
		if (!store_agent_mail(&d, error))
			return FALSE;
	} else if (!store_mail(&d, error) || !queue_replies(&d, error) ||
	    !count_waiting(&d, error))
		return FALSE;
	if (!md_ticket_save(d.tx, d.ticket, error))
		return FALSE;
	if (d.agent == NULL)
		md_trace("ack");
	return commit(&d, error);
}
