/* SPDX-License-Identifier: MIT */
/*
 * Agent mail.  Verification first; then the command lines at the top;
 * then either a relay to the customer, an internal note, or a report of
 * what was not understood.  An unknown command changes nothing at all:
 * half-applied commands would surprise the agent more than none.
 */
#include <string.h>

#include "maildesk/agentmail.h"
#include "maildesk/compose.h"
#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/outbox.h"
#include "maildesk/template.h"
#include "maildesk/token.h"

static const char *
domain_of(const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;

	return at ? at + 1 : "";
}

/* One Authentication-Results value: "authserv-id [version]; resinfo; ..." */
static gboolean
auth_results_pass(const char *value, const char *authserv_id,
    const char *domain)
{
	g_auto(GStrv) parts = g_strsplit(value, ";", -1);
	g_autofree char *id = NULL;

	if (parts[0] == NULL)
		return FALSE;
	id = g_strstrip(g_strdup(parts[0]));
	if (strchr(id, ' ') != NULL)	/* a version follows the id */
		*strchr(id, ' ') = '\0';
	if (g_ascii_strcasecmp(id, authserv_id) != 0)
		return FALSE;
	for (char **p = parts + 1; *p != NULL; p++) {
		g_auto(GStrv) words = g_strsplit_set(g_strstrip(*p), " \t\r\n",
		    -1);
		gboolean dkim = FALSE, dmarc = FALSE, match = FALSE;

		for (char **w = words; *w != NULL; w++) {
			if (g_ascii_strcasecmp(*w, "dkim=pass") == 0)
				dkim = TRUE;
			else if (g_ascii_strcasecmp(*w, "dmarc=pass") == 0)
				dmarc = TRUE;
			else if ((g_ascii_strncasecmp(*w, "header.d=", 9) == 0 &&
			    g_ascii_strcasecmp(*w + 9, domain) == 0) ||
			    (g_ascii_strncasecmp(*w, "header.from=", 12) == 0 &&
			    g_ascii_strcasecmp(*w + 12, domain) == 0))
				match = TRUE;
		}
		if ((dkim || dmarc) && match)
			return TRUE;
	}
	return FALSE;
}

gboolean
md_agentmail_verified(const MdConfig *config, const MdMessage *m,
    const MdThreadMatch *match, const char *agent)
{
	const char *domain = domain_of(agent);

	if (match->reason == MD_THREAD_TOKEN && match->agent != NULL &&
	    g_ascii_strcasecmp(match->agent, agent) == 0)
		return TRUE;
	if (config->authserv_id[0] == '\0' || domain[0] == '\0')
		return FALSE;
	for (guint i = 0; i + 1 < m->headers->len; i += 2)
		if (g_ascii_strcasecmp(g_ptr_array_index(m->headers, i),
		    "Authentication-Results") == 0 && auth_results_pass(
		    g_ptr_array_index(m->headers, i + 1), config->authserv_id,
		    domain))
			return TRUE;
	return FALSE;
}

char *
md_agentmail_split_commands(const char *text, GPtrArray *commands)
{
	const char *p = text ? text : "";

	for (;;) {
		const char *eol = strchr(p, '\n');
		gsize n = eol ? (gsize)(eol - p) : strlen(p);
		g_autofree char *line = g_strstrip(g_strndup(p, n));

		if (line[0] == '#')
			g_ptr_array_add(commands, g_steal_pointer(&line));
		else if (line[0] != '\0' || eol == NULL)
			break;
		if (eol == NULL) {
			p += n;
			break;
		}
		p = eol + 1;
	}
	return g_strdup(p);
}

