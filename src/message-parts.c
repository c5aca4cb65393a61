/* SPDX-License-Identifier: MIT */
/*
 * Which parts of a mail are its body and which are attachments, decided
 * as a mail client shows them: of a multipart/alternative only the chosen
 * text/plain and text/html count (the other alternatives are no
 * attachments); inline text parts between inline images (Apple Mail) are
 * one body, in order; every other leaf part is an attachment, and every
 * attachment has a name.  Sizes are of the decoded bytes, and of an
 * attached message its bytes as they stand in the mail, never GMime's
 * re-serialisation.  Attachments are digested as a stream, never held.
 */
#define _GNU_SOURCE	/* memmem */
#include <string.h>

#include <gio/gio.h>

#include "maildesk/autocleanups.h"
#include "maildesk/charset.h"
#include "maildesk/digest.h"
#include "maildesk/header-text.h"
#include "maildesk/message-parts.h"
#include "maildesk/mime-text.h"
#include "maildesk/tnef.h"
#include "maildesk/transfer.h"

#define MAX_DEPTH 32

static void walk(MdPartWalk *w, GMimeObject *obj, GMimeObject *parent,
    int depth);

char *
md_message_parts_mime_type(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	g_autofree char *type = ct ? g_mime_content_type_get_mime_type(ct) :
	    NULL;

	return g_ascii_strdown(type ? type : "application/octet-stream", -1);
}

static gboolean
is_type(GMimeObject *obj, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct != NULL && g_mime_content_type_is_type(ct, type, subtype);
}

const char *
md_message_parts_raw_header(GMimeObject *obj, const char *name)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(obj);
	GMimeHeader *h = list ? g_mime_header_list_get_header(list, name) :
	    NULL;

	return h ? g_mime_header_get_raw_value(h) : NULL;
}

/*
 * A parameter of Content-Disposition or Content-Type, decoded: RFC 2231
 * by GMime, RFC 2047 words and raw 8-bit bytes by header-text.c (GMime
 * would cut a name at a padded base64 word).
 */
static char *
part_param(MdPartWalk *w, GMimeObject *obj, gboolean disposition,
    const char *param)
{
	const char *raw = md_message_parts_raw_header(obj, disposition ?
	    "Content-Disposition" : "Content-Type");
	g_autofree char *text = NULL;
	const char *v = NULL;
	char *r;

	if (raw == NULL)
		return NULL;
	if (md_header_text_is_plain(raw)) {
		if (disposition) {
			GMimeContentDisposition *cd =
			    g_mime_object_get_content_disposition(obj);

			v = cd ? g_mime_content_disposition_get_parameter(cd,
			    param) : NULL;
		} else
			v = g_mime_object_get_content_type_parameter(obj,
			    param);
		return md_header_text_one_line(v);
	}
	text = md_header_text_structured(raw, w->hint, &w->name_guess);
	if (disposition) {
		g_autoptr(GMimeContentDisposition) cd =
		    g_mime_content_disposition_parse(w->options, text);

		v = cd ? g_mime_content_disposition_get_parameter(cd, param) :
		    NULL;
		r = md_header_text_one_line(v);
	} else {
		g_autoptr(GMimeContentType) ct = g_mime_content_type_parse(
		    w->options, text);

		v = ct ? g_mime_content_type_get_parameter(ct, param) : NULL;
		r = md_header_text_one_line(v);
	}
	return r;
}

/* The last path component of a location or a made-up name. */
static char *
base_name(char *name)
{
	char *slash;

	if (name == NULL)
		return NULL;
	slash = strrchr(name, '/');
	if (slash == NULL || strrchr(name, '\\') > slash)
		slash = strrchr(name, '\\');
	if (slash != NULL)
		memmove(name, slash + 1, strlen(slash + 1) + 1);
	g_strstrip(name);
	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		g_free(name);
		return NULL;
	}
	return name;
}

/* The name as given (a path in it is data, never a place), or NULL. */
static char *
non_empty(char *name)
{
	if (name != NULL && name[0] == '\0')
		g_clear_pointer(&name, g_free);
	return name;
}

