/* SPDX-License-Identifier: MIT */
/*
 * Agent mail.  Verification first; then the command lines at the top;
 * then either a relay to the customer, an internal note, or a report of
 * what was not understood or not allowed.  An unknown or refused command
 * changes nothing at all: half-applied commands would surprise the agent
 * more than none.  A signed reply address can leak (a reply-all shows it
 * to the customer), so it is enough for an answer to the ticket's own
 * customer, never for what harms others: that needs our MX's word that
 * the mail came from the agent's domain (md_agentmail_require_strong).
 */
#include <string.h>

#include "maildesk/agentmail.h"
#include "maildesk/authres.h"
#include "maildesk/calendar.h"
#include "maildesk/compose.h"
#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/loop.h"
#include "maildesk/merge.h"
#include "maildesk/outbox.h"
#include "maildesk/participants.h"
#include "maildesk/ratelimit.h"
#include "maildesk/sla.h"
#include "maildesk/template.h"
#include "maildesk/textmodule.h"
#include "maildesk/token.h"

MdAgentTrust
md_agentmail_trust(const MdConfig *config, const MdMessage *m,
    const MdThreadMatch *match, const char *agent, const char **why)
{
	MdAuthResults ar;
	gboolean own = match->reason == MD_THREAD_TOKEN &&
	    match->agent != NULL && g_ascii_strcasecmp(match->agent,
	    agent) == 0;

	*why = NULL;
	md_authres_read(config, m, md_authres_domain_of(agent), &ar);
	if (ar.dkim_pass || ar.dmarc_pass)
		return MD_AGENT_TRUST_STRONG;
	if (own && !match->token_stale)
		return MD_AGENT_TRUST_TOKEN;
	if (own)
		*why = "it went to a signed reply address of yours that is "
		    "too old (or of a form no longer honoured)";
	else if (match->reason == MD_THREAD_TOKEN)
		*why = "it went to a signed reply address that is not yours";
	else
		*why = "it went to none of your signed reply addresses, and "
		    "our mail server did not confirm (DKIM or DMARC) that it "
		    "came from your domain";
	return MD_AGENT_TRUST_NONE;
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

typedef struct {
	gboolean note;
	gboolean has_status;
	MdStatus status;
	char *owner;
	char *queue;
	char *customer;
	char *unknown;	/* the first line not understood */
	char *assign_line;	/* the #assign line, as written */
	char *customer_line;	/* the #customer line, as written */
	char *pending_line;	/* the #pending or #pending-close line */
	char *pending_arg;	/* its date, as written */
	gboolean pending_close;
	GPtrArray *cc_add;	/* of char *: #cc add lines, as written */
	GPtrArray *cc_remove;	/* of char *: addresses to take off */
	guint64 merge_into;	/* #merge N, or 0 */
	char *merge_line;
	char *template_name;	/* #template NAME */
} Commands;

/* The address of a "#cc add ADDR" line. */
static const char *
cc_address(const char *line)
{
	const char *sp = strrchr(line, ' ');
	const char *tab = strrchr(line, '\t');

	return (tab > sp ? tab : sp) + 1;
}

static void
commands_clear(Commands *c)
{
	g_clear_pointer(&c->cc_add, g_ptr_array_unref);
	g_clear_pointer(&c->cc_remove, g_ptr_array_unref);
	g_free(c->merge_line);
	g_free(c->template_name);
	g_free(c->owner);
	g_free(c->queue);
	g_free(c->customer);
	g_free(c->unknown);
	g_free(c->assign_line);
	g_free(c->customer_line);
	g_free(c->pending_line);
	g_free(c->pending_arg);
}

/*
 * Reads the agent's command lines into @c; the first one not understood is
 * kept as it was written.
 */
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
			g_free(c->assign_line);
			c->assign_line = g_strdup(line);
		} else if (verb != NULL && strcmp(verb, "queue") == 0 &&
		    n == 2 && md_config_has_queue(config, arg)) {
			g_free(c->queue);
			c->queue = g_strdup(arg);
		} else if (verb != NULL && strcmp(verb, "customer") == 0 &&
		    n == 2 && strchr(arg, '@') != NULL) {
			g_free(c->customer);
			c->customer = g_strdup(arg);
			g_free(c->customer_line);
			c->customer_line = g_strdup(line);
		} else if (verb != NULL && (strcmp(verb, "pending") == 0 ||
		    strcmp(verb, "pending-close") == 0) && n == 2) {
			g_free(c->pending_line);
			c->pending_line = g_strdup(line);
			g_free(c->pending_arg);
			c->pending_arg = g_strdup(arg);
			c->pending_close = strcmp(verb, "pending-close") == 0;
		} else if (verb != NULL && strcmp(verb, "cc") == 0 &&
		    n == 3 && md_customer_check_address(arg, NULL) &&
		    (g_ascii_strcasecmp(w[1], "add") == 0 ||
		    g_ascii_strcasecmp(w[1], "remove") == 0)) {
			GPtrArray **list = g_ascii_strcasecmp(w[1], "add") ==
			    0 ? &c->cc_add : &c->cc_remove;

			if (*list == NULL)
				*list = g_ptr_array_new_with_free_func(g_free);
			g_ptr_array_add(*list, g_strdup(list == &c->cc_add ?
			    line : arg));
		} else if (verb != NULL && strcmp(verb, "merge") == 0 &&
		    n == 2 && md_merge_parse_number(arg, &c->merge_into)) {
			g_free(c->merge_line);
			c->merge_line = g_strdup(line);
		} else if (verb != NULL && strcmp(verb, "template") == 0 &&
		    n == 2 && md_textmodule_is_name(arg)) {
			g_free(c->template_name);
			c->template_name = g_strdup(arg);
		} else
			c->unknown = g_strdup(line);
	}
}

