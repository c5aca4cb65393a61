/* SPDX-License-Identifier: MIT */
/*
 * MdMessage: md_message_parse on mail written inline (addresses, encoded
 * words, threading headers, dates, bodies, attachments, charsets, input
 * GMime cannot parse), md_message_base_subject, and the flag name table.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/message.h"

static MdMessage *
parse_string(const char *raw)
{
	return md_message_parse((const guint8 *)raw, strlen(raw));
}

static const MdMailbox *
mailbox_at(GPtrArray *list, guint i)
{
	g_assert_cmpuint(i, <, list->len);
	return g_ptr_array_index(list, i);
}

/* md_message_base_subject */

typedef struct {
	const char *path;
	const char *subject;	/* nullable */
	const char *expect;
} SubjectCase;

static const SubjectCase subject_cases[] = {
	{ "/message/base-subject/chain", "Re: AW: WG: Fwd: Antw: x", "x" },
	{ "/message/base-subject/counted", "RE[2]: x", "x" },
	{ "/message/base-subject/counted-parens", "Re(3): x", "x" },
	{ "/message/base-subject/no-space", "Re:Re: x", "x" },
	{ "/message/base-subject/space-before-colon", "Re : x", "x" },
	{ "/message/base-subject/fw", "FW: x", "x" },
	{ "/message/base-subject/fullwidth-colon", "回复：x", "回复：x" },
	{ "/message/base-subject/fullwidth-colon-re", "Re：x", "x" },
	{ "/message/base-subject/word-starting-with-r", "Réunion", "Réunion" },
	{ "/message/base-subject/word-starting-with-re", "Refund please",
	  "Refund please" },
	{ "/message/base-subject/prefix-only", "AW:", "" },
	{ "/message/base-subject/plain", "  Invoice 7731  ", "Invoice 7731" },
	{ "/message/base-subject/null", NULL, "" },
};

static void
test_base_subject(gconstpointer data)
{
	const SubjectCase *c = data;
	g_autofree char *got = md_message_base_subject(c->subject);

	g_assert_cmpstr(got, ==, c->expect);
}

/* md_message_parse: addresses, subject and threading headers */

static const char headers_mail[] =
    "From: =?UTF-8?Q?J=C3=B6rg_Sch=C3=A4fer?= <joerg@example.org>\n"
    "To: Support <support@example.com>,\n"
    " =?ISO-8859-1?Q?Ren=E9_Dupont?= <rene@example.org>\n"
    "Cc: \"Kowalski, Ewa\" <ewa@example.org>,\n"
    " =?UTF-8?B?xYF1a2FzeiDFu8OzxYJraWV3c2tp?= <lukasz@example.org>\n"
    "Subject: =?UTF-8?B?WmFtw7N3aWVuaWUgNzczMSDigJMgYnJhayBmYWt0dXJ5?=\n"
    "Message-ID: <abc.123@example.org>\n"
    "In-Reply-To: <parent@example.org>\n"
    "References: <root@example.org> <middle@example.org>\n"
    " <parent@example.org>\n"
    "Date: Tue, 02 Jan 2024 10:00:00 +0100\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Hello, where is my invoice?\n";

