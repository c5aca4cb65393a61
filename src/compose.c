/* SPDX-License-Identifier: MIT */
/*
 * Outgoing messages.  GMime builds and encodes them (RFC 2047 for headers,
 * quoted-printable or base64 for bodies, folding of long lines); we only
 * choose the headers.  The bytes are rendered once, with CRLF, and kept:
 * a retry sends exactly the same message with the same Message-ID.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/autocleanups.h"
#include "maildesk/compose.h"

char *
md_compose_clean_header(const char *s)
{
	g_autofree char *valid = g_utf8_make_valid(s ? s : "", -1);
	GString *out = g_string_new(NULL);

	for (const char *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029)
			c = ' ';
		g_string_append_unichar(out, c);
	}
	return g_strstrip(g_string_free(out, FALSE));
}

static void
set_header(GMimeObject *obj, const char *name, const char *value)
{
	g_autofree char *clean = md_compose_clean_header(value);

	g_mime_object_set_header(obj, name, clean, "utf-8");
}

/* Printable ASCII without space and without @except. */
static gboolean
plain_ascii(const char *s, const char *except)
{
	if (s == NULL || *s == '\0')
		return FALSE;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~' || strchr(except, *s) != NULL)
			return FALSE;
	return TRUE;
}

gboolean
md_compose_valid_address(const char *address)
{
	const char *at = address ? strchr(address, '@') : NULL;

	return plain_ascii(address, "<>()[]\\,;:\"") && at != NULL &&
	    at != address && at[1] != '\0' && strchr(at + 1, '@') == NULL;
}

/* A Message-ID we can write back: anything else is left out. */
static gboolean
valid_message_id(const char *id)
{
	return plain_ascii(id, "<>\"\\");
}

static char *
angle_list(const char *first, GPtrArray *rest)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; rest != NULL && i < rest->len; i++)
		if (valid_message_id(g_ptr_array_index(rest, i)))
			g_string_append_printf(s, "%s<%s>", s->len ? " " : "",
			    (char *)g_ptr_array_index(rest, i));
	if (valid_message_id(first))
		g_string_append_printf(s, "%s<%s>", s->len ? " " : "", first);
	return g_string_free(s, FALSE);
}

/* Copies the attachments of @raw into @mixed (by reference to @raw). */
static void
add_attachments(GMimeMultipart *mixed, GMimeObject *obj, int depth)
{
	if (obj == NULL || depth > 32)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);

		for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
			add_attachments(mixed, g_mime_multipart_get_part(mp,
			    i), depth + 1);
		return;
	}
	/* A part the parser left without content has nothing to pass on
	 * (found by fuzz-deliver: GMime cannot write it). */
	if ((GMIME_IS_MESSAGE_PART(obj) && g_mime_message_part_get_message(
	    GMIME_MESSAGE_PART(obj)) != NULL) || (GMIME_IS_PART(obj) &&
	    g_mime_part_get_content(GMIME_PART(obj)) != NULL &&
	    (g_mime_part_is_attachment(GMIME_PART(obj)) ||
	    g_mime_part_get_filename(GMIME_PART(obj)) != NULL)))
		g_mime_multipart_add(mixed, obj);
}

/*
 * 7bit for short ASCII lines, else quoted-printable: a customer's text may
 * hold a line far over SMTP's 998 characters, or any script.
 */
static GMimeContentEncoding
body_encoding(const char *text)
{
	gsize line = 0;

	for (const char *p = text; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80 || *p == '\r')
			return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
		line = *p == '\n' ? 0 : line + 1;
		if (line > 76)
			return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	}
	return GMIME_CONTENT_ENCODING_7BIT;
}

/* The MIME tree of @raw, or NULL; @stream keeps the bytes alive. */
static GMimeMessage *
parse_source(const guint8 *raw, gsize len, GMimeStream **stream)
{
	g_autoptr(GMimeParser) parser = NULL;
	GByteArray *copy = g_byte_array_sized_new(len);

	g_byte_array_append(copy, raw, len);
	*stream = g_mime_stream_mem_new_with_byte_array(copy);
	parser = g_mime_parser_new_with_stream(*stream);
	return g_mime_parser_construct_message(parser, NULL);
}

