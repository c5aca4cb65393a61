/* SPDX-License-Identifier: MIT */
/*
 * The export.  Every ticket the person is linked to, every message of
 * those tickets, the outbox entries addressed to them and the audit
 * entries about them.  The mbox is mboxrd, so its ">From " quoting can be
 * undone.  What the export must never hand out is an agent's power:
 * an agent's answer is exported as the mail the customer received, not
 * the agent's own mail (its signed reply address, its quoted notes);
 * internal notes are data about the person too (Art. 15(1)) but also
 * about the agents who wrote them (Art. 15(4)), so they are in
 * export.json as text, marked internal, and never as mail; and our
 * agents' signed addresses in the header of anything else are replaced
 * by the plain address.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "maildesk/error.h"
#include "maildesk/export.h"
#include "maildesk/mbox.h"
#include "maildesk/sla-view.h"
#include "maildesk/token.h"
#include "maildesk/json-out.h"
#include "maildesk/outbox.h"
#include "maildesk/participants.h"
#include "maildesk/privacy.h"
#include "maildesk/ticket.h"

static gboolean
write_file(const char *path, const void *data, gsize len, GError **error)
{
	g_autoptr(GError) e = NULL;

	if (!g_file_set_contents(path, data, (gssize)len, &e)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CANTCREAT, "%s",
		    e->message);
		return FALSE;
	}
	return TRUE;
}

/*
 * The directory an export goes to must be new, or an empty directory (a
 * symbolic link to one will do): never mix two people's files, never
 * write through a link that points nowhere.
 */
static gboolean
check_target(const char *dir, GError **error)
{
	struct stat st;
	g_autoptr(GDir) d = NULL;

	if (lstat(dir, &st) != 0) {
		if (errno == ENOENT)
			return TRUE;
		g_set_error(error, MD_ERROR, MD_ERROR_CANTCREAT, "%s: %s", dir,
		    g_strerror(errno));
		return FALSE;
	}
	if (S_ISLNK(st.st_mode) && stat(dir, &st) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_CANTCREAT, "%s: a "
		    "symbolic link to nothing (%s); give a new or empty "
		    "directory", dir, g_strerror(errno));
		return FALSE;
	}
	if (!S_ISDIR(st.st_mode)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CANTCREAT, "%s: exists "
		    "and is not a directory; give a new or empty directory",
		    dir);
		return FALSE;
	}
	d = g_dir_open(dir, 0, NULL);
	if (d == NULL || g_dir_read_name(d) != NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_CANTCREAT, "%s: not "
		    "empty%s; give a new or empty directory", dir, d == NULL ?
		    " or not readable" : "");
		return FALSE;
	}
	return TRUE;
}

static gboolean
mailboxes_have(const MdCustomer *c, GPtrArray *list)
{
	for (guint i = 0; i < list->len; i++)
		if (md_customer_has_address(c, ((MdMailbox *)
		    g_ptr_array_index(list, i))->email))
			return TRUE;
	return FALSE;
}

/* @c sent @m or received it. */
static gboolean
involves(const MdCustomer *c, const MdMessage *m)
{
	return (m->from != NULL && md_customer_has_address(c,
	    m->from->email)) || mailboxes_have(c, m->to) ||
	    mailboxes_have(c, m->cc);
}

typedef struct {
	JsonBuilder *b;
	const char *subject;
} AuditExport;

/* The audit entries about the person: theirs to see too. */
static gboolean
audit_one(const MdAuditEntry *e, gpointer user_data)
{
	AuditExport *a = user_data;
	g_autofree char *t = NULL;

	if (g_strcmp0(e->subject, a->subject) != 0)
		return TRUE;
	t = md_json_time(e->time, 0);
	json_builder_begin_object(a->b);
	md_json_add_string(a->b, "time", t);
	md_json_add_string(a->b, "actor", e->actor);
	md_json_add_string(a->b, "action", e->action);
	json_builder_set_member_name(a->b, "tickets");
	json_builder_begin_array(a->b);
	for (guint i = 0; i < e->tickets->len; i++)
		json_builder_add_int_value(a->b,
		    (gint64)g_array_index(e->tickets, guint64, i));
	json_builder_end_array(a->b);
	json_builder_end_object(a->b);
	return TRUE;
}

typedef struct {
	const MdConfig *config;
	GBytes *secret;
} Redact;

static gboolean
address_char(char ch)
{
	return g_ascii_isalnum(ch) || strchr(".+-_=~", ch) != NULL;
}

/*
 * @text (@len bytes) with each signed reply address of ours that is not
 * a customer's replaced by its plain address: an agent's, a forged or a
 * broken one (transfer full, NUL-terminated).
 */