static gboolean
is_quote_header(const char *line)
{
	static const char *const exact[] = {
		"-----Original Message-----", "-----Ursprüngliche Nachricht-----",
		"________________________________", "--- Original Message ---",
		NULL
	};

	for (const char *const *e = exact; *e != NULL; e++)
		if (g_str_has_prefix(line, *e))
			return TRUE;
	/* "On Mon, 2 Mar 2026, Anna wrote:" "Am 02.03.2026 schrieb Anna:" */
	if ((g_str_has_prefix(line, "On ") && g_str_has_suffix(line,
	    "wrote:")) || (g_str_has_prefix(line, "Am ") &&
	    g_str_has_suffix(line, ":") && strstr(line, "schrieb") != NULL))
		return TRUE;
	return FALSE;
}

/* "... wrote:" ending an attribution that a client wrapped in two. */
static gboolean
ends_attribution(const char *line)
{
	return g_str_has_suffix(line, "wrote:") ||
	    g_str_has_suffix(line, "schrieb:") ||
	    (strstr(line, "schrieb") != NULL && g_str_has_suffix(line, ":"));
}

char *
md_agentmail_cut_quote(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
	GString *out = g_string_new(NULL);
	gsize prev_start = 0;
	gboolean prev_opens = FALSE;

	for (char **l = lines; *l != NULL; l++) {
		g_autofree char *t = g_strstrip(g_strdup(*l));

		if (is_quote_header(t) || t[0] == '>')
			break;
		if (prev_opens && ends_attribution(t)) {
			g_string_truncate(out, prev_start);
			break;
		}
		prev_start = out->len;
		prev_opens = g_str_has_prefix(t, "On ") ||
		    g_str_has_prefix(t, "Am ");
		g_string_append(out, *l);
		g_string_append_c(out, '\n');
	}
	while (out->len > 0 && g_ascii_isspace(out->str[out->len - 1]))
		g_string_truncate(out, out->len - 1);
	g_string_append_c(out, '\n');
	return g_string_free(out, FALSE);
}

/* The queue names this installation knows. */
static gboolean
known_queue(const MdConfig *config, const char *name)
{
	for (guint i = 0; i < config->addresses->len; i++) {
		MdAddress *a = g_ptr_array_index(config->addresses, i);

		if (strcmp(a->queue, name) == 0)
			return TRUE;
	}
	for (guint i = 0; i < config->queues->len; i++) {
		MdQueue *q = g_ptr_array_index(config->queues, i);

		if (strcmp(q->name, name) == 0)
			return TRUE;
	}
	return strcmp(config->default_queue, name) == 0;
}

typedef struct {
	gboolean note;
	gboolean has_status;
	MdStatus status;
	char *owner;
	char *queue;
	char *customer;
	char *unknown;	/* the first line not understood */
} Commands;

static void
commands_clear(Commands *c)
{
	g_free(c->owner);
	g_free(c->queue);
	g_free(c->customer);
	g_free(c->unknown);
}

static void
parse_commands(const MdConfig *config, const MdAgent *agent,
    GPtrArray *lines, Commands *c)
{
	for (guint i = 0; i < lines->len && c->unknown == NULL; i++) {
		const char *line = g_ptr_array_index(lines, i);
		g_auto(GStrv) w = g_strsplit_set(line + 1, " \t", -1);
		guint n = g_strv_length(w);
		g_autofree char *verb = n ? g_ascii_strdown(w[0], -1) : NULL;
		const char *arg = n > 1 ? w[n - 1] : NULL;

		if (verb != NULL && strcmp(verb, "note") == 0 && n == 1)
			c->note = TRUE;
		else if (verb != NULL && strcmp(verb, "status") == 0 &&
		    n == 2 && md_ticket_status_from_name(arg, &c->status) &&
		    c->status != MD_STATUS_NEW)
			c->has_status = TRUE;
		else if (verb != NULL && strcmp(verb, "assign") == 0 &&
		    n == 2 && (strcmp(arg, "me") == 0 || strchr(arg, '@'))) {
			g_free(c->owner);
			c->owner = g_ascii_strdown(strcmp(arg, "me") == 0 ?
			    agent->email : arg, -1);
		} else if (verb != NULL && strcmp(verb, "queue") == 0 &&
		    n == 2 && known_queue(config, arg)) {
			g_free(c->queue);
			c->queue = g_strdup(arg);
		} else if (verb != NULL && strcmp(verb, "customer") == 0 &&
		    n == 2 && strchr(arg, '@') != NULL) {
			g_free(c->customer);
			c->customer = g_strdup(arg);
		} else
			c->unknown = g_strdup(line);
	}
}

