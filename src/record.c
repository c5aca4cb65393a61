/* SPDX-License-Identifier: MIT */
/*
 * Record (de)serialisation.  Readers accept any record whose version they
 * know and ignore unknown dictionary keys; a record that is not a valid
 * "(ya{sv})" is reported as corruption, never guessed at.
 */
#include <string.h>

#include "maildesk/error.h"
#include "maildesk/record.h"

#define RECORD_TYPE G_VARIANT_TYPE("(ya{sv})")

static void get_strings(GVariantDict *d, const char *key, GPtrArray *out);

GBytes *
md_record_close(GVariantDict *dict)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new("(y@a{sv})",
	    MD_RECORD_VERSION, g_variant_dict_end(dict)));

	return g_variant_get_data_as_bytes(v);
}

GVariantDict *
md_record_open(const void *data, gsize len, const char *what, GError **error)
{
	g_autoptr(GBytes) bytes = g_bytes_new(data, len);
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new_from_bytes(
	    RECORD_TYPE, bytes, FALSE));
	g_autoptr(GVariant) dict = NULL;
	guint8 version;

	if (!g_variant_is_normal_form(v)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "%s record is malformed", what);
		return NULL;
	}
	g_variant_get(v, "(y@a{sv})", &version, &dict);
	if (version == 0 || version > MD_RECORD_VERSION) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "%s record has unknown version %u", what, version);
		return NULL;
	}
	return g_variant_dict_new(dict);
}

static void
put_str(GVariantDict *d, const char *key, const char *value)
{
	if (value != NULL)
		g_variant_dict_insert(d, key, "s", value);
}

static char *
get_str(GVariantDict *d, const char *key)
{
	char *s = NULL;

	if (!g_variant_dict_lookup(d, key, "s", &s))
		return NULL;
	return s;
}

static guint64
get_u64(GVariantDict *d, const char *key)
{
	guint64 v = 0;

	g_variant_dict_lookup(d, key, "t", &v);
	return v;
}

static gint64
get_i64(GVariantDict *d, const char *key)
{
	gint64 v = 0;

	g_variant_dict_lookup(d, key, "x", &v);
	return v;
}

static guint32
get_u32(GVariantDict *d, const char *key)
{
	guint32 v = 0;

	g_variant_dict_lookup(d, key, "u", &v);
	return v;
}

GBytes *
md_record_from_ticket(const MdTicket *t)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);

	g_variant_dict_insert(&d, "number", "t", t->number);
	put_str(&d, "queue", t->queue);
	put_str(&d, "status", md_ticket_status_name(t->status));
	put_str(&d, "subject", t->subject);
	g_variant_dict_insert(&d, "customer", "t", t->customer_id);
	g_variant_dict_insert(&d, "created", "x", t->created_at);
	g_variant_dict_insert(&d, "updated", "x", t->updated_at);
	g_variant_dict_insert(&d, "closed", "x", t->closed_at);
	g_variant_dict_insert(&d, "messages", "u", t->message_count);
	g_variant_dict_insert(&d, "linked", "t", t->linked_to);
	g_variant_dict_insert(&d, "cited", "t", t->cited);
	put_str(&d, "owner", t->owner);
	if (t->hold_until != 0) {
		g_variant_dict_insert(&d, "hold-until", "x", t->hold_until);
		put_str(&d, "hold-reason", t->hold_reason);
	}
	if (t->events->len > 0) {
		GVariantBuilder ev;

		g_variant_builder_init(&ev, G_VARIANT_TYPE("a(xs)"));
		for (guint i = 0; i < t->events->len; i++) {
			const MdEvent *e = g_ptr_array_index(t->events, i);

			g_variant_builder_add(&ev, "(xs)", e->time, e->text);
		}
		g_variant_dict_insert_value(&d, "events",
		    g_variant_builder_end(&ev));
	}
	if (t->participants->len > 0)
		g_variant_dict_insert_value(&d, "participants",
		    g_variant_new_fixed_array(G_VARIANT_TYPE_UINT64,
		    t->participants->data, t->participants->len,
		    sizeof(guint64)));
	if (t->merged_into != 0)
		g_variant_dict_insert(&d, "merged-into", "t", t->merged_into);
	return md_record_close(&d);
}

