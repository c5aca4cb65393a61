/* SPDX-License-Identifier: MIT */
/*
 * Transfer encodings, tolerant of what mailers get wrong.  GMime's base64
 * decoder holds back a group of two or three characters until a fourth
 * arrives, so an unpadded attachment loses its last one or two bytes; we
 * finish that group with the padding the mailer left out.  GMime decodes
 * uuencode only after a "begin" line; we start it ourselves.  Never a
 * decoder of our own: the bits are turned into bytes by
 * g_mime_encoding_base64_decode_step and g_mime_encoding_uudecode_step.
 */
#include <string.h>

#include "maildesk/transfer.h"

static gboolean
is_base64_char(char c)
{
	return g_ascii_isalnum(c) || c == '+' || c == '/' || c == '=';
}

void
md_base64_init(MdBase64 *b)
{
	memset(b, 0, sizeof *b);
}

/* A line of base64 (of whole groups, if it ends within @len). */
static gboolean
is_base64_line(const char *p, gsize len)
{
	const char *nl = memchr(p, '\n', len);
	gsize n = nl ? (gsize)(nl - p) : len;

	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
		n--;
	if (n == 0 || (nl != NULL && n % 4 != 0))
		return FALSE;
	for (gsize i = 0; i < n; i++)
		if (!is_base64_char(p[i]))
			return FALSE;
	return TRUE;
}

gsize
md_base64_step(MdBase64 *b, const char *in, gsize len, guint8 *out)
{
	gsize total = 0;

	while (len > 0 && !b->done) {
		const char *eq;
		gsize n;

		/*
		 * GMime ends the stream at the padding.  Some encoders pad
		 * every line; a mailing list may add its footer after the
		 * end.  Go on only where a line of base64 follows.
		 */
		if (b->state == -1) {
			while (len > 0 && (*in == '=' || g_ascii_isspace(*in))) {
				in++;
				len--;
			}
			if (len == 0)
				break;
			if (!is_base64_line(in, len)) {
				b->done = TRUE;
				break;
			}
			b->state = 0;
			b->save = 0;
		}
		eq = memchr(in, '=', len);
		n = eq ? (gsize)(eq - in) + 1 : len;
		total += g_mime_encoding_base64_decode_step((const guchar *)in,
		    n, out + total, &b->state, &b->save);
		in += n;
		len -= n;
	}
	return total;
}

gsize
md_base64_finish(MdBase64 *b, guint8 *out)
{
	/*
	 * @state counts the characters of the unfinished group (GMime's
	 * documented state).  Two are one byte, three are two: the padding
	 * the mailer left out finishes them.  One is no byte.
	 */
	if (b->done)
		return 0;
	if (b->state == 2)
		return md_base64_step(b, "==", 2, out);
	if (b->state == 3)
		return md_base64_step(b, "=", 1, out);
	return 0;
}

void
md_base64_decode_into(const char *in, gsize len, GByteArray *out)
{
	MdBase64 b;
	gsize old = out->len;
	gsize n;

	md_base64_init(&b);
	g_byte_array_set_size(out, old + len / 4 * 3 + 6);
	n = md_base64_step(&b, in, len, out->data + old);
	n += md_base64_finish(&b, out->data + old + n);
	g_byte_array_set_size(out, old + n);
}

void
md_qword_decode_into(const char *in, gsize len, GByteArray *out)
{
	g_autofree guchar *copy = g_malloc(len + 1);
	gsize old = out->len;
	int state = 0;
	guint32 save = 0;
	gsize n;

	/* "Q" is quoted-printable with '_' for a space (RFC 2047 4.2). */
	for (gsize i = 0; i < len; i++)
		copy[i] = in[i] == '_' ? ' ' : in[i];
	g_byte_array_set_size(out, old + len + 4);
	n = g_mime_encoding_quoted_decode_step(copy, len, out->data + old,
	    &state, &save);
	g_byte_array_set_size(out, old + n);
}

/* The length of the line at @p (without its LF). */
static gsize
line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', end - p);

	return (nl ? nl : end) - p;
}

static gboolean
is_end_line(const char *p, gsize n)
{
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
		n--;
	return n == 3 && memcmp(p, "end", 3) == 0;
}

/* "begin 644 name": three or four octal digits, a space, a name. */
static gboolean
is_begin_line(const char *p, gsize n, const char **name)
{
	gsize i = 6;

	if (n < 10 || memcmp(p, "begin ", 6) != 0)
		return FALSE;
	while (i < n && p[i] >= '0' && p[i] <= '7')
		i++;
	if (i - 6 < 3 || i - 6 > 4 || i >= n || p[i] != ' ')
		return FALSE;
	*name = p + i + 1;
	return TRUE;
}

void
md_uudecode_into(const char *text, gsize len, GByteArray *out)
{
	const char *p = text, *end = text + len, *start = text;
	int state = GMIME_UUDECODE_STATE_BEGIN;
	guint32 save = 0;
	gsize old = out->len;
	gsize n;

	/* After a "begin" line among the first lines, if there is one. */
	for (int i = 0; i < 8 && p < end; i++) {
		gsize l = line_len(p, end);
		const char *name;

		if (is_begin_line(p, l, &name)) {
			start = p + l + (p + l < end);
			break;
		}
		p += l + 1;
	}
	/* Blank lines before the data would read as its end. */
	while (start < end && (*start == '\n' || *start == '\r'))
		start++;
	/* Up to the "end" line: without the empty line before it, "end"
	 * would be read as data. */
	for (p = start; p < end; ) {
		gsize l = line_len(p, end);

		if (is_end_line(p, l)) {
			end = p;
			break;
		}
		p += l + 1;
	}
	if (start >= end)
		return;
	g_byte_array_set_size(out, old + (end - start) + 4);
	n = g_mime_encoding_uudecode_step((const guchar *)start, end - start,
	    out->data + old, &state, &save);
	g_byte_array_set_size(out, old + n);
}