static void
put(GHashTable *v, const char *name, const char *value)
{
	g_hash_table_insert(v, (gpointer)name, g_strdup(value ? value : ""));
}

static GHashTable *
variables(MdAgentMail *a, const MdCustomer *c, const char *text)
{
	GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	    g_free);
	g_autofree char *n = g_strdup_printf("%" G_GUINT64_FORMAT,
	    a->ticket->number);
	g_autofree char *name = NULL;

	if (c != NULL && (c->first_name || c->last_name))
		name = g_strstrip(g_strjoin(" ", c->first_name ?
		    c->first_name : "", c->last_name ? c->last_name : "", NULL));
	put(v, "ticket", n);
	put(v, "subject", a->ticket->subject);
	put(v, "queue", a->ticket->queue);
	put(v, "name", name ? name : c ? c->email : "-");
	put(v, "first_name", c ? c->first_name : NULL);
	put(v, "last_name", c ? c->last_name : NULL);
	put(v, "email", c ? c->email : "-");
	put(v, "agent", a->agent->email);
	put(v, "text", text);
	return v;
}

static const char *
our_address(MdAgentMail *a)
{
	const char *from = md_config_address_of(a->config, a->ticket->queue);

	if (from == NULL)
		from = md_config_our_address(a->config, a->message->recipient);
	return from;
}

static gboolean
queue_mail(MdAgentMail *a, const char *kind, const char *from,
    const char *to, guint64 customer_id, MdComposeSpec *spec,
    GError **error)
{
	g_autofree char *msgid = md_token_message_id(a->secret,
	    a->ticket->number, from);
	g_autoptr(GBytes) data = NULL;

	/* Imported mail was answered, relayed and copied long ago. */
	if (a->no_mail)
		return TRUE;
	spec->message_id = msgid;
	data = md_compose(spec, a->now);
	if (data == NULL) {
		/* An address no relay could take safely: nothing to send. */
		g_debug("ticket %" G_GUINT64_FORMAT ": no %s, unusable address",
		    a->ticket->number, kind);
		return TRUE;
	}
	return md_outbox_queue(a->txn, a->config, kind, a->ticket->number,
	    a->seq, customer_id, from, to, msgid, data, a->now, a->outbox_ids,
	    error);
}

/* The customer's latest mail in the ticket, to answer in its thread. */
static MdMessage *
last_customer_message(MdAgentMail *a, GError **error)
{
	for (guint32 s = a->ticket->message_count; s >= 1; s--) {
		MdMessage *m = md_ticket_load_message(a->txn, a->ticket->number,
		    s, error);

		if (m == NULL)
			return NULL;
		if (m->direction == MD_DIR_IN && m->kind == MD_KIND_CUSTOMER)
			return m;
		md_message_free(m);
	}
	return NULL;
}

