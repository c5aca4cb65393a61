/* SPDX-License-Identifier: MIT */
/*
 * Charset conversion to UTF-8 for bodies.  GMime decodes headers with the
 * parser's fallback charsets; for bodies we do the same by hand here, so
 * undeclared 8-bit text from old clients reads right.  The result is valid
 * UTF-8 without NULs and with LF line ends, whatever came in.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/mime-text.h"

/* CRLF -> LF and NULs dropped, in place; @s is NUL-terminated at @len. */
static char *
tidy(char *s, gsize len)
{
	gsize o = 0;

	for (gsize i = 0; i < len; i++) {
		if (s[i] == '\0')
			continue;
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		s[o++] = s[i];
	}
	s[o] = '\0';
	return s;
}

static char *
try_convert(const char *data, gsize len, const char *charset)
{
	const char *iconv_name = g_mime_charset_iconv_name(charset);
	gsize written = 0;
	char *out;

	if (iconv_name == NULL)
		return NULL;
	out = g_convert(data, len, "UTF-8", iconv_name, NULL, &written, NULL);
	if (out == NULL)
		return NULL;
	tidy(out, written);
	if (!g_utf8_validate(out, -1, NULL)) {
		g_free(out);
		return NULL;
	}
	return out;
}

/*
 * Labels that mean windows-1252 in practice (as in the WHATWG encoding
 * standard): mail declared Latin-1 often carries "€" or typographic quotes
 * in the 0x80-0x9f range.
 */
static gboolean
means_windows_1252(const char *charset)
{
	static const char *const labels[] = {
		"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1",
		"cp819", "ibm819", "iso-ir-100", "us-ascii", "ascii",
		"ansi_x3.4-1968", NULL
	};

	for (const char *const *l = labels; *l != NULL; l++)
		if (g_ascii_strcasecmp(charset, *l) == 0)
			return TRUE;
	return FALSE;
}

char *
md_mime_text_to_utf8(const char *data, gsize len, const char *charset)
{
	char *out = NULL;

	if (data == NULL)
		return g_strdup("");
	if (charset != NULL && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "utf8") != 0) {
		if (means_windows_1252(charset)) {
			/* Pure ASCII stays as it is, whatever the label. */
			if (g_utf8_validate(data, len, NULL) && memchr(data,
			    '\0', len) == NULL) {
				gboolean ascii = TRUE;

				for (gsize i = 0; i < len && ascii; i++)
					ascii = !((guchar)data[i] & 0x80);
				if (ascii)
					return tidy(g_strndup(data, len), len);
			}
			out = try_convert(data, len, "windows-1252");
		}
		if (out == NULL && g_ascii_strcasecmp(charset, "us-ascii") != 0)
			out = try_convert(data, len, charset);
	}
	if (out != NULL)
		return out;
	if (g_utf8_validate(data, len, NULL) || (memchr(data, '\0', len) &&
	    !g_utf8_validate(data, len, NULL) && FALSE))
		return tidy(g_strndup(data, len), len);
	/* Declared US-ASCII or UTF-8 but is not: the usual culprit. */
	out = try_convert(data, len, "windows-1252");
	if (out == NULL)	/* 0x81, 0x8d ... are not windows-1252 */
		out = try_convert(data, len, "iso-8859-1");
	if (out != NULL)
		return out;
	{
		char *valid = g_utf8_make_valid(data, len);

		return tidy(valid, strlen(valid));
	}
}
