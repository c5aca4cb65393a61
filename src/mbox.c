/* SPDX-License-Identifier: MIT */
/*
 * The mbox format, mboxrd flavour, both ways: the export writes one, the
 * import reads one.  A mail is a "From " line, then the mail with every
 * line that is ">"s and "From " quoted by one more ">", then a blank line.
 * Reading undoes exactly that, so a mail read back is the bytes written.
 *
 * GMime's mbox parser finds the "From " lines; the mails are cut from the
 * file's own bytes between them, never from what GMime made of them, so
 * no header or line ending is rewritten on the way in.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "maildesk/autocleanups.h"
#include "maildesk/error.h"
#include "maildesk/mbox.h"

/* mboxrd: a "From " line, the mail with ">*From " lines quoted, a gap. */
void
md_mbox_append(GString *mbox, const guint8 *raw, gsize len, gint64 when)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(when);
	g_autofree char *date = g_date_time_format(dt, "%a %b %e %H:%M:%S %Y");
	const char *p = (const char *)raw, *end = p + len;

	g_string_append_printf(mbox, "From maildesk-export %s\n", date);
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *q = p;
		gsize n = nl ? (gsize)(nl - p + 1) : (gsize)(end - p);

		while (q < p + n && *q == '>')
			q++;
		if ((gsize)(p + n - q) >= 5 && memcmp(q, "From ", 5) == 0)
			g_string_append_c(mbox, '>');
		g_string_append_len(mbox, p, n);
		p += n;
	}
	if (len > 0 && raw[len - 1] != '\n')
		g_string_append_c(mbox, '\n');
	g_string_append_c(mbox, '\n');
}

/* mboxrd: the "From " line goes, and one '>' of ">From " lines. */
static GByteArray *
unquote(const char *p, gsize n)
{
	GByteArray *out = g_byte_array_sized_new(n);
	const char *end = p + n;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		gsize len = nl ? (gsize)(nl - p + 1) : (gsize)(end - p);
		const char *q = p;

		while (q < p + len && *q == '>')
			q++;
		if (q > p && (gsize)(p + len - q) >= 5 &&
		    memcmp(q, "From ", 5) == 0)
			g_byte_array_append(out, (const guint8 *)p + 1,
			    len - 1);
		else
			g_byte_array_append(out, (const guint8 *)p, len);
		p += len;
	}
	return out;
}

/*
 * Where the mail that begins at @from ends, given the next "From " line
 * (or the file's end) at @to: the blank line before it, LF or CRLF, is
 * the separator, not the mail.  The newline before the blank line may be
 * the "From " line's own, before @from.
 */
static const char *
mail_end(const char *data, const char *from, const char *to)
{
	const char *stop = to;

	if (to - data >= 2 && to[-1] == '\n' && to[-2] == '\n')
		stop = to - 1;
	else if (to - data >= 3 && to[-1] == '\n' && to[-2] == '\r' &&
	    to[-3] == '\n')
		stop = to - 2;
	return MAX(stop, from);
}

/*
 * A "From " line separates two mails only at the file's start or after
 * a blank line.  GMime ends a mail at every line that starts with
 * "From "; one that follows text is an unquoted body line (mboxo) and
 * stays in the mail.
 */
static gboolean
is_separator(const char *data, const char *line)
{
	return line == data || (line - data >= 2 && line[-1] == '\n' &&
	    (line[-2] == '\n' || (line - data >= 3 && line[-2] == '\r' &&
	    line[-3] == '\n')));
}

/* An mbox being read: the file's bytes and who gets each mail. */
typedef struct {
	const char *data;
	gsize len;
	MdMboxFunc fn;
	gpointer user_data;
} Reader;

/* Hands over the mail of the "From " line at @from, up to @to. */
static gboolean
emit(Reader *r, gint64 from, gint64 to, GError **error)
{
	const char *line = r->data + from, *stop = r->data + to;
	const char *nl = memchr(line, '\n', stop - line);
	const char *start = nl != NULL ? nl + 1 : stop;
	g_autoptr(GByteArray) raw = NULL;

	stop = mail_end(r->data, start, stop);
	if (stop == start)
		return TRUE;	/* a "From " line and no mail */
	raw = unquote(start, stop - start);
	return r->fn(g_byte_array_free_to_bytes(g_steal_pointer(&raw)),
	    r->user_data, error);
}

/*
 * GMime's mbox parser finds each "From " line that begins a mail; the
 * mail before it goes out as soon as it is found.  A mail GMime cannot
 * parse still has its "From " line: the parser starts again on the line
 * after it.  The stream takes @fd.
 */
static gboolean
read_mails(Reader *r, int fd, GError **error)
{
	g_autoptr(GMimeStream) stream = g_mime_stream_fs_new(fd);
	g_autoptr(GMimeParser) parser = g_mime_parser_new();
	gint64 prev = -1;

	g_mime_parser_init_with_stream(parser, stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MBOX);
	while (!g_mime_parser_eos(parser)) {
		g_autoptr(GMimeMessage) msg =
		    g_mime_parser_construct_message(parser, NULL);
		g_autofree char *from = g_mime_parser_get_mbox_marker(parser);
		gint64 at = g_mime_parser_get_mbox_marker_offset(parser);
		const char *nl;

		if (from == NULL)
			break;		/* no "From " line left */
		if (at <= prev || (guint64)at >= r->len) {
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "mbox: a mail boundary out of order");
			return FALSE;
		}
		if (is_separator(r->data, r->data + at)) {
			if (prev >= 0 && !emit(r, prev, at, error))
				return FALSE;
			prev = at;
		}
		if (msg != NULL)
			continue;
		nl = memchr(r->data + at, '\n', r->len - at);
		if (nl == NULL ||
		    g_mime_stream_seek(stream, nl + 1 - r->data,
		    GMIME_STREAM_SEEK_SET) < 0)
			break;
		g_mime_parser_init_with_stream(parser, stream);
	}
	return prev < 0 || emit(r, prev, r->len, error);
}

gboolean
md_mbox_read(const char *path, MdMboxFunc fn, gpointer user_data,
    GError **error)
{
	g_autoptr(GMappedFile) f = NULL;
	g_autoptr(GError) e = NULL;
	Reader r = { .fn = fn, .user_data = user_data };
	struct stat st;
	int fd;

	fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		int err = errno;

		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "cannot open %s: %s", path, g_strerror(err));
		return FALSE;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "%s is not an mbox (not a file)", path);
		return FALSE;
	}
	if (st.st_size == 0) {
		close(fd);
		return TRUE;	/* an mbox without mail */
	}
	f = g_mapped_file_new_from_fd(fd, FALSE, &e);
	if (f == NULL) {
		close(fd);
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "cannot read %s: %s", path, e->message);
		return FALSE;
	}
	r.data = g_mapped_file_get_contents(f);
	r.len = g_mapped_file_get_length(f);
	if (r.len < 5 || memcmp(r.data, "From ", 5) != 0) {
		close(fd);
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "%s is not an mbox (no \"From \" line first)",
		    path);
		return FALSE;
	}
	/* The stream owns @fd from here on. */
	return read_mails(&r, fd, error);
}