/*
 * The date of a #pending line, in the queue's calendar zone; 0 when it
 * is no date, or not in the future.
 */
static gint64
pending_date(MdAgentMail *a, const char *arg)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(GTimeZone) tz = md_calendar_zone(a->config,
	    a->ticket->queue, &e);
	gint64 until;

	/* A broken zone is the config's fault (config check says so), not
	 * the agent's: the date counts in UTC then. */
	if (tz == NULL)
		md_warn("agentmail ticket=%" G_GUINT64_FORMAT " %s",
		    a->ticket->number, e->message);
	until = md_sla_parse_date(arg, tz, a->now);
	return until > a->now ? until : 0;
}

/* The variables of a template, with the agent who wrote. */
static GHashTable *
variables(MdAgentMail *a, const MdCustomer *c, const char *text)
{
	GHashTable *v = md_template_variables(a->config, a->ticket, c, text);

	md_template_put(v, "agent", a->agent->email);
	return v;
}

/* Our address that mail about the ticket goes out from. */
static const char *
our_address(MdAgentMail *a)
{
	const char *from = md_config_address_of(a->config, a->ticket->queue);

	if (from == NULL)
		from = md_config_our_address(a->config, a->message->recipient);
	return from;
}

/*
 * Composes @spec and queues it; *@sent (nullable) gets the bytes as they
 * will go out.
 */
