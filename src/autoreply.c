/* SPDX-License-Identifier: MIT */
/*
 * Acknowledgements and agent notifications.  The rule that prevents mail
 * storms is checked first and in one place: no automatic mail in answer
 * to anything that might itself be automatic (RFC 3834 section 2), to our
 * own mail, or to a customer who asked for none or whose address bounces.
 */
#include <string.h>

#include "maildesk/agent.h"
#include "maildesk/autoreply.h"
#include "maildesk/compose.h"
#include "maildesk/error.h"
#include "maildesk/language.h"
#include "maildesk/log.h"
#include "maildesk/loop.h"
#include "maildesk/outbox.h"
#include "maildesk/template.h"
#include "maildesk/token.h"

gboolean
md_autoreply_forbidden(const MdConfig *config, const MdMessage *m,
    const MdCustomer *customer, const char **why)
{
	const MdMailbox *who = md_message_sender_mailbox(m);

	*why = NULL;
	if (m->flags & MD_MSG_MACHINE)
		*why = "machine mail";
	else if (m->kind != MD_KIND_CUSTOMER)
		*why = "not customer mail";
	else if (who == NULL || md_config_is_ours(config, who->email))
		*why = "no sender, or our own address";
	else if (customer == NULL)
		*why = "no customer";
	else if (customer->flags & MD_CUSTOMER_RESTRICTED)
		*why = "customer restricted";
	else if (customer->flags & MD_CUSTOMER_BOUNCING)
		*why = "customer address bounces";
	return *why != NULL;
}

/*
 * The acknowledgement of ticket @t to customer @c, answering @m, from
 * @from: the mail (transfer full) and its Message-ID in *@msgid.  NULL
 * when there is none to send: with *@problem set when the template could
 * not be had, without when md_compose() found an address no relay could
 * take safely.
 */
static GBytes *
compose_ack(const MdConfig *config, GBytes *secret, const MdTicket *t,
    const MdCustomer *c, const MdMessage *m, const char *from, gint64 now,
    char **msgid, GError **problem)
{
	const MdQueue *q = md_config_queue(config, t->queue);
	g_autoptr(GHashTable) vars = md_template_variables(config, t, c,
	    m->text);
	g_autofree char *text = NULL, *subject = NULL, *reply_to = NULL;
	g_autofree char *loop_mark = md_loop_mark(config, secret);
	MdComposeSpec spec = { 0 };
	const char *language;

	/* The customer's language where we can tell, else the queue's. */
	language = md_language_choose(g_hash_table_lookup(c->fields,
	    "language"), md_message_header(m, "Content-Language"), m->text,
	    q->language);
	text = md_template_render(config, "ack", language ? language :
	    q->language, vars, problem);
	if (text == NULL)
		return NULL;
	subject = g_strdup_printf("[%s%" G_GUINT64_FORMAT "] %s",
	    config->tag, t->number, t->subject);
	reply_to = md_token_reply_address(secret, from,
	    md_config_reply_delimiter(config), t->number, NULL, now);
	*msgid = md_token_message_id(secret, t->number, from, c->email);
	spec.from_address = from;
	spec.to_address = c->email;
	spec.to_name = g_hash_table_lookup(vars, "name");
	spec.subject = subject;
	spec.reply_to = reply_to;
	spec.message_id = *msgid;
	spec.in_reply_to = m->message_id;
	spec.references = m->references;
	spec.auto_submitted = "auto-replied";
	spec.x_loop = loop_mark;
	spec.text = text;
	return md_compose(&spec, now);
}

/* The acknowledgement @data, sent from @from, as kept in its ticket. */
static MdMessage *
ack_message(GBytes *data, const char *queue, const char *from, gint64 now)
{
	gsize len;
	const guint8 *bytes = g_bytes_get_data(data, &len);
	MdMessage *out = md_message_parse(bytes, len);

	out->direction = MD_DIR_OUT;
	out->kind = MD_KIND_ACK;
	out->received_at = now;
	out->queue = g_strdup(queue);
	out->envelope_sender = g_strdup(from);
	return out;
}