static void
test_parse_addresses(void)
{
	g_autoptr(MdMessage) m = parse_string(headers_mail);
	const MdMailbox *mb;

	g_assert_cmpint(m->kind, ==, MD_KIND_CUSTOMER);
	g_assert_cmpint(m->direction, ==, MD_DIR_IN);
	g_assert_cmpuint(m->flags & MD_MSG_UNPARSED, ==, 0);
	g_assert_nonnull(m->from);
	g_assert_cmpstr(m->from->name, ==, "Jörg Schäfer");
	g_assert_cmpstr(m->from->email, ==, "joerg@example.org");

	g_assert_cmpuint(m->to->len, ==, 2);
	mb = mailbox_at(m->to, 0);
	g_assert_cmpstr(mb->name, ==, "Support");
	g_assert_cmpstr(mb->email, ==, "support@example.com");
	mb = mailbox_at(m->to, 1);
	g_assert_cmpstr(mb->name, ==, "René Dupont");
	g_assert_cmpstr(mb->email, ==, "rene@example.org");

	g_assert_cmpuint(m->cc->len, ==, 2);
	mb = mailbox_at(m->cc, 0);
	g_assert_cmpstr(mb->name, ==, "Kowalski, Ewa");
	g_assert_cmpstr(mb->email, ==, "ewa@example.org");
	mb = mailbox_at(m->cc, 1);
	g_assert_cmpstr(mb->name, ==, "Łukasz Żółkiewski");
	g_assert_cmpstr(mb->email, ==, "lukasz@example.org");

	g_assert_cmpstr(m->subject, ==, "Zamówienie 7731 – brak faktury");
	g_assert_cmpstr(md_message_header(m, "subject"), ==,
	    "Zamówienie 7731 – brak faktury");
	g_assert_cmpstr(m->mime_type, ==, "text/plain");
}

static void
test_parse_threading_headers(void)
{
	g_autoptr(MdMessage) m = parse_string(headers_mail);

	g_assert_cmpstr(m->message_id, ==, "abc.123@example.org");
	g_assert_cmpstr(m->in_reply_to, ==, "parent@example.org");
	g_assert_cmpuint(m->references->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(m->references, 0), ==,
	    "root@example.org");
	g_assert_cmpstr(g_ptr_array_index(m->references, 1), ==,
	    "middle@example.org");
	g_assert_cmpstr(g_ptr_array_index(m->references, 2), ==,
	    "parent@example.org");
}

static void
test_parse_no_threading_headers(void)
{
	g_autoptr(MdMessage) m = parse_string(
	    "From: a@example.org\n"
	    "Subject: hi\n"
	    "\n"
	    "body\n");

	g_assert_null(m->message_id);
	g_assert_null(m->in_reply_to);
	g_assert_cmpuint(m->references->len, ==, 0);
}

/* md_message_parse: Date */

static void
test_parse_date_offset(void)
{
	g_autoptr(MdMessage) east = parse_string(headers_mail);
	g_autoptr(MdMessage) west = parse_string(
	    "From: a@example.org\n"
	    "Date: Fri, 15 Mar 2024 16:30:00 -0500\n"
	    "Subject: west\n"
	    "\n"
	    "body\n");

	g_assert_true(east->has_date);
	/* 2024-01-02 09:00:00 UTC */
	g_assert_cmpint(east->date, ==, 1704186000);
	g_assert_cmpint(east->date_offset_s, ==, 3600);

	g_assert_true(west->has_date);
	/* 2024-03-15 21:30:00 UTC */
	g_assert_cmpint(west->date, ==, 1710538200);
	g_assert_cmpint(west->date_offset_s, ==, -5 * 3600);
}

static void
test_parse_date_missing(void)
{
	g_autoptr(MdMessage) m = parse_string(
	    "From: a@example.org\n"
	    "Subject: no date\n"
	    "\n"
	    "body\n");

	g_assert_false(m->has_date);
	g_assert_cmpint(m->date, ==, 0);
}

static void
test_parse_date_unparseable(void)
{
	g_autoptr(MdMessage) m = parse_string(
	    "From: a@example.org\n"
	    "Date: Donnerstag, 31. Februar 2024, 25:61 Uhr\n"
	    "Subject: bad date\n"
	    "\n"
	    "body\n");

	g_assert_false(m->has_date);
	g_assert_cmpint(m->date, ==, 0);
	g_assert_cmpstr(m->subject, ==, "bad date");
}

/* md_message_parse: bodies */

static void
test_parse_text_plain(void)
{
	g_autoptr(MdMessage) m = parse_string(headers_mail);

	g_assert_cmpstr(m->text, ==, "Hello, where is my invoice?\n");
	g_assert_null(m->html);
	g_assert_cmpuint(m->attachments->len, ==, 0);
}