static gboolean
queue_mail(MdAgentMail *a, const char *kind, const char *from,
    const char *to, guint64 customer_id, MdComposeSpec *spec, GPtrArray *also,
    GBytes **sent, GError **error)
{
	g_autofree char *msgid = md_token_message_id(a->secret,
	    a->ticket->number, from, to);
	g_autoptr(GBytes) data = NULL;

	/* Imported mail was answered, relayed and copied long ago. */
	if (a->no_mail)
		return TRUE;
	spec->message_id = msgid;
	spec->x_loop = a->loop_mark;
	data = md_compose(spec, a->now);
	if (sent != NULL && data != NULL)
		*sent = g_bytes_ref(data);
	if (!md_outbox_queue_composed(a->txn, a->config, kind,
	    a->ticket->number, a->seq, customer_id, from, to, msgid, data,
	    a->now, a->outbox_ids, error))
		return FALSE;
	/*
	 * The same mail to each person in its Cc, one entry each, as an MTA
	 * splits recipients: a participant's full mailbox defers, or their
	 * 5xx marks bouncing, that person alone; an erasure drops their copy
	 * and leaves the customer's.
	 */
	for (guint i = 0; data != NULL && also != NULL && i < also->len; i++) {
		const MdCustomer *p = g_ptr_array_index(also, i);

		if (md_compose_valid_address(p->email) &&
		    !md_outbox_queue(a->txn, a->config, kind,
		    a->ticket->number, a->seq, p->id, from, p->email, msgid,
		    data, a->now, a->outbox_ids, error))
			return FALSE;
	}
	return TRUE;
}

/* @people (of MdCustomer) as the Cc of an answer (transfer full). */
static GPtrArray *
answer_cc(GPtrArray *people)
{
	GPtrArray *cc = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_mailbox_free);

	for (guint i = 0; i < people->len; i++) {
		const MdCustomer *p = g_ptr_array_index(people, i);
		g_autofree char *name = NULL;

		if (p->first_name || p->last_name)
			name = g_strstrip(g_strjoin(" ", p->first_name ?
			    p->first_name : "", p->last_name ? p->last_name :
			    "", NULL));
		g_ptr_array_add(cc, md_mailbox_new(name, p->email));
	}
	return cc;
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

/*
 * The From name of an answer: "Alice Agent via Support", so that the
 * customer sees who wrote while replies still go to the queue's address.
 * The queue's name has its first letter made upper case; an agent without
 * a name is shown as the queue alone (their address stays ours to know).
 */
static char *
relay_name(const MdAgent *agent, const char *queue)
{
	g_autofree char *team = NULL;
	char first[8];
	int n;

	if (queue == NULL || queue[0] == '\0')
		return g_strdup(agent->name);
	n = g_unichar_to_utf8(g_unichar_totitle(g_utf8_get_char(queue)), first);
	team = g_strdup_printf("%.*s%s", n, first, g_utf8_next_char(queue));
	if (agent->name == NULL || agent->name[0] == '\0')
		return g_steal_pointer(&team);
	return g_strdup_printf("%s via %s", agent->name, team);
}


/* The signed reply address of the ticket (for @agent, nullable). */
static char *
reply_address(MdAgentMail *a, const char *from, const char *agent)
{
	return md_token_reply_address(a->secret, from,
	    md_config_reply_delimiter(a->config), a->ticket->number, agent,
	    a->now);
}

/*
 * The queue's signature for an answer to @c ("" when the site has none;
 * transfer full).  A signature that cannot be read is the site's to fix:
 * the answer goes without it rather than not at all.
 */
static char *
answer_signature(MdAgentMail *a, const MdCustomer *c)
{
	const MdQueue *q = md_config_queue(a->config, a->ticket->queue);
	g_autoptr(GHashTable) vars = variables(a, c, "");
	g_autoptr(GError) e = NULL;
	char *sig = md_textmodule_signature(a->config, a->ticket->queue,
	    q->language, vars, &e);

	if (sig != NULL)
		return sig;
	if (e != NULL)
		md_warn("agentmail ticket=%" G_GUINT64_FORMAT " signature "
		    "left out: %s", a->ticket->number, e->message);
	return g_strdup("");
}

/*
 * The answer to the customer, from our address; kept as it went out, so
 * that an export hands the customer what they received and nothing of
 * the agent's own mail (signed addresses, quoted notes).
 */
