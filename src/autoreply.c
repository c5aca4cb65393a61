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
#include "maildesk/language.h"
#include "maildesk/log.h"
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

/* Template variables own their values; the names are literals. */
static void
put(GHashTable *v, const char *name, char *value)
{
	g_hash_table_insert(v, (gpointer)name, value);
}

static GHashTable *
variables(const MdAutoreply *a)
{
	GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	    g_free);
	const MdCustomer *c = a->customer;
	const MdMessage *m = a->message;
	g_autofree char *name = NULL;

	if (c->first_name != NULL || c->last_name != NULL)
		name = g_strjoin(" ", c->first_name ? c->first_name : "",
		    c->last_name ? c->last_name : "", NULL);
	put(v, "ticket", g_strdup_printf("%" G_GUINT64_FORMAT,
	    a->ticket->number));
	put(v, "tag", g_strdup_printf("[%s%" G_GUINT64_FORMAT "]",
	    a->config->tag, a->ticket->number));
	put(v, "subject", g_strdup(a->ticket->subject));
	put(v, "name", name ? g_strstrip(g_strdup(name)) :
	    g_strdup(c->email));
	put(v, "first_name", g_strdup(c->first_name ?
	    c->first_name : ""));
	put(v, "last_name", g_strdup(c->last_name ?
	    c->last_name : ""));
	put(v, "email", g_strdup(c->email));
	put(v, "queue", g_strdup(a->ticket->queue));
	put(v, "text", g_strdup(m->text ? m->text : ""));
	return v;
}

/* Queues one composed mail; the ack is also kept in the ticket. */
static gboolean
enqueue(MdAutoreply *a, const char *kind, const char *from,
    const char *to, const char *message_id, GBytes *data,
    gboolean to_customer, GError **error)
{
	guint32 seq = a->seq;

	if (data == NULL) {
		/* md_compose() found an address no relay could take safely. */
		g_debug("ticket %" G_GUINT64_FORMAT ": no %s, unusable address",
		    a->ticket->number, kind);
		return TRUE;
	}
	if (strcmp(kind, "ack") == 0) {
		/* The customer sees it: it belongs to the conversation. */
		gsize len;
		const guint8 *bytes = g_bytes_get_data(data, &len);
		g_autoptr(MdMessage) out = md_message_parse(bytes, len);

		out->direction = MD_DIR_OUT;
		out->kind = MD_KIND_ACK;
		out->received_at = a->now;
		out->queue = g_strdup(a->ticket->queue);
		out->envelope_sender = g_strdup(from);
		if (!md_ticket_append_message(a->txn, a->ticket, out, bytes,
		    len, NULL, &seq, error))
			return FALSE;
	}
	return md_outbox_queue(a->txn, a->config, kind, a->ticket->number, seq,
	    to_customer ? a->customer->id : 0, from, to, message_id, data,
	    a->now, a->outbox_ids, error);
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
queue_ack(MdAutoreply *a, const char *from, const MdQueue *q,
    GHashTable *vars, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *text = NULL, *subject = NULL, *reply_to = NULL;
	g_autofree char *msgid = NULL;
	g_autoptr(GBytes) data = NULL;
	MdComposeSpec spec = { 0 };
	const char *language;
	gboolean allowed;

	if (!md_outbox_ratelimit(a->txn, a->config, a->customer->email,
	    a->now, &allowed, error))
		return FALSE;
	if (!allowed) {
		md_info("autoreply ticket=%" G_GUINT64_FORMAT " ack=skipped "
		    "reason=rate-limit", a->ticket->number);
		return TRUE;
	}
	/* The customer's language where we can tell, else the queue's. */
	language = md_language_choose(g_hash_table_lookup(a->customer->fields,
	    "language"), md_message_header(a->message, "Content-Language"),
	    a->message->text, q->language);
	text = md_template_render(a->config, "ack", language ? language :
	    q->language, vars, &e);
	if (text == NULL) {
		note(a, "acknowledgement", e);
		return TRUE;
	}
	subject = g_strdup_printf("[%s%" G_GUINT64_FORMAT "] %s",
	    a->config->tag, a->ticket->number, a->ticket->subject);
	reply_to = md_token_reply_address(a->secret, from,
	    md_config_reply_delimiter(a->config), a->ticket->number, NULL);
	msgid = md_token_message_id(a->secret, a->ticket->number, from);
	spec.from_address = from;
	spec.to_address = a->customer->email;
	spec.to_name = g_hash_table_lookup(vars, "name");
	spec.subject = subject;
	spec.reply_to = reply_to;
	spec.message_id = msgid;
	spec.in_reply_to = a->message->message_id;
	spec.references = a->message->references;
	spec.auto_submitted = "auto-replied";
	spec.x_loop = a->config->x_loop;
	spec.text = text;
	data = md_compose(&spec, a->now);
	return enqueue(a, "ack", from, a->customer->email, msgid, data, TRUE,
	    error);
}

static gboolean
queue_notifications(MdAutoreply *a, const char *from, const MdQueue *q,
    GHashTable *vars, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *text = NULL, *subject = NULL;
	const MdMailbox *who = md_message_sender_mailbox(a->message);
	g_auto(GStrv) agents = md_agent_of_queue(a->txn, a->config,
	    a->ticket->queue, error);

	if (agents == NULL)
		return FALSE;
	if (agents[0] == NULL)
		return TRUE;
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
		    a->ticket->number, *agent);
		g_autofree char *msgid = md_token_message_id(a->secret,
		    a->ticket->number, from);
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
		spec.x_loop = a->config->x_loop;
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
	const MdQueue *q;
	g_autoptr(GHashTable) vars = NULL;

	if (md_autoreply_forbidden(a->config, a->message, a->customer, &why)) {
		md_debug(1, "autoreply ticket=%" G_GUINT64_FORMAT
		    " skipped reason=\"%s\"", a->ticket->number, why);
		return TRUE;
	}
	/* From our address the mail reached, else the queue's first. */
	from = md_config_our_address(a->config, a->message->recipient);
	if (from == NULL)
		from = md_config_address_of(a->config, a->ticket->queue);
	if (from == NULL)
		return TRUE;
	q = md_config_queue(a->config, a->ticket->queue);
	vars = variables(a);
	if (a->new_ticket && a->config->ack_enabled &&
	    !queue_ack(a, from, q, vars, error))
		return FALSE;
	return queue_notifications(a, from, q, vars, error);
}
