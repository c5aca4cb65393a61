/* SPDX-License-Identifier: MIT */
/*
 * Body text to UTF-8.  The charset decision is charset.c's; here the
 * text is tidied for storage: the result is valid UTF-8 without NULs and
 * with LF line ends, whatever came in.
 */
#include <string.h>

#include "maildesk/charset.h"
#include "maildesk/mime-text.h"

/* CRLF -> LF and NULs dropped, in place; returns the new length. */
static gsize
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
	return o;
}

char *
md_mime_text_to_utf8(const char *data, gsize len, const char *charset,
    const char *hint, const char **guessed)
{
	g_autofree char *copy = NULL;
	char *out;

	if (guessed != NULL)
		*guessed = NULL;
	if (data == NULL)
		return g_strdup("");
	/* UTF-16 holds NULs and CRs in its characters: convert first. */
	if (md_charset_is_wide(charset)) {
		out = md_charset_to_utf8(data, len, charset, hint, guessed);
		tidy(out, strlen(out));
		return out;
	}
	copy = g_malloc(len + 1);
	memcpy(copy, data, len);
	len = tidy(copy, len);
	return md_charset_to_utf8(copy, len, charset, hint, guessed);
}