static gboolean
relay(MdAgentMail *a, const MdCustomer *c, const char *text, GError **error)
{
	g_autoptr(MdMessage) last = NULL;
	g_autoptr(GError) e = NULL;
	g_autoptr(GBytes) sent = NULL;
	g_autofree char *subject = NULL, *reply_to = NULL, *to_name = NULL;
	g_autofree char *from_name = NULL;
	g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) cc = NULL, people = NULL;
	g_autofree char *signature = NULL, *signed_text = NULL;
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
	reply_to = reply_address(a, from, NULL);
	from_name = relay_name(a->agent, a->ticket->queue);
	to_name = md_customer_display_name(c);
	spec.from_address = from;
	spec.from_name = from_name;
	spec.to_address = c->email;
	spec.to_name = to_name;
	spec.subject = subject;
	spec.reply_to = reply_to;
	spec.in_reply_to = last ? last->message_id : NULL;
	spec.references = refs;
	spec.auto_submitted = NULL;
	signature = answer_signature(a, c);
	signed_text = signature[0] != '\0' ? g_strconcat(text, "\n",
	    signature, NULL) : g_strdup(text);
	spec.text = signed_text;
	spec.attach_raw = a->message->attachments->len > 0 ? a->raw : NULL;
	spec.attach_len = a->raw_len;
	/* As a reply-all would: the people the customer wrote to, in Cc. */
	people = md_participants_recipients(a->txn, a->ticket, error);
	if (people == NULL)
		return FALSE;
	cc = answer_cc(people);
	spec.cc = cc;
	if (!queue_mail(a, "reply", from, c->email, c->id, &spec, people, &sent,
	    error))
		return FALSE;
	return sent == NULL || md_ticket_save_sent(a->txn, a->ticket->number,
	    a->seq, sent, error);
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
	md_template_put(vars, "kind", kind);
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
		reply_to = reply_address(a, from, *to);
		spec.from_address = from;
		spec.from_name = a->agent->name ? a->agent->name :
		    a->agent->email;
		spec.to_address = *to;
		spec.subject = subject;
		spec.reply_to = reply_to;
		spec.auto_submitted = "auto-generated";
		spec.text = body;
		if (!queue_mail(a, "copy", from, *to, 0, &spec, NULL, NULL,
		    error))
			return FALSE;
	}
	return TRUE;
}

/* A word back to the writing agent, in answer to their mail. */
static gboolean
mail_agent(MdAgentMail *a, const char *kind, const char *from,
    const char *subject, const char *reply_to, const char *body,
    GError **error)
{
	MdComposeSpec spec = { 0 };

	spec.from_address = from;
	spec.to_address = a->agent->email;
	spec.subject = subject;
	spec.reply_to = reply_to;
	spec.in_reply_to = a->message->message_id;
	spec.auto_submitted = "auto-replied";
	spec.text = body;
	return queue_mail(a, kind, from, a->agent->email, 0, &spec, NULL, NULL,
	    error);
}

/* Tells the agent that a command of theirs could not be done. */
static gboolean
report_error(MdAgentMail *a, const char *command, GError **error)
{
	g_autoptr(GHashTable) vars = variables(a, NULL, "");
	g_autoptr(GError) e = NULL;
	g_autofree char *body = NULL, *subject = NULL;
	const MdQueue *q = md_config_queue(a->config, a->ticket->queue);
	const char *from = our_address(a);

	if (from == NULL)
		return TRUE;
	md_template_put(vars, "command", command);
	body = md_template_render(a->config, "command-error", q->language,
	    vars, &e);
	if (body == NULL)
		body = g_strdup_printf("Command not understood: %s\n", command);
	subject = g_strdup_printf("[%s%" G_GUINT64_FORMAT "] command not "
	    "understood: %s", a->config->tag, a->ticket->number, command);
	return mail_agent(a, "error", from, subject, NULL, body, error);
}

/*
 * Tells the agent that their mail was kept as an internal note, why, and
 * where an answer would go: once per mail (later copies of it are
 * duplicates), at most [agents] reports-per-hour per agent, so that a
 * forger cannot flood an agent through us.
 */
