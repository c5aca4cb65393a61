/* SPDX-License-Identifier: MIT */
/*
 * Records: tickets, customers and messages written and read back, minimal
 * ones, and what a corrupt or future record gives.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/message.h"
#include "maildesk/message-record.h"
#include "maildesk/record.h"
#include "maildesk/ticket.h"

#define NOW 1704186000

/* Records */

static void
test_record_ticket(void)
{
	g_autoptr(MdTicket) t = md_ticket_new();
	g_autoptr(MdTicket) back = NULL;
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	const void *p;

	t->number = G_GUINT64_CONSTANT(123456789012);
	t->queue = g_strdup("sales");
	t->status = MD_STATUS_RESOLVED;
	t->subject = g_strdup("Zamówienie 7731 – brak faktury");
	t->customer_id = 42;
	t->created_at = NOW;
	t->updated_at = NOW + 60;
	t->closed_at = NOW + 120;
	t->message_count = 7;
	t->linked_to = 11;
	t->cited = 5;
	t->owner = g_strdup("agent.anna");

	rec = md_ticket_to_record(t);
	p = g_bytes_get_data(rec, &len);
	back = md_ticket_from_record(p, len, &error);
	g_assert_no_error(error);
	g_assert_nonnull(back);
	g_assert_cmpuint(back->number, ==, t->number);
	g_assert_cmpstr(back->queue, ==, t->queue);
	g_assert_cmpint(back->status, ==, t->status);
	g_assert_cmpstr(back->subject, ==, t->subject);
	g_assert_cmpuint(back->customer_id, ==, t->customer_id);
	g_assert_cmpint(back->created_at, ==, t->created_at);
	g_assert_cmpint(back->updated_at, ==, t->updated_at);
	g_assert_cmpint(back->closed_at, ==, t->closed_at);
	g_assert_cmpuint(back->message_count, ==, t->message_count);
	g_assert_cmpuint(back->linked_to, ==, t->linked_to);
	g_assert_cmpuint(back->cited, ==, t->cited);
	g_assert_cmpstr(back->owner, ==, t->owner);
}