static void
test_parse_html_only(void)
{
	g_autoptr(MdMessage) m = parse_string(
	    "From: a@example.org\n"
	    "Subject: html\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/html; charset=utf-8\n"
	    "\n"
	    "<html><body><p>Hello <b>world</b></p>"
	    "<p>Second &amp; last</p></body></html>\n");

	g_assert_nonnull(m->html);
	g_assert_nonnull(strstr(m->html, "<b>world</b>"));
	g_assert_nonnull(m->text);
	g_assert_nonnull(strstr(m->text, "Hello world"));
	g_assert_nonnull(strstr(m->text, "Second & last"));
	g_assert_null(strchr(m->text, '<'));
	g_assert_cmpstr(m->mime_type, ==, "text/html");
}

static void
test_parse_alternative(void)
{
	g_autoptr(MdMessage) m = parse_string(
	    "From: a@example.org\n"
	    "Subject: alt\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/alternative; boundary=\"b1\"\n"
	    "\n"
	    "--b1\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "\n"
	    "Plain version\n"
	    "--b1\n"
	    "Content-Type: text/html; charset=utf-8\n"
	    "\n"
	    "<p>HTML version</p>\n"
	    "--b1--\n");

	/* The text part wins; the HTML one is kept beside it. */
	g_assert_cmpstr(m->text, ==, "Plain version");
	g_assert_nonnull(m->html);
	g_assert_nonnull(strstr(m->html, "HTML version"));
	g_assert_cmpuint(m->attachments->len, ==, 0);
	g_assert_cmpstr(m->mime_type, ==, "multipart/alternative");
}

/* The decoded bytes of the attachment below, base64 in the mail. */
static const guint8 attachment_bytes[] =
    "maildesk attachment\x00\x01\x02\xff\xfe\n";

static void
test_parse_attachment(void)
{
	g_autoptr(MdMessage) m = parse_string(
	    "From: a@example.org\n"
	    "Subject: with attachment\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"xyz\"\n"
	    "\n"
	    "preamble\n"
	    "--xyz\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "\n"
	    "See attached.\n"
	    "--xyz\n"
	    "Content-Type: application/octet-stream; name=\"report.bin\"\n"
	    "Content-Disposition: attachment; filename=\"report.bin\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "bWFpbGRlc2sgYXR0YWNobWVudAABAv/+Cg==\n"
	    "--xyz--\n");
	gsize n = sizeof(attachment_bytes) - 1;
	g_autofree char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
	    attachment_bytes, n);
	const MdAttachment *a;

	g_assert_cmpstr(m->text, ==, "See attached.");
	g_assert_cmpuint(m->attachments->len, ==, 1);
	a = g_ptr_array_index(m->attachments, 0);
	g_assert_cmpstr(a->filename, ==, "report.bin");
	g_assert_cmpstr(a->content_type, ==, "application/octet-stream");
	g_assert_cmpstr(a->disposition, ==, "attachment");
	g_assert_null(a->content_id);
	g_assert_cmpuint(a->size, ==, n);
	g_assert_cmpstr(a->sha256, ==, sum);
	g_assert_cmpstr(m->mime_type, ==, "multipart/mixed");
}

/* md_message_parse: charsets */

static void
test_parse_undeclared_8bit(void)
{
	/* windows-1252 bytes, no charset anywhere: "Grüße aus Köln – €5" */
	g_autoptr(MdMessage) no_charset = parse_string(
	    "From: a@example.org\n"
	    "Subject: 8bit\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "\n"
	    "Gr\xfc\xdf" "e aus K\xf6ln \x96 \x80" "5\n");
	g_autoptr(MdMessage) no_mime = parse_string(
	    "From: a@example.org\n"
	    "Subject: 8bit\n"
	    "\n"
	    "Gr\xfc\xdf" "e aus K\xf6ln \x96 \x80" "5\n");
	/* Declared US-ASCII but is not: the usual culprit. */
	g_autoptr(MdMessage) lying = parse_string(
	    "From: a@example.org\n"
	    "Subject: 8bit\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "\n"
	    "Gr\xfc\xdf" "e aus K\xf6ln \x96 \x80" "5\n");

	g_assert_cmpstr(no_charset->text, ==, "Grüße aus Köln – €5\n");
	g_assert_cmpstr(no_mime->text, ==, "Grüße aus Köln – €5\n");
	g_assert_cmpstr(lying->text, ==, "Grüße aus Köln – €5\n");
}