static gboolean
relay(MdAgentMail *a, const MdCustomer *c, const char *text, GError **error)
{
	g_autoptr(MdMessage) last = NULL;
	g_autoptr(GError) e = NULL;
	g_autofree char *subject = NULL, *reply_to = NULL;
	g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func(g_free);
	const char *from = our_address(a);
	MdComposeSpec spec = { 0 };

	if (from == NULL)
		return TRUE;
	last = last_customer_message(a, &e);
	if (last == NULL && e != NULL) {
		g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	}
	/* RFC 5322 3.6.4: the parent's References, else its In-Reply-To. */
	if (last != NULL) {
		for (guint i = 0; i < last->references->len; i++)
			g_ptr_array_add(refs, g_strdup(g_ptr_array_index(
			    last->references, i)));
		if (refs->len == 0 && last->in_reply_to != NULL)
			g_ptr_array_add(refs, g_strdup(last->in_reply_to));
	}
	subject = g_strdup_printf("[%s%" G_GUINT64_FORMAT "] %s",
	    a->config->tag, a->ticket->number, a->ticket->subject);
	reply_to = md_token_reply_address(a->secret, from,
	    md_config_reply_delimiter(a->config), a->ticket->number, NULL);
	spec.from_address = from;
	spec.to_address = c->email;
	spec.to_name = c->first_name || c->last_name ? g_strjoin(" ",
	    c->first_name ? c->first_name : "", c->last_name ?
	    c->last_name : "", NULL) : NULL;
	spec.subject = subject;
	spec.reply_to = reply_to;
	spec.in_reply_to = last ? last->message_id : NULL;
	spec.references = refs;
	spec.auto_submitted = NULL;
	spec.x_loop = a->config->x_loop;
	spec.text = text;
	spec.attach_raw = a->message->attachments->len > 0 ? a->raw : NULL;
	spec.attach_len = a->raw_len;
	if (!queue_mail(a, "reply", from, c->email, c->id, &spec, error)) {
		g_free((char *)spec.to_name);
		return FALSE;
	}
	g_free((char *)spec.to_name);
	return TRUE;
}