GBytes *
md_compose(const MdComposeSpec *spec, gint64 now)
{
	g_autoptr(GMimeMessage) msg = g_mime_message_new(TRUE);
	GMimeObject *obj = GMIME_OBJECT(msg);
	g_autoptr(GMimeStream) source_stream = NULL;
	g_autoptr(GMimeMessage) source = NULL;
	g_autoptr(GDateTime) date = g_date_time_new_from_unix_local(now);
	g_autoptr(GMimeFormatOptions) fo = g_mime_format_options_new();
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GMimeStream) stream = NULL;
	g_autoptr(GMimeTextPart) body = g_mime_text_part_new_with_subtype(
	    "plain");
	g_autofree char *from_name = md_compose_clean_header(spec->from_name);
	g_autofree char *to_name = md_compose_clean_header(spec->to_name);
	g_autofree char *subject = md_compose_clean_header(spec->subject);
	g_autofree char *refs = angle_list(spec->in_reply_to,
	    spec->references);

	/* An address that could carry anything but itself is not used. */
	if (!md_compose_valid_address(spec->from_address) ||
	    !md_compose_valid_address(spec->to_address) ||
	    (spec->reply_to != NULL &&
	    !md_compose_valid_address(spec->reply_to)) ||
	    !valid_message_id(spec->message_id))
		return NULL;
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, from_name,
	    spec->from_address);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, to_name,
	    spec->to_address);
	for (guint i = 0; spec->cc != NULL && i < spec->cc->len; i++) {
		const MdMailbox *mb = g_ptr_array_index(spec->cc, i);
		g_autofree char *name = md_compose_clean_header(mb->name);

		if (md_compose_valid_address(mb->email))
			g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_CC,
			    name, mb->email);
	}
	if (spec->reply_to != NULL)
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO,
		    NULL, spec->reply_to);
	g_mime_message_set_subject(msg, subject, "utf-8");
	g_mime_message_set_date(msg, date);
	g_mime_message_set_message_id(msg, spec->message_id);
	if (valid_message_id(spec->in_reply_to)) {
		g_autofree char *irt = g_strdup_printf("<%s>",
		    spec->in_reply_to);

		set_header(obj, "In-Reply-To", irt);
	}
	if (*refs != '\0')
		set_header(obj, "References", refs);
	/* A person's answer relayed by us is no automatic mail. */
	if (spec->auto_submitted != NULL) {
		set_header(obj, "Auto-Submitted", spec->auto_submitted);
		/* Exchange's own way to say: do not answer this. */
		set_header(obj, "X-Auto-Response-Suppress", "All");
	}
	if (spec->x_loop != NULL)
		set_header(obj, "X-Loop", spec->x_loop);

	g_mime_text_part_set_text(body, spec->text);
	g_mime_part_set_content_encoding(GMIME_PART(body),
	    body_encoding(spec->text));
	if (spec->attach_raw != NULL && spec->attach_len > 0)
		source = parse_source(spec->attach_raw, spec->attach_len,
		    &source_stream);
	if (source != NULL) {
		g_autoptr(GMimeMultipart) mixed =
		    g_mime_multipart_new_with_subtype("mixed");

		g_mime_multipart_add(mixed, GMIME_OBJECT(body));
		add_attachments(mixed, g_mime_message_get_mime_part(source),
		    0);
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(mixed));
	} else
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(body));

	/* 7-bit safe for any relay; CRLF as SMTP wants it. */
	g_mime_object_encode(obj, GMIME_ENCODING_CONSTRAINT_7BIT);
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	stream = g_mime_stream_mem_new_with_byte_array(out);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	g_mime_object_write_to_stream(obj, fo, stream);
	g_mime_stream_flush(stream);
	return g_bytes_new(out->data, out->len);
}