static void
test_parse_declared_latin1(void)
{
	g_autoptr(MdMessage) m = parse_string(
	    "From: a@example.org\n"
	    "Subject: latin1\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "Gr=FC=DFe\n");

	g_assert_cmpstr(m->text, ==, "Grüße\n");
}

static void
test_parse_8bit_headers(void)
{
	/* Raw 8-bit headers: UTF-8 as it is, anything else as windows-1252. */
	g_autoptr(MdMessage) latin = parse_string(
	    "From: J\xf6rg Sch\xe4" "fer <joerg@example.org>\n"
	    "Subject: Gr\xfc\xdf" "e\n"
	    "\n"
	    "x\n");
	g_autoptr(MdMessage) utf8 = parse_string(
	    "From: Jörg Schäfer <joerg@example.org>\n"
	    "Subject: Grüße\n"
	    "\n"
	    "x\n");

	g_assert_cmpstr(latin->subject, ==, "Grüße");
	g_assert_cmpstr(latin->from->name, ==, "Jörg Schäfer");
	g_assert_cmpstr(utf8->subject, ==, "Grüße");
	g_assert_cmpstr(utf8->from->name, ==, "Jörg Schäfer");
}

static void
test_parse_crlf(void)
{
	g_autoptr(MdMessage) m = parse_string(
	    "From: Anna Weber <anna@example.org>\r\n"
	    "To: support@example.com\r\n"
	    "Subject: crlf\r\n"
	    "Message-ID: <crlf.1@example.org>\r\n"
	    "\r\n"
	    "line one\r\n");

	g_assert_cmpstr(m->from->email, ==, "anna@example.org");
	g_assert_cmpstr(m->subject, ==, "crlf");
	g_assert_cmpstr(m->message_id, ==, "crlf.1@example.org");
	g_assert_nonnull(m->text);
	g_assert_true(g_str_has_prefix(m->text, "line one"));
}

static void
test_parse_inline_and_named_parts(void)
{
	g_autoptr(MdMessage) m = parse_string(
	    "From: a@example.org\n"
	    "Subject: parts\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\n"
	    "\n"
	    "--b\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "\n"
	    "Body text\n"
	    "--b\n"
	    "Content-Type: image/png\n"
	    "Content-ID: <logo@example.org>\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "iVBORw0KGgo=\n"
	    "--b\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Disposition: attachment;\n"
	    " filename*=UTF-8''Rechnung%20M%C3%A4rz.txt\n"
	    "\n"
	    "attached text, not the body\n"
	    "--b--\n");
	const MdAttachment *logo, *txt;

	g_assert_cmpstr(m->text, ==, "Body text");
	g_assert_cmpuint(m->attachments->len, ==, 2);
	logo = g_ptr_array_index(m->attachments, 0);
	g_assert_cmpstr(logo->content_type, ==, "image/png");
	g_assert_cmpstr(logo->disposition, ==, "inline");
	g_assert_cmpstr(logo->content_id, ==, "logo@example.org");
	g_assert_cmpuint(logo->size, ==, 8);
	txt = g_ptr_array_index(m->attachments, 1);
	g_assert_cmpstr(txt->filename, ==, "Rechnung März.txt");
	g_assert_cmpstr(txt->content_type, ==, "text/plain");
	g_assert_cmpstr(txt->disposition, ==, "attachment");
	g_assert_cmpuint(txt->size, ==, strlen("attached text, not the body"));
}

static void
test_parse_attached_message(void)
{
	g_autoptr(MdMessage) m = parse_string(
	    "From: a@example.org\n"
	    "Subject: Fwd: original\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\n"
	    "\n"
	    "--b\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "see below\n"
	    "--b\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "From: c@example.org\n"
	    "Subject: original\n"
	    "Message-ID: <inner.1@example.org>\n"
	    "\n"
	    "inner body\n"
	    "--b--\n");
	const MdAttachment *a;

	g_assert_cmpstr(m->text, ==, "see below");
	g_assert_cmpuint(m->attachments->len, ==, 1);
	a = g_ptr_array_index(m->attachments, 0);
	g_assert_cmpstr(a->content_type, ==, "message/rfc822");
	g_assert_cmpstr(a->disposition, ==, "message");
	g_assert_cmpstr(a->filename, ==, "original.eml");
	g_assert_cmpuint(a->size, >, 0);
	g_assert_nonnull(a->sha256);
	g_assert_cmpuint(m->original_ids->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(m->original_ids, 0), ==,
	    "inner.1@example.org");
}

/* md_message_parse: input GMime cannot make a message of */

static void
assert_unparsed(const guint8 *raw, gsize len)
{
	g_autoptr(MdMessage) m = md_message_parse(raw, len);
	g_autofree char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
	    raw, len);

	g_assert_cmpint(m->kind, ==, MD_KIND_UNPARSED);
	g_assert_cmpuint(m->flags & MD_MSG_UNPARSED, ==, MD_MSG_UNPARSED);
	g_assert_cmpuint(m->raw_size, ==, len);
	g_assert_nonnull(m->raw_sha256);
	g_assert_cmpstr(m->raw_sha256, ==, sum);
	g_assert_null(m->from);
	g_assert_null(m->text);
}