/* A copy of what the agent wrote for the queue's other agents. */
static gboolean
copy_to_agents(MdAgentMail *a, const MdCustomer *c, const char *text,
    const char *kind, GError **error)
{
	g_auto(GStrv) agents = md_agent_of_queue(a->txn, a->config,
	    a->ticket->queue, error);
	g_autoptr(GHashTable) vars = NULL;
	g_autofree char *body = NULL, *subject = NULL;
	g_autoptr(GError) e = NULL;
	const char *from = our_address(a);
	const MdQueue *q = md_config_queue(a->config, a->ticket->queue);

	if (agents == NULL)
		return FALSE;
	if (from == NULL)
		return TRUE;
	vars = variables(a, c, text);
	put(vars, "kind", kind);
	subject = g_strdup_printf("[%s%" G_GUINT64_FORMAT "] %s",
	    a->config->tag, a->ticket->number, a->ticket->subject);
	for (char **to = agents; *to != NULL; to++) {
		g_autofree char *reply_to = NULL;
		MdComposeSpec spec = { 0 };

		if (g_ascii_strcasecmp(*to, a->agent->email) == 0)
			continue;
		if (body == NULL) {
			body = md_template_render(a->config, "agent-copy",
			    q->language, vars, &e);
			if (body == NULL) {
				md_warn("agentmail ticket=%" G_GUINT64_FORMAT
				    " copy not sent: %s", a->ticket->number,
				    e->message);
				return TRUE;
			}
		}
		reply_to = md_token_reply_address(a->secret, from,
		    md_config_reply_delimiter(a->config), a->ticket->number, *to);
		spec.from_address = from;
		spec.from_name = a->agent->name ? a->agent->name :
		    a->agent->email;
		spec.to_address = *to;
		spec.subject = subject;
		spec.reply_to = reply_to;
		spec.auto_submitted = "auto-generated";
		spec.x_loop = a->config->x_loop;
		spec.text = body;
		if (!queue_mail(a, "copy", from, *to, 0, &spec, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
report_error(MdAgentMail *a, const char *command, GError **error)
{
	g_autoptr(GHashTable) vars = variables(a, NULL, "");
	g_autoptr(GError) e = NULL;
	g_autofree char *body = NULL, *subject = NULL;
	const MdQueue *q = md_config_queue(a->config, a->ticket->queue);
	const char *from = our_address(a);
	MdComposeSpec spec = { 0 };

	if (from == NULL)
		return TRUE;
	put(vars, "command", command);
	body = md_template_render(a->config, "command-error", q->language,
	    vars, &e);
	if (body == NULL)
		body = g_strdup_printf("Command not understood: %s\n", command);
	subject = g_strdup_printf("[%s%" G_GUINT64_FORMAT "] command not "
	    "understood: %s", a->config->tag, a->ticket->number, command);
	spec.from_address = from;
	spec.to_address = a->agent->email;
	spec.subject = subject;
	spec.in_reply_to = a->message->message_id;
	spec.auto_submitted = "auto-replied";
	spec.x_loop = a->config->x_loop;
	spec.text = body;
	return queue_mail(a, "error", from, a->agent->email, 0, &spec, error);
}

static gboolean
store(MdAgentMail *a, MdKind kind, MdDirection direction, const char *text,
    GError **error)
{
	a->message->kind = kind;
	a->message->direction = direction;
	if (text != a->message->text) {
		g_free(a->message->text);
		a->message->text = g_strdup(text);
	}
	return md_ticket_append_message(a->txn, a->ticket, a->message, a->raw,
	    a->raw_len, a->dedupe_key, &a->seq, error);
}

gboolean
md_agentmail_handle(MdAgentMail *a, GError **error)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *rest = NULL, *text = NULL;
	g_autoptr(MdCustomer) c = NULL;
	Commands cmd = { 0 };
	gboolean ok = FALSE;

	if (!a->verified) {
		/* Kept for the record; obeyed and relayed never. */
		a->message->flags |= MD_MSG_UNVERIFIED;
		md_info("agentmail ticket=%" G_GUINT64_FORMAT
		    " result=unverified", a->ticket->number);
		return store(a, MD_KIND_NOTE, MD_DIR_IN, a->message->text,
		    error);
	}
	rest = md_agentmail_split_commands(a->message->text, lines);
	text = md_agentmail_cut_quote(rest);
	parse_commands(a->config, a->agent, lines, &cmd);

	if (cmd.unknown != NULL) {
		ok = store(a, MD_KIND_NOTE, MD_DIR_IN, a->message->text,
		    error) && report_error(a, cmd.unknown, error);
		goto out;
	}
	if (cmd.customer != NULL) {
		MdMailbox mb = { NULL, cmd.customer };
		gboolean created;

		c = md_customer_find_or_create(a->txn, &mb, a->now, &created,
		    error);
		if (c == NULL)
			goto out;
		a->ticket->customer_id = c->id;
		if (!md_customer_link_ticket(a->txn, c->id, a->ticket->number,
		    error))
			goto out;
	} else if (a->ticket->customer_id != 0) {
		c = md_customer_load(a->txn, a->ticket->customer_id, error);
		if (c == NULL)
			goto out;
	}
	if (cmd.owner != NULL) {
		g_free(a->ticket->owner);
		a->ticket->owner = g_strdup(cmd.owner);
	}
	if (cmd.queue != NULL) {
		g_free(a->ticket->queue);
		a->ticket->queue = g_strdup(cmd.queue);
	}

	if (cmd.note || text[0] == '\n' || text[0] == '\0' || c == NULL) {
		/* Internal: a note, commands only, or nobody to answer. */
		if (!store(a, MD_KIND_NOTE, MD_DIR_IN, text, error))
			goto out;
		if (cmd.note && !copy_to_agents(a, c, text, "internal note",
		    error))
			goto out;
		if (a->ticket->status == MD_STATUS_NEW && !cmd.has_status)
			md_ticket_set_status(a->ticket, MD_STATUS_OPEN, a->now);
	} else {
		if (!store(a, MD_KIND_AGENT, MD_DIR_OUT, text, error) ||
		    !relay(a, c, text, error) ||
		    !copy_to_agents(a, c, text, "answer to the customer",
		    error))
			goto out;
		if (a->ticket->owner == NULL)
			a->ticket->owner = g_strdup(a->agent->email);
		if (!cmd.has_status)
			md_ticket_set_status(a->ticket, MD_STATUS_PENDING,
			    a->now);
	}
	if (cmd.has_status)
		md_ticket_set_status(a->ticket, cmd.status, a->now);
	ok = TRUE;
out:
	commands_clear(&cmd);
	return ok;
}