/* A line of uuencoded data: its first character gives its length. */
static gboolean
is_uu_line(const char *p, gsize n)
{
	gsize bytes, chars;

	while (n > 0 && p[n - 1] == '\r')
		n--;
	if (n == 0 || p[0] < 0x20 || p[0] > 0x60)
		return FALSE;
	bytes = (p[0] - 0x20) & 0x3f;
	chars = (bytes + 2) / 3 * 4;
	for (gsize i = 1; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x60)
			return FALSE;
	/* Some encoders drop trailing spaces, some add a checksum. */
	return n - 1 <= chars + 2 && n - 1 + 2 >= chars;
}

gboolean
md_uuencoded_find(const char *text, gsize from, gsize *start, gsize *end,
    char **name)
{
	const char *base = text + from, *stop = text + strlen(text);
	const char *p = base;

	while (p < stop) {
		const char *b = strstr(p, "begin ");
		const char *fname, *q;
		gsize l;

		if (b == NULL)
			return FALSE;
		if (b != text && b[-1] != '\n') {
			p = b + 6;
			continue;
		}
		l = line_len(b, stop);
		if (!is_begin_line(b, l, &fname)) {
			p = b + 6;
			continue;
		}
		/* Data lines, then "end". */
		for (q = b + l + 1; q < stop; ) {
			gsize ql = line_len(q, stop);

			if (is_end_line(q, ql)) {
				*start = b - text;
				*end = MIN((gsize)(q + ql + 1 - text),
				    (gsize)(stop - text));
				*name = g_strstrip(g_strndup(fname,
				    b + l - fname));
				return TRUE;
			}
			if (!is_uu_line(q, ql))
				break;
			q += ql + 1;
		}
		p = b + 6;
	}
	return FALSE;
}

#define CHUNK 16384


/*
 * Text a mailer labelled base64 by mistake: base64 lines hold no
 * punctuation and no space between characters, so when most of the first
 * lines do, the part is read as it stands (decoding it would turn prose
 * into noise).
 */
static gboolean
is_not_base64(const char *buf, gsize len)
{
	guint lines = 0, text = 0;

	for (const char *p = buf, *end = buf + len; p < end && lines < 20; ) {
		const char *nl = memchr(p, '\n', end - p);
		const char *e = nl ? nl : end;
		gboolean prose = FALSE, any = FALSE;

		while (e > p && g_ascii_isspace(e[-1]))
			e--;
		for (const char *c = p; c < e; c++) {
			if (!g_ascii_isspace(*c))
				any = TRUE;
			if ((*c == ' ' || *c == '\t') && any)
				prose = TRUE;
			else if (!is_base64_char(*c) && !g_ascii_isspace(*c))
				prose = TRUE;
		}
		if (any) {
			lines++;
			text += prose;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return lines > 0 && text * 2 >= lines;
}

static gint64
write_base64(GMimeStream *in, GMimeStream *sink)
{
	g_autofree char *buf = g_malloc(CHUNK);
	g_autofree guint8 *out = g_malloc(CHUNK / 4 * 3 + 8);
	gint64 total = 0;
	MdBase64 b;
	gssize n;
	gsize m;

	n = g_mime_stream_read(in, buf, CHUNK);
	if (n > 0 && is_not_base64(buf, n)) {
		g_mime_stream_reset(in);
		return g_mime_stream_write_to_stream(in, sink);
	}
	if (n > 0)
		g_mime_stream_reset(in);
	md_base64_init(&b);
	while ((n = g_mime_stream_read(in, buf, CHUNK)) > 0) {
		m = md_base64_step(&b, buf, n, out);
		if (m > 0 && g_mime_stream_write(sink, (char *)out, m) < 0)
			return -1;
		total += m;
	}
	m = md_base64_finish(&b, out);
	if (m > 0 && g_mime_stream_write(sink, (char *)out, m) < 0)
		return -1;
	return total + m;
}

static gint64
write_uuencode(GMimeStream *in, GMimeStream *sink)
{
	g_autoptr(GByteArray) text = g_byte_array_new();
	g_autoptr(GByteArray) out = g_byte_array_new();
	GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(text);

	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_mime_stream_write_to_stream(in, mem);
	g_object_unref(mem);
	md_uudecode_into((const char *)text->data, text->len, out);
	if (out->len > 0 && g_mime_stream_write(sink, (char *)out->data,
	    out->len) < 0)
		return -1;
	return out->len;
}

gint64
md_transfer_write_part(GMimePart *part, GMimeStream *sink)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *in;

	if (content == NULL)
		return 0;
	in = g_mime_data_wrapper_get_stream(content);
	switch (g_mime_data_wrapper_get_encoding(content)) {
	case GMIME_CONTENT_ENCODING_BASE64:
		g_mime_stream_reset(in);
		return write_base64(in, sink);
	case GMIME_CONTENT_ENCODING_UUENCODE:
		g_mime_stream_reset(in);
		return write_uuencode(in, sink);
	default:
		return g_mime_data_wrapper_write_to_stream(content, sink);
	}
}