/* The name a part gives itself, or NULL. */
static char *
given_name(MdPartWalk *w, GMimeObject *obj)
{
	char *name;
	const char *location;

	if ((name = non_empty(part_param(w, obj, TRUE, "filename"))) !=
	    NULL || (name = non_empty(part_param(w, obj, FALSE, "name"))) !=
	    NULL)
		return name;
	/* Some clients only name the part through Content-Location. */
	location = g_mime_object_get_header(obj, "Content-Location");
	if (location != NULL) {
		g_autofree char *l = md_header_text_one_line(location);
		char *q = strpbrk(l, "?#");

		if (q != NULL)
			*q = '\0';
		return base_name(g_strdup(l));
	}
	return NULL;
}

/* A file name extension for a content type without a name. */
static const char *
extension(const char *type)
{
	static const char *const map[][2] = {
		{ "text/plain", "txt" }, { "text/html", "html" },
		{ "text/calendar", "ics" }, { "text/enriched", "txt" },
		{ "text/rfc822-headers", "txt" }, { "message/rfc822", "eml" },
		{ "message/global", "eml" },
		{ "message/delivery-status", "txt" },
		{ "message/global-delivery-status", "txt" },
		{ "message/disposition-notification", "txt" },
		{ "message/feedback-report", "txt" },
		{ "image/jpeg", "jpg" }, { "image/svg+xml", "svg" },
		{ "application/octet-stream", "bin" },
		{ "application/pgp-signature", "asc" },
		{ "application/pgp-encrypted", "asc" },
		{ "application/pkcs7-signature", "p7s" },
		{ "application/x-pkcs7-signature", "p7s" },
		{ "application/pkcs7-mime", "p7m" },
		{ "application/x-pkcs7-mime", "p7m" },
		{ "application/ms-tnef", "dat" },
		{ "application/vnd.ms-tnef", "dat" },
		{ "application/msword", "doc" },
		{ "application/vnd.ms-excel", "xls" },
		{ "application/x-zip-compressed", "zip" },
		{ "application/postscript", "ps" },
	};
	const char *sub = strchr(type, '/');
	gsize n;

	for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
		if (strcmp(type, map[i][0]) == 0)
			return map[i][1];
	if (sub == NULL)
		return "bin";
	sub++;
	if (g_str_has_prefix(sub, "vnd.openxmlformats-officedocument.")) {
		if (strstr(sub, "wordprocessing") != NULL)
			return "docx";
		if (strstr(sub, "spreadsheet") != NULL)
			return "xlsx";
		if (strstr(sub, "presentation") != NULL)
			return "pptx";
	}
	if (g_str_has_prefix(sub, "x-"))
		sub += 2;
	n = strlen(sub);
	if (n == 0 || n > 5)
		return "bin";
	for (gsize i = 0; i < n; i++)
		if (!g_ascii_isalnum(sub[i]))
			return "bin";
	return sub;
}

/* "image-2.png", "part-3.html": the leaf's place in the mail and type. */
static char *
made_name(const char *type, guint leaf)
{
	const char *stem = "part";

	if (g_str_has_prefix(type, "image/"))
		stem = "image";
	else if (g_str_has_prefix(type, "audio/"))
		stem = "audio";
	else if (g_str_has_prefix(type, "video/"))
		stem = "video";
	else if (g_str_has_prefix(type, "message/"))
		stem = "message";
	return g_strdup_printf("%s-%u.%s", stem, leaf, extension(type));
}

/* A type for a file that came without one (uuencode, TNEF). */
static char *
type_from_name(const char *name)
{
	g_autofree char *ct = NULL;
	char *type = NULL;

	if (name != NULL) {
		ct = g_content_type_guess(name, NULL, 0, NULL);
		type = ct ? g_content_type_get_mime_type(ct) : NULL;
	}
	return type ? type : g_strdup("application/octet-stream");
}

static MdAttachment *
attachment_new(char *name, char *type, const char *disposition)
{
	MdAttachment *a = g_new0(MdAttachment, 1);

	a->filename = name;
	a->content_type = type;
	a->disposition = g_strdup(disposition);
	return a;
}