static GString *
redact(const Redact *r, const char *text, gsize len)
{
	GString *out = g_string_sized_new(len);
	gsize done = 0;

	for (gsize i = 0; i < len; i++) {
		g_autofree char *cand = NULL, *mac = NULL, *base = NULL;
		gsize start = i, end = i + 1;
		guint64 n;
		guint32 day;

		if (text[i] != '@')
			continue;
		while (start > done && address_char(text[start - 1]))
			start--;
		while (end < len && (g_ascii_isalnum(text[end]) ||
		    text[end] == '.' || text[end] == '-'))
			end++;
		if (start == i || end == i + 1)
			continue;
		cand = g_strndup(text + start, end - start);
		if (!md_token_parse_address(cand,
		    r->config->recipient_delimiter, &n, &day, &mac, &base) ||
		    !md_config_is_ours(r->config, base) ||
		    md_token_verify(r->secret, n, day, NULL, mac))
			continue;
		g_string_append_len(out, text + done, start - done);
		g_string_append(out, base);
		done = end;
		i = end - 1;
	}
	g_string_append_len(out, text + done, len - done);
	return out;
}

static void
redact_string(const Redact *r, char **s)
{
	GString *clean;

	if (*s == NULL)
		return;
	clean = redact(r, *s, strlen(*s));
	g_free(*s);
	*s = g_string_free(clean, FALSE);
}

static void
redact_strings(const Redact *r, GPtrArray *list)
{
	for (guint i = 0; i < list->len; i++)
		redact_string(r, (char **)&g_ptr_array_index(list, i));
}

static void
redact_mailboxes(const Redact *r, GPtrArray *list)
{
	for (guint i = 0; i < list->len; i++)
		redact_string(r, &((MdMailbox *)g_ptr_array_index(list,
		    i))->email);
}

/* The parsed fields of @m that may name an address. */
static void
redact_message(const Redact *r, MdMessage *m)
{
	redact_mailboxes(r, m->to);
	redact_mailboxes(r, m->cc);
	if (m->reply_to != NULL)
		redact_string(r, &m->reply_to->email);
	redact_strings(r, m->headers);
	redact_string(r, &m->recipient);
	redact_strings(r, m->also_to);
}

/* The raw mail with its header block (never its body) redacted. */
static GBytes *
redact_raw(const Redact *r, GBytes *raw)
{
	gsize len, head;
	const char *data = g_bytes_get_data(raw, &len);
	const char *end = g_strstr_len(data, (gssize)len, "\n\n");
	const char *crlf = g_strstr_len(data, (gssize)len, "\r\n\r\n");
	GString *out;

	if (crlf != NULL && (end == NULL || crlf < end))
		end = crlf;
	head = end ? (gsize)(end - data) : len;
	out = redact(r, data, head);
	g_string_append_len(out, data + head, len - head);
	return g_string_free_to_bytes(out);
}

/*
 * One message of a ticket: into export.json, and unless it is internal
 * into raw/ and the mbox.
 */
static gboolean
export_message(MdTxn *txn, const Redact *r, JsonBuilder *b, GString *mbox,
    const char *rawdir, guint64 n, guint32 s, MdMessage *m, GError **error)
{
	g_autoptr(GBytes) raw = NULL, sent = NULL;
	g_autoptr(MdMessage) as_sent = NULL;
	g_autofree char *name = NULL, *file = NULL;
	const MdMessage *shown = m;
	gsize len;
	const guint8 *data;

	if (m->kind == MD_KIND_NOTE) {
		md_json_add_message_text(b, m);
		return TRUE;
	}
	if (m->kind == MD_KIND_AGENT) {
		g_autoptr(GError) e = NULL;

		sent = md_ticket_load_sent(txn, n, s, &e);
		if (sent == NULL && e != NULL) {
			g_propagate_error(error, g_steal_pointer(&e));
			return FALSE;
		}
		if (sent == NULL) {
			/* Answered before the copy was kept: text only. */
			md_json_add_message_text(b, m);
			return TRUE;
		}
		data = g_bytes_get_data(sent, &len);
		as_sent = md_message_parse(data, len);
		as_sent->direction = m->direction;
		as_sent->kind = m->kind;
		as_sent->received_at = m->received_at;
		shown = as_sent;
		raw = g_bytes_ref(sent);
	} else {
		g_autoptr(GBytes) stored = md_ticket_load_raw(txn, n, s,
		    error);

		if (stored == NULL)
			return FALSE;
		raw = redact_raw(r, stored);
		redact_message(r, m);
	}
	data = g_bytes_get_data(raw, &len);
	name = g_strdup_printf("%" G_GUINT64_FORMAT "-%u.eml", n, s);
	file = g_build_filename(rawdir, name, NULL);
	if (!write_file(file, data, len, error))
		return FALSE;
	if (len > 0)
		md_mbox_append(mbox, data, len, shown->received_at);
	md_json_add_message(b, shown);
	return TRUE;
}