static gboolean
report_kept(MdAgentMail *a, const char *reason, GError **error)
{
	g_autoptr(GHashTable) vars = variables(a, NULL, "");
	g_autoptr(GError) e = NULL;
	g_autofree char *body = NULL, *subject = NULL, *reply_to = NULL;
	g_autofree char *key = NULL, *days = NULL;
	const MdQueue *q = md_config_queue(a->config, a->ticket->queue);
	const char *from = our_address(a);
	MdRateLimit limit = { NULL, 'h', a->config->reports_per_hour };
	gboolean allowed;

	if (from == NULL || a->no_mail)
		return TRUE;
	key = g_strconcat("report:", a->agent->email, NULL);
	limit.key = key;
	if (!md_ratelimit_take(a->txn, &limit, 1, a->now, &allowed, error))
		return FALSE;
	if (!allowed) {
		md_info("agentmail ticket=%" G_GUINT64_FORMAT " report=skipped "
		    "reason=rate-limit", a->ticket->number);
		return TRUE;
	}
	reply_to = reply_address(a, from, a->agent->email);
	days = g_strdup_printf("%u", a->config->token_days);
	md_template_put(vars, "reason", reason);
	md_template_put(vars, "reply_to", reply_to);
	md_template_put(vars, "token_days", days);
	body = md_template_render(a->config, "agent-note", q->language, vars,
	    &e);
	if (body == NULL)
		body = g_strdup_printf("Your mail to ticket %" G_GUINT64_FORMAT
		    " was kept as an internal note: %s.\nTo answer the "
		    "customer, reply to this mail (%s).\n", a->ticket->number,
		    reason, reply_to);
	subject = g_strdup_printf("[%s%" G_GUINT64_FORMAT "] kept as an "
	    "internal note: %s", a->config->tag, a->ticket->number,
	    a->ticket->subject);
	return mail_agent(a, "report", from, subject, reply_to, body, error);
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
md_agentmail_require_strong(MdAgentMail *a, const char *action)
{
	if (a->trust >= MD_AGENT_TRUST_STRONG)
		return TRUE;
	if (a->refused == NULL)
		a->refused = g_string_new(NULL);
	else
		g_string_append(a->refused, ", ");
	g_string_append(a->refused, action);
	return FALSE;
}

/*
 * The commands that hand the ticket to someone: an owner must be an
 * agent, and both need more proof than a signed address.
 */
static gboolean
check_commands(MdAgentMail *a, const Commands *cmd, char **wrong,
    GError **error)
{
	if (cmd->owner != NULL) {
		g_autoptr(MdAgent) owner = NULL;
		g_autoptr(GError) e = NULL;

		owner = md_agent_find(a->txn, a->config, cmd->owner, &e);
		if (e != NULL) {
			g_propagate_error(error, g_steal_pointer(&e));
			return FALSE;
		}
		if (owner == NULL) {
			*wrong = g_strdup_printf("%s: %s is no agent of ours",
			    cmd->assign_line, cmd->owner);
			return TRUE;
		}
		md_agentmail_require_strong(a, cmd->assign_line);
	}
	if (cmd->customer != NULL)
		md_agentmail_require_strong(a, cmd->customer_line);
	for (guint i = 0; cmd->cc_add != NULL && i < cmd->cc_add->len; i++) {
		const char *line = g_ptr_array_index(cmd->cc_add, i);
		const char *addr = cc_address(line);
		g_autoptr(MdAgent) agent = NULL;
		g_autoptr(GError) e = NULL;

		agent = md_agent_find(a->txn, a->config, addr, &e);
		if (e != NULL) {
			g_propagate_error(error, g_steal_pointer(&e));
			return FALSE;
		}
		if (agent != NULL || md_config_is_ours(a->config, addr)) {
			*wrong = g_strdup_printf("%s: %s is %s", line, addr,
			    agent ? "an agent (agents get a copy anyway)" :
			    "one of our own addresses");
			return TRUE;
		}
		if (a->ticket->participants->len + i >= MD_PARTICIPANTS_MAX) {
			*wrong = g_strdup_printf("%s: the ticket has as many "
			    "participants as it may have (%d)", line,
			    MD_PARTICIPANTS_MAX);
			return TRUE;
		}
		/* A new address to send to: a leaked token must not do it. */
		md_agentmail_require_strong(a, line);
	}
	for (guint i = 0; cmd->cc_remove != NULL && i < cmd->cc_remove->len;
	    i++) {
		const char *addr = g_ptr_array_index(cmd->cc_remove, i);
		g_autoptr(MdCustomer) p = NULL;
		g_autoptr(GError) e = NULL;

		p = md_customer_find_by_email(a->txn, addr, &e);
		if (p == NULL && !g_error_matches(e, MD_ERROR,
		    MD_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&e));
			return FALSE;
		}
		if (p == NULL || !md_participants_has(a->ticket, p->id)) {
			*wrong = g_strdup_printf("#cc remove %s: no "
			    "participant of this ticket", addr);
			return TRUE;
		}
	}
	if (cmd->merge_into != 0) {
		g_autoptr(MdTicket) into = NULL;
		g_autoptr(GError) e = NULL;

		into = md_ticket_load(a->txn, cmd->merge_into, &e);
		if (into == NULL && !g_error_matches(e, MD_ERROR,
		    MD_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&e));
			return FALSE;
		}
		if (into == NULL || !md_merge_check(a->ticket, into, FALSE,
		    &e)) {
			*wrong = g_strdup_printf("%s: %s", cmd->merge_line,
			    into ? e->message : "there is no such ticket");
			return TRUE;
		}
	}
	return TRUE;
}