static void
digest_bytes(MdAttachment *a, const guint8 *data, gsize len)
{
	a->size = len;
	a->sha256 = md_digest_sha256_hex(data, len);
}

/* Size and SHA-256 of the decoded content, streamed, never stored. */
static void
digest_part(GMimePart *part, MdAttachment *a)
{
	GMimeStream *null = g_mime_stream_null_new();
	GMimeStream *filtered = g_mime_stream_filter_new(null);
	GMimeFilter *sum = md_digest_filter_new();

	g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), sum);
	md_transfer_write_part(part, filtered);
	g_mime_stream_flush(filtered);
	a->size = GMIME_STREAM_NULL(null)->written;
	a->sha256 = md_digest_filter_hex(sum);
	g_object_unref(sum);
	g_object_unref(filtered);
	g_object_unref(null);
}

static GByteArray *
decoded_bytes(GMimePart *part)
{
	GByteArray *bytes = g_byte_array_new();
	GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(bytes);

	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	md_transfer_write_part(part, mem);
	g_object_unref(mem);
	return bytes;
}

/*
 * Where the body of @obj stands in the parsed bytes: from the end of its
 * header block to the line break before the next delimiter of @parent.
 */
static gboolean
body_span(MdPartWalk *w, GMimeObject *obj, GMimeObject *parent,
    gsize *start, gsize *end)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(obj);
	int n = list ? g_mime_header_list_get_count(list) : 0;
	gint64 off;
	gsize s, e = w->len;

	if (n == 0)
		return FALSE;
	off = g_mime_header_get_offset(g_mime_header_list_get_header_at(list,
	    n - 1));
	if (off < 0 || (guint64)off >= w->len)
		return FALSE;
	md_header_text_block_end(w->buf, w->len, off, &s);
	if (parent != NULL && GMIME_IS_MULTIPART(parent)) {
		const char *b = g_mime_multipart_get_boundary(
		    GMIME_MULTIPART(parent));
		g_autofree char *delim = b ? g_strconcat("\n--", b, NULL) :
		    NULL;
		const guint8 *hit = NULL;

		if (delim == NULL)
			return FALSE;
		if (w->len - s >= strlen(delim) - 1 &&
		    memcmp(w->buf + s, delim + 1, strlen(delim) - 1) == 0)
			hit = w->buf + s - 1;	/* an empty body */
		else
			hit = memmem(w->buf + s, w->len - s, delim,
			    strlen(delim));
		if (hit != NULL) {
			e = hit - w->buf;
			if (e > s && w->buf[e - 1] == '\r')
				e--;
		}
	}
	*start = s;
	*end = MAX(s, e);
	return TRUE;
}

static void
add_message_part(MdPartWalk *w, GMimeObject *obj, GMimeObject *parent)
{
	GMimeMessage *inner = g_mime_message_part_get_message(
	    GMIME_MESSAGE_PART(obj));
	MdAttachment *a;
	char *name = given_name(w, obj);
	gsize s, e;

	if (name == NULL && inner != NULL) {
		const char *raw = md_message_parts_raw_header(
		    GMIME_OBJECT(inner), "Subject");
		g_autofree char *subject = raw ? md_header_text_decode(raw,
		    w->hint, &w->name_guess) : NULL;

		if (subject != NULL && subject[0] != '\0')
			name = g_strconcat(subject, ".eml", NULL);
	}
	a = attachment_new(name, md_message_parts_mime_type(obj), "message");
	if (a->filename == NULL)
		a->filename = made_name(a->content_type, w->leaf);
	if (body_span(w, obj, parent, &s, &e))
		digest_bytes(a, w->buf + s, e - s);
	else
		digest_bytes(a, (const guint8 *)"", 0);
	g_ptr_array_add(w->m->attachments, a);
}

/* Message-ID lines of an embedded header block (text/rfc822-headers). */
static void
ids_from_header_text(MdMessage *m, const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (char **l = lines; *l != NULL; l++)
		if (g_ascii_strncasecmp(*l, "Message-ID:", 11) == 0) {
			char *id = md_header_text_clean_id(*l + 11);

			if (id != NULL)
				g_ptr_array_add(m->original_ids, id);
		}
}

