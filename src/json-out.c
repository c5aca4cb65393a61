/* SPDX-License-Identifier: MIT */
/*
 * JSON output.  Field names are an interface (maildesk(8)); a field that
 * is unknown is null rather than missing, so scripts can rely on shape.
 */
#include <stdio.h>

#include "maildesk/json-out.h"

char *
md_json_time(gint64 unix_s, gint32 offset_s)
{
	g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(unix_s);
	g_autoptr(GTimeZone) tz = NULL;
	g_autoptr(GDateTime) local = NULL;

	if (utc == NULL)
		return NULL;
	tz = g_time_zone_new_offset(offset_s);
	if (tz == NULL)
		tz = g_time_zone_new_utc();
	local = g_date_time_to_timezone(utc, tz);
	return g_date_time_format(local, "%Y-%m-%dT%H:%M:%S%:z");
}

static void
add_time(JsonBuilder *b, const char *name, gint64 unix_s, gint32 offset_s,
    gboolean present)
{
	g_autofree char *s = present ? md_json_time(unix_s, offset_s) : NULL;

	md_json_add_string(b, name, s);
}

static gint32
local_offset(gint64 unix_s)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(unix_s);

	return dt ? (gint32)(g_date_time_get_utc_offset(dt) /
	    G_TIME_SPAN_SECOND) : 0;
}

void
md_json_add_local_time(JsonBuilder *b, const char *name, gint64 unix_s)
{
	add_time(b, name, unix_s, local_offset(unix_s), unix_s != 0);
}

void
md_json_add_string(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, value);
}

void
md_json_add_int(JsonBuilder *b, const char *name, gint64 value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, value);
}

void
md_json_add_bool(JsonBuilder *b, const char *name, gboolean value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_boolean_value(b, value);
}

/* A legal hold: {until, reason}, or null. */
static void
add_hold(JsonBuilder *b, gint64 until, const char *reason)
{
	json_builder_set_member_name(b, "hold");
	if (until == 0) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	add_time(b, "until", until, local_offset(until), TRUE);
	md_json_add_string(b, "reason", reason);
	json_builder_end_object(b);
}

static void
add_mailbox(JsonBuilder *b, const MdMailbox *mb)
{
	json_builder_begin_object(b);
	md_json_add_string(b, "email", mb ? mb->email : NULL);
	md_json_add_string(b, "name", mb ? mb->name : NULL);
	json_builder_end_object(b);
}

static void
add_mailboxes(JsonBuilder *b, const char *name, GPtrArray *list)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (guint i = 0; i < list->len; i++)
		add_mailbox(b, g_ptr_array_index(list, i));
	json_builder_end_array(b);
}

void
md_json_add_customer(JsonBuilder *b, const MdCustomer *c, GArray *tickets)
{
	GHashTableIter it;
	gpointer k, v;

	json_builder_begin_object(b);
	md_json_add_string(b, "email", c->email);
	md_json_add_string(b, "first_name", c->first_name);
	md_json_add_string(b, "last_name", c->last_name);
	json_builder_set_member_name(b, "fields");
	json_builder_begin_object(b);
	g_hash_table_iter_init(&it, c->fields);
	while (g_hash_table_iter_next(&it, &k, &v))
		md_json_add_string(b, k, v);
	json_builder_end_object(b);
	add_time(b, "created", c->created_at, local_offset(c->created_at),
	    TRUE);
	md_json_add_bool(b, "restricted",
	    (c->flags & MD_CUSTOMER_RESTRICTED) != 0);
	md_json_add_bool(b, "bouncing", (c->flags & MD_CUSTOMER_BOUNCING) != 0);
	add_hold(b, c->hold_until, c->hold_reason);
	json_builder_set_member_name(b, "former_emails");
	json_builder_begin_array(b);
	for (guint i = 0; i < c->former->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(c->former,
		    i));
	json_builder_end_array(b);
	if (tickets != NULL) {
		json_builder_set_member_name(b, "tickets");
		json_builder_begin_array(b);
		for (guint i = 0; i < tickets->len; i++)
			json_builder_add_int_value(b,
			    (gint64)g_array_index(tickets, guint64, i));
		json_builder_end_array(b);
	}
	json_builder_end_object(b);
}

void
md_json_add_participants(JsonBuilder *b, GPtrArray *people)
{
	json_builder_set_member_name(b, "participants");
	json_builder_begin_array(b);
	for (guint i = 0; i < people->len; i++)
		json_builder_add_string_value(b,
		    ((MdCustomer *)g_ptr_array_index(people, i))->email);
	json_builder_end_array(b);
}