MdTicket *
md_record_to_ticket(const void *data, gsize len, GError **error)
{
	g_autoptr(GVariantDict) d = md_record_open(data, len, "ticket", error);
	g_autoptr(MdTicket) t = NULL;
	g_autofree char *status = NULL;

	if (d == NULL)
		return NULL;
	t = md_ticket_new();
	t->number = get_u64(d, "number");
	t->queue = get_str(d, "queue");
	status = get_str(d, "status");
	if (status == NULL || !md_ticket_status_from_name(status, &t->status)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "ticket record has a bad status");
		return NULL;
	}
	t->subject = get_str(d, "subject");
	if (t->subject == NULL)
		t->subject = g_strdup("");
	if (t->queue == NULL)
		t->queue = g_strdup("");
	t->customer_id = get_u64(d, "customer");
	t->created_at = get_i64(d, "created");
	t->updated_at = get_i64(d, "updated");
	t->closed_at = get_i64(d, "closed");
	t->message_count = get_u32(d, "messages");
	t->linked_to = get_u64(d, "linked");
	t->cited = get_u64(d, "cited");
	t->owner = get_str(d, "owner");
	t->hold_until = get_i64(d, "hold-until");
	t->hold_reason = get_str(d, "hold-reason");
	{
		g_autoptr(GVariantIter) it = NULL;
		gint64 time;
		const char *text;

		if (g_variant_dict_lookup(d, "events", "a(xs)", &it))
			while (g_variant_iter_next(it, "(x&s)", &time, &text))
				md_ticket_add_event(t, time, text);
	}
	{
		g_autoptr(GVariant) p = g_variant_dict_lookup_value(d,
		    "participants", G_VARIANT_TYPE("at"));
		gsize n = 0;
		const guint64 *ids = p ? g_variant_get_fixed_array(p, &n,
		    sizeof(guint64)) : NULL;

		if (n > 0)
			g_array_append_vals(t->participants, ids, (guint)n);
	}
	t->merged_into = get_u64(d, "merged-into");
	return g_steal_pointer(&t);
}

GBytes *
md_record_from_customer(const MdCustomer *c)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
	GVariantBuilder fields;
	GHashTableIter it;
	gpointer k, v;

	g_variant_dict_insert(&d, "id", "t", c->id);
	put_str(&d, "email", c->email);
	put_str(&d, "first", c->first_name);
	put_str(&d, "last", c->last_name);
	g_variant_dict_insert(&d, "created", "x", c->created_at);
	g_variant_dict_insert(&d, "flags", "u", c->flags);
	if (c->hold_until != 0) {
		g_variant_dict_insert(&d, "hold-until", "x", c->hold_until);
		put_str(&d, "hold-reason", c->hold_reason);
	}
	if (c->former->len > 0)
		g_variant_dict_insert_value(&d, "former", g_variant_new_strv(
		    (const char *const *)c->former->pdata, c->former->len));
	g_variant_builder_init(&fields, G_VARIANT_TYPE("a{ss}"));
	g_hash_table_iter_init(&it, c->fields);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_variant_builder_add(&fields, "{ss}", k, v);
	g_variant_dict_insert_value(&d, "fields",
	    g_variant_builder_end(&fields));
	return md_record_close(&d);
}

MdCustomer *
md_record_to_customer(const void *data, gsize len, GError **error)
{
	g_autoptr(GVariantDict) d = md_record_open(data, len, "customer", error);
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GVariant) fields = NULL;

	if (d == NULL)
		return NULL;
	c = md_customer_new();
	c->id = get_u64(d, "id");
	c->email = get_str(d, "email");
	c->first_name = get_str(d, "first");
	c->last_name = get_str(d, "last");
	c->created_at = get_i64(d, "created");
	c->flags = get_u32(d, "flags");
	c->hold_until = get_i64(d, "hold-until");
	c->hold_reason = get_str(d, "hold-reason");
	get_strings(d, "former", c->former);
	fields = g_variant_dict_lookup_value(d, "fields",
	    G_VARIANT_TYPE("a{ss}"));
	if (fields != NULL) {
		GVariantIter it;
		const char *k, *v;

		g_variant_iter_init(&it, fields);
		while (g_variant_iter_next(&it, "{&s&s}", &k, &v))
			g_hash_table_insert(c->fields, g_strdup(k),
			    g_strdup(v));
	}
	if (c->email == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "customer record has no address");
		return NULL;
	}
	return g_steal_pointer(&c);
}