/* The acknowledgement @out, whose mail is @data, kept in ticket @t. */
static gboolean
keep_ack(MdTxn *txn, MdTicket *t, const MdMessage *out, GBytes *data,
    guint32 *seq, GError **error)
{
	gsize len;
	const guint8 *bytes = g_bytes_get_data(data, &len);

	return md_ticket_append_message(txn, t, out, bytes, len, NULL, seq,
	    error);
}

/* Queues one composed mail; the ack is also kept in the ticket. */
static gboolean
enqueue(MdAutoreply *a, const char *kind, const char *from,
    const char *to, const char *message_id, GBytes *data,
    gboolean to_customer, GError **error)
{
	guint32 seq = a->seq;

	/* The customer sees an ack: it belongs to the conversation. */
	if (data != NULL && strcmp(kind, "ack") == 0) {
		g_autoptr(MdMessage) out = ack_message(data, a->ticket->queue,
		    from, a->now);

		if (!keep_ack(a->txn, a->ticket, out, data, &seq, error))
			return FALSE;
	}
	return md_outbox_queue_composed(a->txn, a->config, kind,
	    a->ticket->number, seq, to_customer ? a->customer->id : 0, from,
	    to, message_id, data, a->now, a->outbox_ids, error);
}

static void
note(MdAutoreply *a, const char *what, const GError *e)
{
	g_autofree char *text = g_strdup_printf("%s not sent: %s", what,
	    e->message);

	md_warn("autoreply ticket=%" G_GUINT64_FORMAT " %s not sent: %s",
	    a->ticket->number, what, e->message);
	md_ticket_add_event(a->ticket, a->now, text);
}

static gboolean
queue_ack(MdAutoreply *a, const char *from, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *msgid = NULL;
	g_autoptr(GBytes) data = NULL;
	gboolean allowed;

	/*
	 * Backscatter: our MX says the sender's domain disowns this mail
	 * (SPF and DMARC fail), so its From is most likely somebody else's.
	 */
	if (a->message->flags & MD_MSG_AUTH_FAIL) {
		md_info("autoreply ticket=%" G_GUINT64_FORMAT " ack=skipped "
		    "reason=auth-failed", a->ticket->number);
		return TRUE;
	}
	if (!md_outbox_ratelimit(a->txn, a->config, a->customer->email,
	    a->now, &allowed, error))
		return FALSE;
	if (!allowed) {
		md_info("autoreply ticket=%" G_GUINT64_FORMAT " ack=skipped "
		    "reason=rate-limit", a->ticket->number);
		return TRUE;
	}
	/*
	 * With a sender to follow the commit, the delivery only records
	 * that an ack is owed; the sender composes it (rendering, GMime,
	 * the record of the ack) after the MTA has its answer.
	 */
	if (a->defer_ack)
		return md_outbox_queue_owed(a->txn, a->config, "ack",
		    a->ticket->number, a->seq, a->customer->id, from,
		    a->customer->email, a->now, a->outbox_ids, error);
	data = compose_ack(a->config, a->secret, a->ticket, a->customer,
	    a->message, from, a->now, &msgid, &e);
	if (data == NULL && e != NULL) {
		note(a, "acknowledgement", e);
		return TRUE;
	}
	return enqueue(a, "ack", from, a->customer->email, msgid, data, TRUE,
	    error);
}