static void
test_parse_empty(void)
{
	static const guint8 empty[1] = { 0 };

	assert_unparsed(empty, 0);
}

static void
test_parse_garbage(void)
{
	static const guint8 garbage[] = {
		0x00, 0xff, 0xfe, 0x00, 0x1f, 0x8b, 0x45, 0xfb, 0x0e, 0xb7,
		0xaf, 0x18, 0x99, 0x0b, 0xdb, 0x98, 0xaa, 0x9d, 0x5c, 0x50,
		0x12, 0xbf, 0x5e, 0xdf, 0x34, 0x74, 0x8c, 0x08, 0x46, 0x41,
		0x32, 0x02, 0x03, 0x7c, 0x3e, 0x4d, 0xf2, 0x3d, 0x8d, 0xf2,
		0xd8, 0x42, 0x3e, 0x79, 0x32, 0x42, 0x71, 0x76, 0x00, 0x0a,
	};

	assert_unparsed(garbage, sizeof(garbage));
}

static void
test_parse_raw_digest(void)
{
	g_autoptr(MdMessage) m = parse_string(headers_mail);
	g_autofree char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
	    (const guint8 *)headers_mail, strlen(headers_mail));

	g_assert_cmpuint(m->raw_size, ==, strlen(headers_mail));
	g_assert_cmpstr(m->raw_sha256, ==, sum);
}

/* Flag and kind names */

static void
test_flag_names_single(void)
{
	for (guint i = 0; i < 14; i++) {
		guint32 flag = 1u << i;
		g_auto(GStrv) names = md_message_flag_names(flag);

		g_assert_cmpuint(g_strv_length(names), ==, 1);
		g_assert_cmpuint(md_message_flags_from_names(
		    (const char *const *)names), ==, flag);
	}
}