static GVariant *
mailbox_variant(const MdMailbox *mb)
{
	return g_variant_new("(ss)", mb && mb->name ? mb->name : "",
	    mb && mb->email ? mb->email : "");
}

static void
put_mailbox(GVariantDict *d, const char *key, const MdMailbox *mb)
{
	if (mb != NULL)
		g_variant_dict_insert_value(d, key, mailbox_variant(mb));
}

static GVariant *
mailboxes_variant(GPtrArray *list)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a(ss)"));
	for (guint i = 0; i < list->len; i++)
		g_variant_builder_add_value(&b, mailbox_variant(
		    g_ptr_array_index(list, i)));
	return g_variant_builder_end(&b);
}

static GVariant *
strings_variant(GPtrArray *list)
{
	return g_variant_new_strv((const char *const *)list->pdata, list->len);
}

GBytes *
md_record_from_message(const MdMessage *m)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
	GVariantBuilder atts;
	g_auto(GStrv) flags = md_message_flag_names(m->flags);

	g_variant_dict_insert(&d, "direction", "s",
	    m->direction == MD_DIR_OUT ? "out" : "in");
	g_variant_dict_insert(&d, "kind", "s", md_message_kind_name(m->kind));
	g_variant_dict_insert(&d, "flags", "^as", flags);
	put_str(&d, "message-id", m->message_id);
	put_str(&d, "in-reply-to", m->in_reply_to);
	g_variant_dict_insert_value(&d, "references",
	    strings_variant(m->references));
	put_mailbox(&d, "from", m->from);
	put_mailbox(&d, "reply-to", m->reply_to);
	put_mailbox(&d, "sender", m->sender);
	g_variant_dict_insert_value(&d, "to", mailboxes_variant(m->to));
	g_variant_dict_insert_value(&d, "cc", mailboxes_variant(m->cc));
	put_str(&d, "subject", m->subject);
	if (m->has_date) {
		g_variant_dict_insert(&d, "date", "x", m->date);
		g_variant_dict_insert(&d, "date-offset", "i", m->date_offset_s);
	}
	g_variant_dict_insert(&d, "received", "x", m->received_at);
	put_str(&d, "text", m->text);
	put_str(&d, "html", m->html);
	g_variant_builder_init(&atts, G_VARIANT_TYPE("a(ssssts)"));
	for (guint i = 0; i < m->attachments->len; i++) {
		const MdAttachment *a = g_ptr_array_index(m->attachments, i);

		g_variant_builder_add(&atts, "(ssssts)",
		    a->filename ? a->filename : "", a->content_type,
		    a->disposition ? a->disposition : "",
		    a->content_id ? a->content_id : "", a->size,
		    a->sha256 ? a->sha256 : "");
	}
	g_variant_dict_insert_value(&d, "attachments",
	    g_variant_builder_end(&atts));
	g_variant_dict_insert_value(&d, "headers",
	    strings_variant(m->headers));
	g_variant_dict_insert_value(&d, "original-ids",
	    strings_variant(m->original_ids));
	put_str(&d, "mime-type", m->mime_type);
	put_str(&d, "envelope-sender", m->envelope_sender);
	put_str(&d, "recipient", m->recipient);
	if (m->also_to->len > 0)
		g_variant_dict_insert_value(&d, "also-to",
		    strings_variant(m->also_to));
	put_str(&d, "queue", m->queue);
	g_variant_dict_insert(&d, "raw-size", "t", m->raw_size);
	put_str(&d, "raw-sha256", m->raw_sha256);
	put_str(&d, "charset-detected", m->charset_detected);
	put_str(&d, "return-path", m->return_path);
	return md_record_close(&d);
}