static void
tnef_file(const char *name, const char *mime_type, guint64 size,
    const char *sha256, gpointer data)
{
	MdPartWalk *w = data;
	char *n = non_empty(md_header_text_one_line(name));
	MdAttachment *a = attachment_new(n, mime_type ?
	    g_ascii_strdown(mime_type, -1) : type_from_name(n), "attachment");

	if (a->filename == NULL)
		a->filename = made_name(a->content_type, w->leaf);
	a->size = size;
	a->sha256 = g_strdup(sha256);
	g_ptr_array_add(w->m->attachments, a);
}

static gboolean
is_tnef(GMimeObject *obj, const char *name)
{
	return is_type(obj, "application", "ms-tnef") ||
	    is_type(obj, "application", "vnd.ms-tnef") ||
	    (name != NULL && g_ascii_strcasecmp(name, "winmail.dat") == 0);
}

/* winmail.dat: its files instead of it, when libytnef can read it. */
static gboolean
add_tnef(MdPartWalk *w, GMimePart *part)
{
	g_autoptr(GByteArray) bytes = decoded_bytes(part);
	g_autofree char *body = NULL;

	if (!md_tnef_unpack(bytes->data, bytes->len, tnef_file, w, &body))
		return FALSE;
	if (body != NULL && w->tnef_body == NULL)
		w->tnef_body = g_steal_pointer(&body);
	return TRUE;
}

static void
add_leaf(MdPartWalk *w, GMimePart *part, const char *disposition)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	char *name = given_name(w, obj);
	MdAttachment *a;
	const char *cid;

	if (is_tnef(obj, name) && add_tnef(w, part)) {
		g_free(name);
		return;
	}
	a = attachment_new(name, md_message_parts_mime_type(obj), disposition);
	if (a->filename == NULL)
		a->filename = made_name(a->content_type, w->leaf);
	cid = g_mime_object_get_content_id(obj);
	a->content_id = cid ? md_header_text_one_line(cid) : NULL;
	digest_part(part, a);
	g_ptr_array_add(w->m->attachments, a);
}

/* Text with uuencoded files cut out, each file an attachment. */
static char *
cut_uuencoded(MdPartWalk *w, char *text)
{
	gsize from = 0, start, end;
	char *name;

	if (strstr(text, "begin ") == NULL)
		return text;
	while (md_uuencoded_find(text, from, &start, &end, &name)) {
		g_autoptr(GByteArray) bytes = g_byte_array_new();
		g_autofree char *given = name;
		MdAttachment *a;

		md_uudecode_into(text + start, end - start, bytes);
		if (bytes->len == 0) {
			from = end;
			continue;
		}
		name = non_empty(md_header_text_one_line(given));
		a = attachment_new(name, type_from_name(name), "attachment");
		if (a->filename == NULL)
			a->filename = made_name(a->content_type, w->leaf);
		digest_bytes(a, bytes->data, bytes->len);
		g_ptr_array_add(w->m->attachments, a);
		memmove(text + start, text + end, strlen(text + end) + 1);
		from = start;
	}
	return text;
}

/* Inline text parts one after another are one body, in order. */
static void
append_text(char **field, char *text)
{
	char *joined;

	if (*field == NULL) {
		*field = text;
		return;
	}
	if (text[0] == '\0') {
		g_free(text);
		return;
	}
	joined = g_strconcat(*field, g_str_has_suffix(*field, "\n") ||
	    (*field)[0] == '\0' ? "" : "\n", text, NULL);
	g_free(*field);
	g_free(text);
	*field = joined;
}

static char *
part_text(MdPartWalk *w, GMimePart *part)
{
	g_autoptr(GByteArray) bytes = decoded_bytes(part);
	const char *charset = g_mime_object_get_content_type_parameter(
	    GMIME_OBJECT(part), "charset");
	const char *g = NULL;
	char *text;

	/* HTML that says its charset only inside, as web forms send it. */
	if (md_charset_is_undeclared(charset) &&
	    is_type(GMIME_OBJECT(part), "text", "html"))
		charset = md_mime_text_html_charset((const char *)bytes->data,
		    bytes->len);
	text = md_mime_text_to_utf8((const char *)bytes->data,
	    bytes->len, charset, NULL, &g);

	if (g != NULL && w->body_guess == NULL)
		w->body_guess = g;
	return text;
}