/* The people #cc names, on or off the list (write txn). */
static gboolean
apply_cc(MdAgentMail *a, const Commands *cmd, GError **error)
{
	for (guint i = 0; cmd->cc_add != NULL && i < cmd->cc_add->len; i++) {
		MdMailbox mb = { NULL, (char *)cc_address(g_ptr_array_index(
		    cmd->cc_add, i)) };
		const char *why;

		if (!md_participants_add(a->txn, a->config, a->ticket, &mb,
		    a->now, &why, error))
			return FALSE;
		if (why != NULL)
			md_info("agentmail ticket=%" G_GUINT64_FORMAT
			    " cc=not-added", a->ticket->number);
	}
	for (guint i = 0; cmd->cc_remove != NULL && i < cmd->cc_remove->len;
	    i++)
		if (!md_participants_remove(a->txn, a->ticket,
		    g_ptr_array_index(cmd->cc_remove, i), error))
			return FALSE;
	return TRUE;
}

/*
 * Text module @name with the ticket's placeholders, in place of the
 * command line: above what the agent wrote in *@text.  FALSE, with
 * *@wrong for the agent, when the site has no such module.
 */
static gboolean
insert_module(MdAgentMail *a, const char *name, const MdCustomer *c,
    char **text, char **wrong)
{
	const MdQueue *q = md_config_queue(a->config, a->ticket->queue);
	g_autoptr(GHashTable) vars = variables(a, c, "");
	g_autoptr(GError) e = NULL;
	g_autofree char *module = md_textmodule_render(a->config, name,
	    q->language, vars, &e);
	g_autofree char *own = *text;
	gboolean empty = own[0] == '\n' || own[0] == '\0';

	if (module == NULL) {
		*wrong = g_strdup_printf("#template %s: %s", name, e->message);
		*text = g_steal_pointer(&own);
		return FALSE;
	}
	g_strchomp(module);
	*text = empty ? g_strconcat(module, "\n", NULL) :
	    g_strconcat(module, "\n\n", own, NULL);
	return TRUE;
}

