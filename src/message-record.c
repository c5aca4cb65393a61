/* SPDX-License-Identifier: MIT */
/*
 * The stored form of a parsed message (the "messages" database): every
 * field of MdMessage in a versioned record (record.h), so a message is
 * read back without parsing its raw bytes again.  A reader skips keys it
 * does not know; the raw bytes stay the truth, from which all of this can
 * be derived again.
 */
#include "maildesk/message-record.h"
#include "maildesk/record.h"

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

GBytes *
md_message_record_write(const MdMessage *m)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
	GVariantBuilder atts;
	g_auto(GStrv) flags = md_message_flag_names(m->flags);

	g_variant_dict_insert(&d, "direction", "s",
	    m->direction == MD_DIR_OUT ? "out" : "in");
	g_variant_dict_insert(&d, "kind", "s", md_message_kind_name(m->kind));
	g_variant_dict_insert(&d, "flags", "^as", flags);
	md_record_put_str(&d, "message-id", m->message_id);
	md_record_put_str(&d, "in-reply-to", m->in_reply_to);
	g_variant_dict_insert_value(&d, "references",
	    md_record_strings(m->references));
	put_mailbox(&d, "from", m->from);
	put_mailbox(&d, "reply-to", m->reply_to);
	put_mailbox(&d, "sender", m->sender);
	g_variant_dict_insert_value(&d, "to", mailboxes_variant(m->to));
	g_variant_dict_insert_value(&d, "cc", mailboxes_variant(m->cc));
	md_record_put_str(&d, "subject", m->subject);
	if (m->has_date) {
		g_variant_dict_insert(&d, "date", "x", m->date);
		g_variant_dict_insert(&d, "date-offset", "i", m->date_offset_s);
	}
	g_variant_dict_insert(&d, "received", "x", m->received_at);
	md_record_put_str(&d, "text", m->text);
	md_record_put_str(&d, "html", m->html);
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
	    md_record_strings(m->headers));
	g_variant_dict_insert_value(&d, "original-ids",
	    md_record_strings(m->original_ids));
	md_record_put_str(&d, "mime-type", m->mime_type);
	md_record_put_str(&d, "envelope-sender", m->envelope_sender);
	md_record_put_str(&d, "recipient", m->recipient);
	if (m->also_to->len > 0)
		g_variant_dict_insert_value(&d, "also-to",
		    md_record_strings(m->also_to));
	md_record_put_str(&d, "queue", m->queue);
	g_variant_dict_insert(&d, "raw-size", "t", m->raw_size);
	md_record_put_str(&d, "raw-sha256", m->raw_sha256);
	md_record_put_str(&d, "charset-detected", m->charset_detected);
	md_record_put_str(&d, "return-path", m->return_path);
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

MdMessage *
md_message_record_read(const void *data, gsize len, GError **error)
{
	g_autoptr(GVariantDict) d = md_record_open(data, len, "message", error);
	g_autoptr(MdMessage) m = NULL;
	g_autofree char *dir = NULL, *kind = NULL;
	g_autofree const char **flags = NULL;
	g_autoptr(GVariantIter) atts = NULL;

	if (d == NULL)
		return NULL;
	m = md_message_new();
	dir = md_record_get_str(d, "direction");
	m->direction = g_strcmp0(dir, "out") == 0 ? MD_DIR_OUT : MD_DIR_IN;
	kind = md_record_get_str(d, "kind");
	if (kind == NULL || !md_message_kind_from_name(kind, &m->kind))
		m->kind = MD_KIND_CUSTOMER;
	if (g_variant_dict_lookup(d, "flags", "^a&s", &flags))
		m->flags = md_message_flags_from_names(flags);
	m->message_id = md_record_get_str(d, "message-id");
	m->in_reply_to = md_record_get_str(d, "in-reply-to");
	md_record_get_strings(d, "references", m->references);
	m->from = get_mailbox(d, "from");
	m->reply_to = get_mailbox(d, "reply-to");
	m->sender = get_mailbox(d, "sender");
	get_mailboxes(d, "to", m->to);
	get_mailboxes(d, "cc", m->cc);
	m->subject = md_record_get_str(d, "subject");
	m->has_date = g_variant_dict_lookup(d, "date", "x", &m->date);
	g_variant_dict_lookup(d, "date-offset", "i", &m->date_offset_s);
	m->received_at = md_record_get_i64(d, "received");
	m->text = md_record_get_str(d, "text");
	m->html = md_record_get_str(d, "html");
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
	md_record_get_strings(d, "headers", m->headers);
	md_record_get_strings(d, "original-ids", m->original_ids);
	m->mime_type = md_record_get_str(d, "mime-type");
	m->envelope_sender = md_record_get_str(d, "envelope-sender");
	m->recipient = md_record_get_str(d, "recipient");
	md_record_get_strings(d, "also-to", m->also_to);
	m->queue = md_record_get_str(d, "queue");
	m->raw_size = md_record_get_u64(d, "raw-size");
	m->raw_sha256 = md_record_get_str(d, "raw-sha256");
	m->charset_detected = md_record_get_str(d, "charset-detected");
	m->return_path = md_record_get_str(d, "return-path");
	return g_steal_pointer(&m);
}