static gboolean
queue_notifications(MdAutoreply *a, const char *from, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *text = NULL, *subject = NULL;
	const MdQueue *q = md_config_queue(a->config, a->ticket->queue);
	g_autoptr(GHashTable) vars = NULL;
	const MdMailbox *who = md_message_sender_mailbox(a->message);
	g_auto(GStrv) agents = md_agent_of_queue(a->txn, a->config,
	    a->ticket->queue, error);

	if (agents == NULL)
		return FALSE;
	if (agents[0] == NULL)
		return TRUE;
	vars = md_template_variables(a->config, a->ticket, a->customer,
	    a->message->text);
	text = md_template_render(a->config, "notification", q->language,
	    vars, &e);
	if (text == NULL) {
		note(a, "notification", e);
		return TRUE;
	}
	subject = g_strdup_printf("[%s%" G_GUINT64_FORMAT "] %s",
	    a->config->tag, a->ticket->number, a->ticket->subject);
	for (char **agent = agents; *agent != NULL; agent++) {
		g_autofree char *reply_to = md_token_reply_address(a->secret,
		    from, md_config_reply_delimiter(a->config),
		    a->ticket->number, *agent, a->now);
		g_autofree char *msgid = md_token_message_id(a->secret,
		    a->ticket->number, from, *agent);
		g_autoptr(GBytes) data = NULL;
		MdComposeSpec spec = { 0 };

		spec.from_address = from;
		spec.from_name = who ? (who->name ? who->name : who->email) :
		    NULL;
		spec.to_address = *agent;
		spec.subject = subject;
		spec.reply_to = reply_to;
		spec.message_id = msgid;
		spec.in_reply_to = a->message->message_id;
		spec.references = a->message->references;
		spec.auto_submitted = "auto-generated";
		spec.x_loop = a->loop_mark;
		spec.text = text;
		spec.attach_raw = a->message->attachments->len > 0 ? a->raw :
		    NULL;
		spec.attach_len = a->raw_len;
		data = md_compose(&spec, a->now);
		if (!enqueue(a, "notification", from, *agent, msgid, data,
		    FALSE, error))
			return FALSE;
	}
	return TRUE;
}

gboolean
md_autoreply_queue(MdAutoreply *a, GError **error)
{
	const char *why;
	const char *from;

	if (md_autoreply_forbidden(a->config, a->message, a->customer, &why)) {
		md_debug(1, "autoreply ticket=%" G_GUINT64_FORMAT
		    " skipped reason=\"%s\"", a->ticket->number, why);
		return TRUE;
	}
	/*
	 * From our address the mail reached, else the queue's first: a mail
	 * to support@ and sales@ whose ticket went to sales (queue-order)
	 * is answered from sales@.
	 */
	from = md_config_our_address(a->config, a->message->recipient);
	if ((from == NULL || g_strcmp0(md_config_queue_for(a->config, from),
	    a->ticket->queue) != 0) &&
	    md_config_address_of(a->config, a->ticket->queue) != NULL)
		from = md_config_address_of(a->config, a->ticket->queue);
	if (from == NULL)
		return TRUE;
	if (a->new_ticket && a->config->ack_enabled &&
	    !queue_ack(a, from, error))
		return FALSE;
	return queue_notifications(a, from, error);
}

gboolean
md_autoreply_compose(MdTxn *txn, const MdConfig *config, MdOutboxEntry *e,
    gint64 now, MdMessage **ack, GError **error)
{
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(MdMessage) m = NULL;
	g_autoptr(GBytes) secret = NULL, data = NULL;
	g_autoptr(GError) problem = NULL;
	g_autofree char *msgid = NULL;

	*ack = NULL;
	g_clear_pointer(&e->last_error, g_free);
	secret = md_store_secret(txn, error);
	if (secret == NULL)
		return FALSE;
	/* Erased or expired since: there is nothing to answer. */
	if (!md_ticket_lookup(txn, e->ticket, &t, error) ||
	    (t != NULL && !md_customer_lookup(txn, e->customer_id, &c, error)))
		return FALSE;
	if (c != NULL) {
		g_autoptr(GError) lost = NULL;

		m = md_ticket_load_message(txn, e->ticket, e->seq, &lost);
		if (m == NULL && !g_error_matches(lost, MD_ERROR,
		    MD_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&lost));
			return FALSE;
		}
	}
	if (m == NULL) {
		e->last_error = g_strdup("its ticket, customer or message is "
		    "gone");
		return TRUE;
	}
	data = compose_ack(config, secret, t, c, m, e->envelope_from, now,
	    &msgid, &problem);
	if (data == NULL) {
		e->last_error = g_strdup(problem ? problem->message :
		    "an address no relay could take");
		return TRUE;
	}
	g_bytes_unref(e->data);
	e->data = g_steal_pointer(&data);
	g_free(e->message_id);
	e->message_id = g_steal_pointer(&msgid);
	*ack = ack_message(e->data, t->queue, e->envelope_from, now);
	return TRUE;
}