/* The ticket this one is merged into at the end of the mail's work. */
static gboolean
apply_merge(MdAgentMail *a, guint64 number, GError **error)
{
	g_autoptr(MdTicket) into = md_ticket_load(a->txn, number, error);

	if (into == NULL || !md_ticket_save(a->txn, a->ticket, error))
		return FALSE;
	return md_merge(a->txn, a->ticket, into, FALSE, a->now, error);
}

/* A relay to someone who is not yet the ticket's: that needs proof too. */
static gboolean
check_relay(MdAgentMail *a, const MdCustomer *c, guint64 was,
    GError **error)
{
	g_autofree char *what = NULL;
	gboolean linked = FALSE;

	if (c->id == was)
		return TRUE;
	if (!md_customer_has_ticket(a->txn, c->id, a->ticket->number, &linked,
	    error))
		return FALSE;
	if (!linked) {
		what = g_strdup_printf("an answer to %s", c->email);
		md_agentmail_require_strong(a, what);
	}
	return TRUE;
}

/* Kept as an internal note, and the agent told why. */
static gboolean
keep(MdAgentMail *a, guint32 flag, const char *reason, GError **error)
{
	a->message->flags |= flag;
	md_info("agentmail ticket=%" G_GUINT64_FORMAT " result=note%s",
	    a->ticket->number, flag == MD_MSG_UNVERIFIED ? "-unverified" :
	    flag == MD_MSG_REFUSED ? "-refused" : "");
	return store(a, MD_KIND_NOTE, MD_DIR_IN, a->message->text, error) &&
	    report_kept(a, reason, error);
}

/* Nothing applied: @wrong (nullable) or what needed more proof. */
static gboolean
refuse(MdAgentMail *a, const char *wrong, GError **error)
{
	GString *why = g_string_new("nothing was sent to the customer and "
	    "nothing was changed, because ");

	if (wrong != NULL)
		g_string_append(why, wrong);
	if (wrong != NULL && a->refused != NULL)
		g_string_append(why, "; and ");
	if (a->refused != NULL)
		g_string_append_printf(why, "a signed reply address alone is "
		    "not enough for: %s (it needs our mail server to confirm "
		    "with DKIM or DMARC that the mail came from your domain, "
		    "or the maildesk command line)", a->refused->str);
	{
		g_autofree char *text = g_string_free(why, FALSE);

		return keep(a, wrong ? 0 : MD_MSG_REFUSED, text, error);
	}
}

/*
 * What the mail leaves the ticket in, once stored and relayed: the status
 * the commands set, its service levels, a pending date, and last a merge
 * (which makes the ticket a stub).
 */
static gboolean
settle(MdAgentMail *a, const Commands *cmd, gboolean relayed, gint64 pending,
    GError **error)
{
	if (cmd->has_status)
		md_ticket_set_status(a->ticket, cmd->status, a->now);
	if (pending != 0)
		md_ticket_set_status(a->ticket, MD_STATUS_PENDING, a->now);
	/* Imported mail starts no service levels (see deliver.c). */
	if (!a->no_mail && !md_sla_note(a->txn, a->config, a->ticket,
	    relayed ? MD_SLA_EVENT_ANSWER : MD_SLA_EVENT_NONE, a->now, error))
		return FALSE;
	if (pending != 0 && !a->no_mail && !md_sla_set_pending(a->txn,
	    a->config, a->ticket, pending, cmd->pending_close, a->now, error))
		return FALSE;
	return cmd->merge_into == 0 || apply_merge(a, cmd->merge_into, error);
}