/* A text/plain or text/html part that a client shows as the text. */
static gboolean
is_body_text(GMimeObject *obj)
{
	GMimeContentDisposition *cd;
	const char *d;

	if (!GMIME_IS_PART(obj) || !(is_type(obj, "text", "plain") ||
	    is_type(obj, "text", "html")))
		return FALSE;
	cd = g_mime_object_get_content_disposition(obj);
	d = cd ? g_mime_content_disposition_get_disposition(cd) : NULL;
	if (d != NULL && g_ascii_strcasecmp(d, "attachment") == 0)
		return FALSE;
	/* A named text part is a file, shown inline or not. */
	return g_mime_part_get_filename(GMIME_PART(obj)) == NULL;
}

static void
walk_part(MdPartWalk *w, GMimePart *part)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	const char *disp = g_mime_part_is_attachment(part) ? "attachment" :
	    "inline";

	if (is_body_text(obj)) {
		char *text = part_text(w, part);

		if (is_type(obj, "text", "html"))
			append_text(&w->m->html, text);
		else
			append_text(&w->m->text, cut_uuencoded(w, text));
		return;
	}
	if (is_type(obj, "text", "rfc822-headers")) {
		g_autofree char *t = part_text(w, part);

		ids_from_header_text(w->m, t);
	}
	add_leaf(w, part, disp);
}

/* TRUE if @obj is or holds a text/html part shown as the body. */
static gboolean
holds_html(GMimeObject *obj, int depth)
{
	if (depth > MAX_DEPTH)
		return FALSE;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);

		for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
			if (holds_html(g_mime_multipart_get_part(mp, i),
			    depth + 1))
				return TRUE;
		return FALSE;
	}
	return is_body_text(obj) && is_type(obj, "text", "html");
}

/*
 * multipart/alternative: the last plain text and the last rich version
 * (RFC 2046: the last is the best) are walked; the other alternatives
 * say the same again and are no attachments.
 */
static void
walk_alternative(MdPartWalk *w, GMimeMultipart *mp, int depth)
{
	int n = g_mime_multipart_get_count(mp);
	int plain = -1, rich = -1;

	for (int i = 0; i < n; i++) {
		GMimeObject *c = g_mime_multipart_get_part(mp, i);

		if (holds_html(c, depth))
			rich = i;
		else if (is_body_text(c) || GMIME_IS_MULTIPART(c))
			plain = i;
	}
	if (plain < 0 && rich < 0)
		plain = n - 1;
	for (int i = 0; i < n; i++)
		if (i == plain || i == rich)
			walk(w, g_mime_multipart_get_part(mp, i),
			    GMIME_OBJECT(mp), depth + 1);
		else
			w->leaf++;
}

static void
walk(MdPartWalk *w, GMimeObject *obj, GMimeObject *parent, int depth)
{
	if (obj == NULL || depth > MAX_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);

		if (is_type(obj, "multipart", "alternative")) {
			walk_alternative(w, mp, depth);
			return;
		}
		for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
			walk(w, g_mime_multipart_get_part(mp, i), obj,
			    depth + 1);
		return;
	}
	w->leaf++;
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));

		/* A DSN carries the original; remember what it reports on. */
		if (inner != NULL && g_mime_message_get_message_id(inner)) {
			char *id = md_header_text_clean_id(
			    g_mime_message_get_message_id(inner));

			if (id != NULL)
				g_ptr_array_add(w->m->original_ids, id);
		}
		add_message_part(w, obj, parent);
		return;
	}
	if (GMIME_IS_PART(obj))
		walk_part(w, GMIME_PART(obj));
}

void
md_message_parts_walk(MdPartWalk *w, GMimeObject *body)
{
	walk(w, body, NULL, 0);
	if (w->m->text == NULL && w->m->html == NULL && w->tnef_body != NULL)
		w->m->text = g_steal_pointer(&w->tnef_body);
	g_clear_pointer(&w->tnef_body, g_free);
}