static MdMailbox *
get_mailbox(GVariantDict *d, const char *key)
{
	const char *name, *email;

	if (!g_variant_dict_lookup(d, key, "(&s&s)", &name, &email))
		return NULL;
	return md_mailbox_new(name, email);
}

static void
get_mailboxes(GVariantDict *d, const char *key, GPtrArray *out)
{
	g_autoptr(GVariantIter) it = NULL;
	const char *name, *email;

	if (!g_variant_dict_lookup(d, key, "a(ss)", &it))
		return;
	while (g_variant_iter_next(it, "(&s&s)", &name, &email))
		g_ptr_array_add(out, md_mailbox_new(name, email));
}

static void
get_strings(GVariantDict *d, const char *key, GPtrArray *out)
{
	g_autofree const char **v = NULL;

	if (!g_variant_dict_lookup(d, key, "^a&s", &v))
		return;
	for (const char **s = v; *s != NULL; s++)
		g_ptr_array_add(out, g_strdup(*s));
}

MdMessage *
md_record_to_message(const void *data, gsize len, GError **error)
{
	g_autoptr(GVariantDict) d = md_record_open(data, len, "message", error);
	g_autoptr(MdMessage) m = NULL;
	g_autofree char *dir = NULL, *kind = NULL;
	g_autofree const char **flags = NULL;
	g_autoptr(GVariantIter) atts = NULL;

	if (d == NULL)
		return NULL;
	m = md_message_new();
	dir = get_str(d, "direction");
	m->direction = g_strcmp0(dir, "out") == 0 ? MD_DIR_OUT : MD_DIR_IN;
	kind = get_str(d, "kind");
	if (kind == NULL || !md_message_kind_from_name(kind, &m->kind))
		m->kind = MD_KIND_CUSTOMER;
	if (g_variant_dict_lookup(d, "flags", "^a&s", &flags))
		m->flags = md_message_flags_from_names(flags);
	m->message_id = get_str(d, "message-id");
	m->in_reply_to = get_str(d, "in-reply-to");
	get_strings(d, "references", m->references);
	m->from = get_mailbox(d, "from");
	m->reply_to = get_mailbox(d, "reply-to");
	m->sender = get_mailbox(d, "sender");
	get_mailboxes(d, "to", m->to);
	get_mailboxes(d, "cc", m->cc);
	m->subject = get_str(d, "subject");
	m->has_date = g_variant_dict_lookup(d, "date", "x", &m->date);
	g_variant_dict_lookup(d, "date-offset", "i", &m->date_offset_s);
	m->received_at = get_i64(d, "received");
	m->text = get_str(d, "text");
	m->html = get_str(d, "html");
	if (g_variant_dict_lookup(d, "attachments", "a(ssssts)", &atts)) {
		const char *fn, *ct, *disp, *cid, *sum;
		guint64 size;

		while (g_variant_iter_next(atts, "(&s&s&s&st&s)", &fn, &ct,
		    &disp, &cid, &size, &sum)) {
			MdAttachment *a = g_new0(MdAttachment, 1);

			a->filename = fn[0] ? g_strdup(fn) : NULL;
			a->content_type = g_strdup(ct);
			a->disposition = g_strdup(disp);
			a->content_id = cid[0] ? g_strdup(cid) : NULL;
			a->size = size;
			a->sha256 = g_strdup(sum);
			g_ptr_array_add(m->attachments, a);
		}
	}
	get_strings(d, "headers", m->headers);
	get_strings(d, "original-ids", m->original_ids);
	m->mime_type = get_str(d, "mime-type");
	m->envelope_sender = get_str(d, "envelope-sender");
	m->recipient = get_str(d, "recipient");
	get_strings(d, "also-to", m->also_to);
	m->queue = get_str(d, "queue");
	m->raw_size = get_u64(d, "raw-size");
	m->raw_sha256 = get_str(d, "raw-sha256");
	m->charset_detected = get_str(d, "charset-detected");
	m->return_path = get_str(d, "return-path");
	return g_steal_pointer(&m);
}