gboolean
md_agentmail_handle(MdAgentMail *a, GError **error)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *rest = NULL, *text = NULL, *wrong = NULL;
	g_autofree char *why = NULL;
	g_autoptr(MdCustomer) c = NULL;
	guint64 was = a->ticket->customer_id;
	Commands cmd = { 0 };
	gboolean ok = FALSE, relayed;
	gint64 pending = 0;

	if (a->message->flags & MD_MSG_MACHINE) {
		/*
		 * An agent's out-of-office, a bounce from their mailbox:
		 * relayed never (a loop through the customer's own
		 * vacation program), and nothing answers it.
		 */
		md_info("agentmail ticket=%" G_GUINT64_FORMAT
		    " result=note-machine", a->ticket->number);
		return store(a, MD_KIND_NOTE, MD_DIR_IN, a->message->text,
		    error);
	}
	if (a->trust == MD_AGENT_TRUST_NONE) {
		/* Kept for the record; obeyed and relayed never. */
		why = g_strdup_printf("nothing was sent to the customer and "
		    "no command was obeyed, because %s", a->why ? a->why :
		    "it was not verified");
		return keep(a, MD_MSG_UNVERIFIED, why, error);
	}
	rest = md_agentmail_split_commands(a->message->text, lines);
	text = md_agentmail_cut_quote(rest);
	parse_commands(a->config, a->agent, lines, &cmd);
	if (cmd.unknown == NULL && cmd.pending_arg != NULL &&
	    (pending = pending_date(a, cmd.pending_arg)) == 0)
		cmd.unknown = g_strdup(cmd.pending_line);

	if (cmd.unknown != NULL) {
		ok = store(a, MD_KIND_NOTE, MD_DIR_IN, a->message->text,
		    error) && report_error(a, cmd.unknown, error);
		goto out;
	}
	if (!check_commands(a, &cmd, &wrong, error))
		goto out;
	if (wrong != NULL || a->refused != NULL) {
		ok = refuse(a, wrong, error);
		goto out;
	}
	if (cmd.customer != NULL) {
		MdMailbox mb = { NULL, cmd.customer };
		gboolean created;

		c = md_customer_find_or_create(a->txn, &mb, a->now, &created,
		    error);
		if (c == NULL)
			goto out;
	} else if (a->ticket->customer_id != 0) {
		c = md_customer_load(a->txn, a->ticket->customer_id, error);
		if (c == NULL)
			goto out;
	}
	if (cmd.template_name != NULL &&
	    !insert_module(a, cmd.template_name, c, &text, &wrong)) {
		ok = refuse(a, wrong, error);
		goto out;
	}
	relayed = !(cmd.note || text[0] == '\n' || text[0] == '\0' ||
	    c == NULL);
	if (relayed && !check_relay(a, c, was, error))
		goto out;
	if (a->refused != NULL) {
		ok = refuse(a, NULL, error);
		goto out;
	}
	/* Imported answers went out long ago: no loop to break. */
	if (relayed && !a->no_mail) {
		gboolean allowed;

		if (!md_loop_relay_allowed(a->txn, a->config,
		    a->ticket->number, a->now, &allowed, error))
			goto out;
		if (!allowed) {
			/* A loop breaker: whatever answers whom, it stops. */
			g_autofree char *event = g_strdup_printf("an answer "
			    "was kept as a note: more than %u answers relayed "
			    "in this hour", a->config->relays_per_hour);

			md_ticket_add_event(a->ticket, a->now, event);
			ok = keep(a, 0, "nothing was sent to the customer "
			    "and nothing was changed, because the ticket had "
			    "as many answers relayed in this hour as [agents] "
			    "relays-per-hour allows (a guard against mail "
			    "loops)", error);
			goto out;
		}
	}
	if (cmd.customer != NULL) {
		a->ticket->customer_id = c->id;
		if (!md_customer_link_ticket(a->txn, c->id, a->ticket->number,
		    error))
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
	if (!apply_cc(a, &cmd, error))
		goto out;

	if (!relayed) {
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
	ok = settle(a, &cmd, relayed, pending, error);
out:
	commands_clear(&cmd);
	if (a->refused != NULL)
		g_string_free(g_steal_pointer(&a->refused), TRUE);
	return ok;
}