static void
test_record_ticket_minimal(void)
{
	g_autoptr(MdTicket) t = md_ticket_new();
	g_autoptr(MdTicket) back = NULL;
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	const void *p;

	/* Nullable strings stay NULL or become "" as the header says. */
	t->number = 1;
	rec = md_ticket_to_record(t);
	p = g_bytes_get_data(rec, &len);
	back = md_ticket_from_record(p, len, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(back->number, ==, 1);
	g_assert_cmpint(back->status, ==, MD_STATUS_NEW);
	g_assert_cmpstr(back->subject, ==, "");
	g_assert_cmpstr(back->queue, ==, "");
	g_assert_null(back->owner);
}

static void
test_record_customer(void)
{
	g_autoptr(MdCustomer) c = md_customer_new();
	g_autoptr(MdCustomer) back = NULL;
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	const void *p;

	c->id = 42;
	c->email = g_strdup("Hans.Mueller@Example.org");
	c->first_name = g_strdup("Hans");
	c->last_name = g_strdup("Müller");
	c->created_at = NOW;
	c->flags = MD_CUSTOMER_NAME_MANUAL | MD_CUSTOMER_BOUNCING;
	g_hash_table_insert(c->fields, g_strdup("phone"),
	    g_strdup("+49 30 1234567"));
	g_hash_table_insert(c->fields, g_strdup("company"),
	    g_strdup("Müller & Söhne GmbH"));
	g_hash_table_insert(c->fields, g_strdup("note"), g_strdup(""));

	rec = md_customer_to_record(c);
	p = g_bytes_get_data(rec, &len);
	back = md_customer_from_record(p, len, &error);
	g_assert_no_error(error);
	g_assert_nonnull(back);
	g_assert_cmpuint(back->id, ==, 42);
	g_assert_cmpstr(back->email, ==, c->email);
	g_assert_cmpstr(back->first_name, ==, "Hans");
	g_assert_cmpstr(back->last_name, ==, "Müller");
	g_assert_cmpint(back->created_at, ==, NOW);
	g_assert_cmpuint(back->flags, ==, c->flags);
	g_assert_cmpuint(g_hash_table_size(back->fields), ==, 3);
	g_assert_cmpstr(g_hash_table_lookup(back->fields, "phone"), ==,
	    "+49 30 1234567");
	g_assert_cmpstr(g_hash_table_lookup(back->fields, "company"), ==,
	    "Müller & Söhne GmbH");
	g_assert_cmpstr(g_hash_table_lookup(back->fields, "note"), ==, "");
}

static void
test_record_customer_no_name(void)
{
	g_autoptr(MdCustomer) c = md_customer_new();
	g_autoptr(MdCustomer) back = NULL;
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	const void *p;

	c->id = 1;
	c->email = g_strdup("info@example.org");
	rec = md_customer_to_record(c);
	p = g_bytes_get_data(rec, &len);
	back = md_customer_from_record(p, len, &error);
	g_assert_no_error(error);
	g_assert_null(back->first_name);
	g_assert_null(back->last_name);
	g_assert_cmpuint(g_hash_table_size(back->fields), ==, 0);
}

static const char attachment_mail[] =
    "From: =?UTF-8?Q?J=C3=B6rg_Sch=C3=A4fer?= <joerg@example.org>\n"
    "Reply-To: Jörg <j@example.net>\n"
    "To: Support <support@example.com>\n"
    "Cc: \"Kowalski, Ewa\" <ewa@example.org>, bob@example.org\n"
    "Subject: Invoice\n"
    "Message-ID: <att.1@example.org>\n"
    "In-Reply-To: <parent@example.org>\n"
    "References: <root@example.org> <parent@example.org>\n"
    "Date: Tue, 02 Jan 2024 10:00:00 +0100\n"
    "X-Custom: one\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"xyz\"\n"
    "\n"
    "--xyz\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "See attached.\n"
    "--xyz\n"
    "Content-Type: image/png\n"
    "Content-ID: <logo@example.org>\n"
    "Content-Disposition: inline\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "iVBORw0KGgo=\n"
    "--xyz\n"
    "Content-Type: application/pdf; name=\"invoice.pdf\"\n"
    "Content-Disposition: attachment; filename=\"invoice.pdf\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0xLjQK\n"
    "--xyz--\n";

static void
assert_mailbox_equal(const MdMailbox *a, const MdMailbox *b)
{
	if (a == NULL || b == NULL) {
		g_assert_true(a == b);
		return;
	}
	g_assert_cmpstr(a->name, ==, b->name);
	g_assert_cmpstr(a->email, ==, b->email);
}

static void
assert_strings_equal(GPtrArray *a, GPtrArray *b)
{
	g_assert_cmpuint(a->len, ==, b->len);
	for (guint i = 0; i < a->len; i++)
		g_assert_cmpstr(g_ptr_array_index(a, i), ==,
		    g_ptr_array_index(b, i));
}

static void
test_record_message(void)
{
	g_autoptr(MdMessage) m = md_message_parse(
	    (const guint8 *)attachment_mail, strlen(attachment_mail));
	g_autoptr(MdMessage) back = NULL;
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	const void *p;

	m->direction = MD_DIR_OUT;
	m->kind = MD_KIND_AGENT;
	m->flags = MD_MSG_LIST | MD_MSG_CITED_TAG;
	m->received_at = NOW + 5;
	m->envelope_sender = g_strdup("");
	m->recipient = g_strdup("support@example.com");
	m->queue = g_strdup("support");
	g_ptr_array_add(m->original_ids, g_strdup("orig@example.org"));
	/* The parse itself is covered in test-message; check it took. */
	g_assert_cmpuint(m->attachments->len, ==, 2);
	g_assert_cmpuint(m->cc->len, ==, 2);

	rec = md_message_record_write(m);
	p = g_bytes_get_data(rec, &len);
	back = md_message_record_read(p, len, &error);
	g_assert_no_error(error);
	g_assert_nonnull(back);

	g_assert_cmpint(back->direction, ==, MD_DIR_OUT);
	g_assert_cmpint(back->kind, ==, MD_KIND_AGENT);
	g_assert_cmpuint(back->flags, ==, m->flags);
	g_assert_cmpstr(back->message_id, ==, "att.1@example.org");
	g_assert_cmpstr(back->in_reply_to, ==, "parent@example.org");
	assert_strings_equal(back->references, m->references);
	assert_mailbox_equal(back->from, m->from);
	assert_mailbox_equal(back->reply_to, m->reply_to);
	assert_mailbox_equal(back->sender, m->sender);
	g_assert_null(back->sender);
	g_assert_cmpuint(back->to->len, ==, m->to->len);
	for (guint i = 0; i < m->to->len; i++)
		assert_mailbox_equal(g_ptr_array_index(back->to, i),
		    g_ptr_array_index(m->to, i));
	g_assert_cmpuint(back->cc->len, ==, m->cc->len);
	for (guint i = 0; i < m->cc->len; i++)
		assert_mailbox_equal(g_ptr_array_index(back->cc, i),
		    g_ptr_array_index(m->cc, i));
	g_assert_cmpstr(back->subject, ==, "Invoice");
	g_assert_true(back->has_date);
	g_assert_cmpint(back->date, ==, m->date);
	g_assert_cmpint(back->date_offset_s, ==, 3600);
	g_assert_cmpint(back->received_at, ==, NOW + 5);
	g_assert_cmpstr(back->text, ==, m->text);
	g_assert_cmpstr(back->html, ==, m->html);

	g_assert_cmpuint(back->attachments->len, ==, 2);
	for (guint i = 0; i < m->attachments->len; i++) {
		const MdAttachment *a = g_ptr_array_index(m->attachments, i);
		const MdAttachment *b = g_ptr_array_index(back->attachments,
		    i);

		g_assert_cmpstr(b->filename, ==, a->filename);
		g_assert_cmpstr(b->content_type, ==, a->content_type);
		g_assert_cmpstr(b->disposition, ==, a->disposition);
		g_assert_cmpstr(b->content_id, ==, a->content_id);
		g_assert_cmpuint(b->size, ==, a->size);
		g_assert_cmpstr(b->sha256, ==, a->sha256);
	}
	{
		const MdAttachment *logo = g_ptr_array_index(
		    back->attachments, 0);
		const MdAttachment *pdf = g_ptr_array_index(
		    back->attachments, 1);

		/* An unnamed part gets a name made from its place and type. */
		g_assert_cmpstr(logo->filename, ==, "image-2.png");
		g_assert_cmpstr(logo->content_id, ==, "logo@example.org");
		g_assert_cmpstr(logo->disposition, ==, "inline");
		g_assert_cmpstr(pdf->filename, ==, "invoice.pdf");
		g_assert_cmpstr(pdf->content_type, ==, "application/pdf");
		g_assert_cmpuint(pdf->size, ==, 9);
	}

	assert_strings_equal(back->headers, m->headers);
	g_assert_cmpstr(md_message_header(back, "x-custom"), ==, "one");
	assert_strings_equal(back->original_ids, m->original_ids);
	g_assert_cmpstr(back->mime_type, ==, "multipart/mixed");
	g_assert_cmpstr(back->envelope_sender, ==, "");
	g_assert_cmpstr(back->recipient, ==, "support@example.com");
	g_assert_cmpstr(back->queue, ==, "support");
	g_assert_cmpuint(back->raw_size, ==, strlen(attachment_mail));
	g_assert_cmpstr(back->raw_sha256, ==, m->raw_sha256);
}

static void
test_record_message_unparsed(void)
{
	static const guint8 garbage[] = { 0x00, 0xff, 0xfe, 0x01, 0x0a };
	g_autoptr(MdMessage) m = md_message_parse(garbage, sizeof(garbage));
	g_autoptr(MdMessage) back = NULL;
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	const void *p;

	rec = md_message_record_write(m);
	p = g_bytes_get_data(rec, &len);
	back = md_message_record_read(p, len, &error);
	g_assert_no_error(error);
	g_assert_cmpint(back->kind, ==, MD_KIND_UNPARSED);
	g_assert_cmpuint(back->flags, ==, MD_MSG_UNPARSED);
	g_assert_false(back->has_date);
	g_assert_null(back->from);
	g_assert_cmpuint(back->raw_size, ==, sizeof(garbage));
	g_assert_cmpstr(back->raw_sha256, ==, m->raw_sha256);
}

static void
test_record_corrupt(void)
{
	static const char garbage[] = "garbage! \x01\x02\xff not a record";
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) customer = NULL;
	g_autoptr(GBytes) future = NULL;
	g_autoptr(GVariant) v = NULL;
	gsize len;
	const void *p;

	g_assert_null(md_ticket_from_record(garbage, sizeof(garbage) - 1,
	    &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
	g_clear_error(&error);

	g_assert_null(md_ticket_from_record("", 0, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
	g_clear_error(&error);

	g_assert_null(md_customer_from_record(garbage, sizeof(garbage) - 1,
	    &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
	g_clear_error(&error);

	g_assert_null(md_message_record_read(garbage, sizeof(garbage) - 1,
	    &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
	g_clear_error(&error);

	/* A well-formed record of another kind: no status, not a ticket. */
	{
		g_autoptr(MdCustomer) c = md_customer_new();

		c->email = g_strdup("a@example.org");
		customer = md_customer_to_record(c);
	}
	p = g_bytes_get_data(customer, &len);
	g_assert_null(md_ticket_from_record(p, len, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
	g_clear_error(&error);

	/* A version this build does not know. */
	v = g_variant_ref_sink(g_variant_new("(y@a{sv})",
	    MD_RECORD_VERSION + 1, g_variant_new_array(G_VARIANT_TYPE(
	    "{sv}"), NULL, 0)));
	future = g_variant_get_data_as_bytes(v);
	p = g_bytes_get_data(future, &len);
	g_assert_null(md_ticket_from_record(p, len, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add_func("/record/ticket", test_record_ticket);
	g_test_add_func("/record/ticket-minimal", test_record_ticket_minimal);
	g_test_add_func("/record/customer", test_record_customer);
	g_test_add_func("/record/customer-no-name",
	    test_record_customer_no_name);
	g_test_add_func("/record/message", test_record_message);
	g_test_add_func("/record/message-unparsed",
	    test_record_message_unparsed);
	g_test_add_func("/record/corrupt", test_record_corrupt);
	return g_test_run();
}