gboolean
md_autoreply_keep(MdTxn *txn, const MdConfig *config, MdOutboxEntry *e,
    const MdMessage *ack, gint64 now, gboolean *sendable, GError **error)
{
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(GError) gone = NULL;
	guint32 seq;
	guint8 key[8];
	MDB_val v;

	*sendable = FALSE;
	md_key_be64(key, e->id);
	if (!md_store_get(txn, MD_DB_OUTBOX, key, 8, &v, &gone)) {
		if (g_error_matches(gone, MD_ERROR, MD_ERROR_NOT_FOUND))
			return TRUE;	/* erased while we composed */
		g_propagate_error(error, g_steal_pointer(&gone));
		return FALSE;
	}
	if (!md_ticket_lookup(txn, e->ticket, &t, error))
		return FALSE;
	if (t == NULL || ack == NULL || g_bytes_get_size(e->data) == 0) {
		/* Nothing to send: say why in the ticket, and let it go. */
		if (t != NULL) {
			g_autofree char *text = g_strdup_printf(
			    "acknowledgement not sent: %s", e->last_error ?
			    e->last_error : "not composed");

			md_warn("autoreply ticket=%" G_GUINT64_FORMAT " %s",
			    t->number, text);
			md_ticket_add_event(t, now, text);
			if (!md_ticket_save(txn, t, error))
				return FALSE;
		}
		return md_outbox_remove(txn, e->id, error);
	}
	if (!keep_ack(txn, t, ack, e->data, &seq, error) ||
	    !md_outbox_fill(txn, e, e->data, e->message_id, seq, error) ||
	    !md_ticket_save(txn, t, error))
		return FALSE;
	*sendable = TRUE;
	return TRUE;
}

gboolean
md_autoreply_compose_due(MdStore *store, const MdConfig *config, gint64 now,
    GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GPtrArray) all = NULL;
	guint owed = 0;

	/* Usually there is none: look before taking the writer lock. */
	if (!md_store_begin(store, MD_TXN_READ, &txn, error) ||
	    (all = md_outbox_list(&txn, error)) == NULL)
		return FALSE;
	for (guint i = 0; i < all->len; i++) {
		MdOutboxEntry *e = g_ptr_array_index(all, i);

		if (e->owed && e->state == MD_OUTBOX_QUEUED &&
		    e->lease_until <= now)
			owed++;
	}
	md_txn_clear(&txn);
	g_clear_pointer(&all, g_ptr_array_unref);
	if (owed == 0)
		return TRUE;
	if (!md_store_begin(store, MD_TXN_WRITE, &txn, error) ||
	    (all = md_outbox_list(&txn, error)) == NULL)
		return FALSE;
	for (guint i = 0; i < all->len; i++) {
		MdOutboxEntry *e = g_ptr_array_index(all, i);
		g_autoptr(MdMessage) ack = NULL;
		gboolean sendable;

		if (!e->owed || e->state != MD_OUTBOX_QUEUED ||
		    e->lease_until > now)
			continue;
		if (!md_autoreply_compose(&txn, config, e, now, &ack, error) ||
		    !md_autoreply_keep(&txn, config, e, ack, now, &sendable,
		    error))
			return FALSE;
	}
	return md_store_commit(&txn, error);
}