gboolean
md_export_customer(MdTxn *txn, const MdConfig *config, const MdCustomer *c,
    const char *dir, gint64 now, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GString) mbox = g_string_new(NULL);
	g_autoptr(GArray) tickets = md_customer_tickets(txn, c->id, error);
	g_autoptr(GPtrArray) outbox = NULL;
	g_autoptr(GBytes) secret = NULL;
	g_autofree char *rawdir = g_build_filename(dir, "raw", NULL);
	g_autofree char *json = NULL, *path = NULL, *subject = NULL;
	g_autofree char *when = md_json_time(now, 0);
	AuditExport audit = { b, NULL };
	g_autoptr(MdSlaView) view = md_sla_view_new(config);
	Redact red;

	if (tickets == NULL || !check_target(dir, error))
		return FALSE;
	secret = md_store_secret(txn, error);
	if (secret == NULL)
		return FALSE;
	red.config = config;
	red.secret = secret;
	if (g_mkdir_with_parents(rawdir, 0700) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_CANTCREAT, "%s: %s",
		    rawdir, g_strerror(errno));
		return FALSE;
	}
	json_builder_begin_object(b);
	md_json_add_string(b, "schema", "maildesk-export");
	md_json_add_int(b, "version", MD_EXPORT_VERSION);
	md_json_add_string(b, "exported", when);
	json_builder_set_member_name(b, "customer");
	md_json_add_customer(b, c, tickets);

	json_builder_set_member_name(b, "tickets");
	json_builder_begin_array(b);
	for (guint i = 0; i < tickets->len; i++) {
		guint64 n = g_array_index(tickets, guint64, i);
		g_autoptr(MdTicket) t = md_ticket_load(txn, n, error);
		g_autoptr(GPtrArray) people = NULL;

		if (t == NULL)
			return FALSE;
		people = md_participants_load(txn, t, error);
		if (people == NULL)
			return FALSE;
		json_builder_begin_object(b);
		md_json_add_ticket(b, t, t->customer_id == c->id ? c : NULL);
		/* What ticket show says of its service levels, too. */
		{
			g_autoptr(GError) e = NULL;
			g_autoptr(MdSla) sla = md_sla_load(txn, n, &e);

			if (e != NULL) {
				g_propagate_error(error, g_steal_pointer(&e));
				return FALSE;
			}
			md_sla_view_json(view, b, t, sla, TRUE);
		}
		md_json_add_participants(b, people);
		json_builder_set_member_name(b, "messages");
		json_builder_begin_array(b);
		for (guint32 s = 1; s <= t->message_count; s++) {
			g_autoptr(MdMessage) m = md_ticket_load_message(txn, n,
			    s, error);

			if (m == NULL)
				return FALSE;
			/* In somebody else's ticket, only what is theirs. */
			if (t->customer_id != c->id && !involves(c, m) &&
			    !(m->kind == MD_KIND_AGENT &&
			    md_participants_has(t, c->id)))
				continue;
			if (!export_message(txn, &red, b, mbox, rawdir, n, s, m,
			    error))
				return FALSE;
		}
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);

	json_builder_set_member_name(b, "outbox");
	json_builder_begin_array(b);
	outbox = md_outbox_list(txn, error);
	if (outbox == NULL)
		return FALSE;
	for (guint i = 0; i < outbox->len; i++) {
		MdOutboxEntry *o = g_ptr_array_index(outbox, i);
		gboolean theirs = o->customer_id == c->id;

		for (char **r = o->recipients; !theirs && *r; r++)
			theirs = md_customer_has_address(c, *r);
		if (!theirs)
			continue;
		json_builder_begin_object(b);
		md_json_add_int(b, "id", (gint64)o->id);
		md_json_add_string(b, "kind", o->kind);
		md_json_add_int(b, "ticket", (gint64)o->ticket);
		md_json_add_string(b, "state", md_outbox_state_name(o->state));
		md_json_add_string(b, "message_id", o->message_id);
		md_json_add_string(b, "last_error", o->last_error);
		json_builder_set_member_name(b, "message");
		{
			gsize len;
			const char *d = g_bytes_get_data(o->data, &len);
			g_autofree char *text = g_utf8_make_valid(d, len);

			json_builder_add_string_value(b, text);
		}
		json_builder_end_object(b);
	}
	json_builder_end_array(b);

	subject = md_privacy_subject_hash(secret, c->email);
	audit.subject = subject;
	json_builder_set_member_name(b, "audit");
	json_builder_begin_array(b);
	if (!md_privacy_audit_foreach(txn, audit_one, &audit, error))
		return FALSE;
	json_builder_end_array(b);
	json_builder_end_object(b);

	json = md_json_finish(b);
	path = g_build_filename(dir, "export.json", NULL);
	if (!write_file(path, json, strlen(json), error))
		return FALSE;
	g_free(path);
	path = g_build_filename(dir, "mail.mbox", NULL);
	return write_file(path, mbox->str, mbox->len, error);
}