void
md_json_add_ticket(JsonBuilder *b, const MdTicket *t,
    const MdCustomer *customer)
{
	md_json_add_int(b, "number", (gint64)t->number);
	md_json_add_string(b, "status", md_ticket_status_name(t->status));
	md_json_add_string(b, "queue", t->queue);
	md_json_add_string(b, "subject", t->subject);
	json_builder_set_member_name(b, "customer");
	if (customer == NULL)
		json_builder_add_null_value(b);
	else {
		json_builder_begin_object(b);
		md_json_add_string(b, "email", customer->email);
		md_json_add_string(b, "first_name", customer->first_name);
		md_json_add_string(b, "last_name", customer->last_name);
		json_builder_end_object(b);
	}
	add_time(b, "created", t->created_at, local_offset(t->created_at),
	    TRUE);
	add_time(b, "updated", t->updated_at, local_offset(t->updated_at),
	    TRUE);
	md_json_add_int(b, "messages", t->message_count);
	md_json_add_string(b, "owner", t->owner);
	json_builder_set_member_name(b, "linked_to");
	if (t->linked_to != 0)
		json_builder_add_int_value(b, (gint64)t->linked_to);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "merged_into");
	if (t->merged_into != 0)
		json_builder_add_int_value(b, (gint64)t->merged_into);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "cited");
	if (t->cited != 0)
		json_builder_add_int_value(b, (gint64)t->cited);
	else
		json_builder_add_null_value(b);
	add_hold(b, t->hold_until, t->hold_reason);
	json_builder_set_member_name(b, "events");
	json_builder_begin_array(b);
	for (guint i = 0; i < t->events->len; i++) {
		const MdEvent *e = g_ptr_array_index(t->events, i);

		json_builder_begin_object(b);
		add_time(b, "time", e->time, local_offset(e->time), TRUE);
		md_json_add_string(b, "text", e->text);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/* What every message object begins with: direction, kind, internal, flags. */
static void
add_head(JsonBuilder *b, const MdMessage *m)
{
	g_auto(GStrv) flags = md_message_flag_names(m->flags);

	md_json_add_string(b, "direction",
	    m->direction == MD_DIR_OUT ? "out" : "in");
	md_json_add_string(b, "kind", md_message_kind_name(m->kind));
	/* A note is never shown to the customer. */
	md_json_add_bool(b, "internal", m->kind == MD_KIND_NOTE);
	json_builder_set_member_name(b, "flags");
	json_builder_begin_array(b);
	for (char **f = flags; *f != NULL; f++)
		json_builder_add_string_value(b, *f);
	json_builder_end_array(b);
}

void
md_json_add_message_text(JsonBuilder *b, const MdMessage *m)
{
	json_builder_begin_object(b);
	add_head(b, m);
	md_json_add_string(b, "from", m->from ? m->from->email : NULL);
	add_time(b, "received", m->received_at, local_offset(m->received_at),
	    TRUE);
	md_json_add_string(b, "text", m->text);
	json_builder_end_object(b);
}

void
md_json_add_message(JsonBuilder *b, const MdMessage *m)
{
	json_builder_begin_object(b);
	add_head(b, m);
	md_json_add_string(b, "message_id", m->message_id);
	md_json_add_string(b, "in_reply_to", m->in_reply_to);
	json_builder_set_member_name(b, "references");
	json_builder_begin_array(b);
	for (guint i = 0; i < m->references->len; i++)
		json_builder_add_string_value(b,
		    g_ptr_array_index(m->references, i));
	json_builder_end_array(b);
	json_builder_set_member_name(b, "from");
	if (m->from != NULL)
		add_mailbox(b, m->from);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "reply_to");
	if (m->reply_to != NULL)
		add_mailbox(b, m->reply_to);
	else
		json_builder_add_null_value(b);
	add_mailboxes(b, "to", m->to);
	add_mailboxes(b, "cc", m->cc);
	md_json_add_string(b, "subject", m->subject);
	add_time(b, "date", m->date, m->date_offset_s, m->has_date);
	add_time(b, "received", m->received_at, local_offset(m->received_at),
	    TRUE);
	md_json_add_string(b, "envelope_sender", m->envelope_sender);
	md_json_add_string(b, "recipient", m->recipient);
	json_builder_set_member_name(b, "also_to");
	json_builder_begin_array(b);
	for (guint i = 0; i < m->also_to->len; i++)
		json_builder_add_string_value(b,
		    g_ptr_array_index(m->also_to, i));
	json_builder_end_array(b);
	md_json_add_string(b, "text", m->text);
	md_json_add_string(b, "html", m->html);
	md_json_add_string(b, "charset_detected", m->charset_detected);
	json_builder_set_member_name(b, "attachments");
	json_builder_begin_array(b);
	for (guint i = 0; i < m->attachments->len; i++) {
		const MdAttachment *a = g_ptr_array_index(m->attachments, i);

		json_builder_begin_object(b);
		md_json_add_string(b, "filename", a->filename);
		md_json_add_string(b, "content_type", a->content_type);
		md_json_add_string(b, "disposition", a->disposition);
		md_json_add_string(b, "content_id", a->content_id);
		md_json_add_int(b, "size", (gint64)a->size);
		md_json_add_string(b, "sha256", a->sha256);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "headers");
	json_builder_begin_array(b);
	for (guint i = 0; i + 1 < m->headers->len; i += 2) {
		json_builder_begin_array(b);
		json_builder_add_string_value(b,
		    g_ptr_array_index(m->headers, i));
		json_builder_add_string_value(b,
		    g_ptr_array_index(m->headers, i + 1));
		json_builder_end_array(b);
	}
	json_builder_end_array(b);
	md_json_add_int(b, "raw_size", (gint64)m->raw_size);
	md_json_add_string(b, "raw_sha256", m->raw_sha256);
	json_builder_end_object(b);
}

char *
md_json_finish(JsonBuilder *b)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autofree char *text = NULL;

	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 2);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	return g_strconcat(text, "\n", NULL);
}

void
md_json_print(JsonBuilder *b)
{
	g_autofree char *text = md_json_finish(b);

	fputs(text, stdout);
}
