/* SPDX-License-Identifier: MIT */
/*
 * Charset conversion to UTF-8 for bodies.  GMime decodes headers with the
 * parser's fallback charsets; for bodies we do the same by hand here, so
 * undeclared 8-bit text from old clients reads right.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/mime-text.h"

static char *
try_convert(const char *data, gsize len, const char *charset)
{
	const char *iconv_name = g_mime_charset_iconv_name(charset);
	gsize written = 0;
	char *out;

	if (iconv_name == NULL)
		return NULL;
	out = g_convert(data, len, "UTF-8", iconv_name, NULL, &written, NULL);
	if (out != NULL && !g_utf8_validate(out, written, NULL)) {
		g_free(out);
		return NULL;
	}
	return out;
}

char *
md_mime_text_to_utf8(const char *data, gsize len, const char *charset)
{
	char *out = NULL;

	if (charset != NULL && g_ascii_strcasecmp(charset, "us-ascii") != 0 &&
	    g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "utf8") != 0)
		out = try_convert(data, len, charset);
	if (out != NULL)
		return out;
	if (g_utf8_validate(data, len, NULL))
		return g_strndup(data, len);
	/* Declared US-ASCII or UTF-8 but is not: the usual culprit. */
	out = try_convert(data, len, "windows-1252");
	if (out != NULL)
		return out;
	return g_utf8_make_valid(data, len);
}
