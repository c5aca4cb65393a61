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

/* CRLF -> LF and NULs dropped, in place; @s has room for @len + 1. */
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

static gboolean
is_label(const char *charset, const char *const *labels)
{
	for (const char *const *l = labels; *l != NULL; l++)
		if (g_ascii_strcasecmp(charset, *l) == 0)
			return TRUE;
	return FALSE;
}

/* Labels that promise nothing beyond ASCII: treated as undeclared. */
static gboolean
means_undeclared(const char *charset)
{
	static const char *const labels[] = {
		"utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968",
		"unknown-8bit", "x-unknown", "default", "", NULL
	};

	return is_label(charset, labels);
}

/*
 * Labels that mean windows-1252 in practice (as in the WHATWG encoding
 * standard): mail declared Latin-1 often carries "€" or typographic quotes
 * in the 0x80-0x9f range, which Latin-1 has as control characters.
 */
static gboolean
means_windows_1252(const char *charset)
{
	static const char *const labels[] = {
		"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1",
		"cp819", "ibm819", "iso-ir-100", NULL
	};

	return is_label(charset, labels);
}

char *
md_mime_text_to_utf8(const char *data, gsize len, const char *charset)
{
	g_autofree char *copy = NULL;
	char *out = NULL;

	if (data == NULL)
		return g_strdup("");
	if (charset != NULL && !means_undeclared(charset)) {
		if (means_windows_1252(charset))
			out = try_convert(data, len, "windows-1252");
		if (out == NULL)
			out = try_convert(data, len, charset);
		if (out != NULL)
			return out;
	}
	/* Undeclared, UTF-8, or not what it claims: UTF-8 if it is valid. */
	copy = g_malloc(len + 1);
	memcpy(copy, data, len);
	tidy(copy, len);
	len = strlen(copy);
	if (g_utf8_validate(copy, len, NULL))
		return g_steal_pointer(&copy);
	/* Else the usual culprit; 0x81, 0x8d ... are not windows-1252. */
	out = try_convert(copy, len, "windows-1252");
	if (out == NULL)
		out = try_convert(copy, len, "iso-8859-1");
	if (out == NULL)
		out = g_utf8_make_valid(copy, len);
	return out;
}
