/* SPDX-License-Identifier: MIT */
/*
 * The mbox format, mboxrd flavour, both ways: the export writes one, the
 * import reads one.  A mail is a "From " line, then the mail with every
 * line that is ">"s and "From " quoted by one more ">", then a blank line.
 * Reading undoes exactly that, so a mail read back is the bytes written.
 */
#include <string.h>

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

gboolean
md_mbox_read(const char *path, MdMboxFunc fn, gpointer user_data,
    GError **error)
{
	g_autoptr(GMappedFile) f = NULL;
	g_autoptr(GError) e = NULL;
	const char *data, *end, *start = NULL, *p;

	f = g_mapped_file_new(path, FALSE, &e);
	if (f == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "%s",
		    e->message);
		return FALSE;
	}
	data = g_mapped_file_get_contents(f);
	end = data + g_mapped_file_get_length(f);
	if (data == NULL || end - data < 5 || memcmp(data, "From ", 5) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "%s is not an mbox (no \"From \" line first)",
		    path);
		return FALSE;
	}
	/* A message starts after a "From " line at the file's start or
	 * after a blank line; the blank line before the next one is the
	 * separator, not part of the message. */
	for (p = data; p < end;) {
		const char *nl = memchr(p, '\n', end - p);
		const char *next = nl ? nl + 1 : end;
		gboolean marker = (end - p >= 5 && memcmp(p, "From ", 5) == 0 &&
		    (p == data || (p - data >= 2 && p[-1] == '\n' &&
		    (p[-2] == '\n' || (p - data >= 3 && p[-2] == '\r' &&
		    p[-3] == '\n')))));

		if (marker) {
			if (start != NULL) {
				const char *stop = p - 1;
				g_autoptr(GByteArray) raw = NULL;

				if (stop > start && stop[-1] == '\r')
					stop--;
				raw = unquote(start, stop - start);
				if (!fn(g_byte_array_free_to_bytes(
				    g_steal_pointer(&raw)), user_data, error))
					return FALSE;
			}
			start = next;
		}
		p = next;
	}
	if (start != NULL && start < end) {
		const char *stop = end;
		g_autoptr(GByteArray) raw = NULL;

		if (stop > start && stop[-1] == '\n' && stop - start >= 2 &&
		    stop[-2] == '\n')
			stop--;
		raw = unquote(start, stop - start);
		if (!fn(g_byte_array_free_to_bytes(
		    g_steal_pointer(&raw)), user_data, error))
			return FALSE;
	}
	return TRUE;
}