static void
test_flag_names_round_trip(void)
{
	static const guint32 sets[] = {
		0, MD_MSG_UNPARSED, MD_MSG_DSN | MD_MSG_REPORT,
		MD_MSG_MACHINE, MD_MSG_MACHINE | MD_MSG_CITED_TAG,
		MD_MSG_LIST | MD_MSG_BULK | MD_MSG_NOREPLY,
	};

	for (gsize i = 0; i < G_N_ELEMENTS(sets); i++) {
		g_auto(GStrv) names = md_message_flag_names(sets[i]);

		g_assert_nonnull(names);
		g_assert_cmpuint(md_message_flags_from_names(
		    (const char *const *)names), ==, sets[i]);
	}
}

static void
test_flag_names_values(void)
{
	g_auto(GStrv) names = md_message_flag_names(MD_MSG_AUTO_REPLY |
	    MD_MSG_BULK);
	const char *const mixed[] = { "bulk", "no-such-flag", "loop", NULL };

	g_assert_cmpuint(g_strv_length(names), ==, 2);
	g_assert_cmpstr(names[0], ==, "auto-reply");
	g_assert_cmpstr(names[1], ==, "bulk");
	/* Names a newer version wrote are skipped, not fatal. */
	g_assert_cmpuint(md_message_flags_from_names(mixed), ==,
	    MD_MSG_BULK | MD_MSG_LOOP);
	g_assert_cmpuint(md_message_flags_from_names(NULL), ==, 0);
}

static void
test_kind_names(void)
{
	for (MdKind k = MD_KIND_CUSTOMER; k <= MD_KIND_UNPARSED; k++) {
		MdKind back = MD_KIND_CUSTOMER;

		g_assert_true(md_message_kind_from_name(
		    md_message_kind_name(k), &back));
		g_assert_cmpint(back, ==, k);
	}
	{
		MdKind back = MD_KIND_AGENT;

		g_assert_false(md_message_kind_from_name("no-such-kind",
		    &back));
		g_assert_cmpint(back, ==, MD_KIND_AGENT);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();

	for (gsize i = 0; i < G_N_ELEMENTS(subject_cases); i++)
		g_test_add_data_func(subject_cases[i].path, &subject_cases[i],
		    test_base_subject);
	g_test_add_func("/message/parse/addresses", test_parse_addresses);
	g_test_add_func("/message/parse/threading-headers",
	    test_parse_threading_headers);
	g_test_add_func("/message/parse/no-threading-headers",
	    test_parse_no_threading_headers);
	g_test_add_func("/message/parse/date-offset", test_parse_date_offset);
	g_test_add_func("/message/parse/date-missing",
	    test_parse_date_missing);
	g_test_add_func("/message/parse/date-unparseable",
	    test_parse_date_unparseable);
	g_test_add_func("/message/parse/text-plain", test_parse_text_plain);
	g_test_add_func("/message/parse/html-only", test_parse_html_only);
	g_test_add_func("/message/parse/alternative", test_parse_alternative);
	g_test_add_func("/message/parse/attachment", test_parse_attachment);
	g_test_add_func("/message/parse/undeclared-8bit",
	    test_parse_undeclared_8bit);
	g_test_add_func("/message/parse/declared-latin1",
	    test_parse_declared_latin1);
	g_test_add_func("/message/parse/8bit-headers",
	    test_parse_8bit_headers);
	g_test_add_func("/message/parse/crlf", test_parse_crlf);
	g_test_add_func("/message/parse/inline-and-named-parts",
	    test_parse_inline_and_named_parts);
	g_test_add_func("/message/parse/attached-message",
	    test_parse_attached_message);
	g_test_add_func("/message/parse/empty", test_parse_empty);
	g_test_add_func("/message/parse/garbage", test_parse_garbage);
	g_test_add_func("/message/parse/raw-digest", test_parse_raw_digest);
	g_test_add_func("/message/flags/single", test_flag_names_single);
	g_test_add_func("/message/flags/round-trip",
	    test_flag_names_round_trip);
	g_test_add_func("/message/flags/values", test_flag_names_values);
	g_test_add_func("/message/kind/round-trip", test_kind_names);

	return g_test_run();
}
