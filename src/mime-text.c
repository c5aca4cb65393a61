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

/* How far into an HTML document a <meta> charset is looked for; the HTML
 * standard's prescan stops at 1024 bytes too. */
#define HTML_PRESCAN_BYTES 1024

const char *
md_mime_text_html_charset(const char *data, gsize len)
{
	g_autofree char *head = NULL;
	const char *p;

	if (data == NULL || len == 0)
		return NULL;
	head = g_ascii_strdown(data, MIN(len, HTML_PRESCAN_BYTES));
	p = head;

	while ((p = strstr(p, "<meta")) != NULL) {
		const char *end = strchr(p, '>');
		const char *cs = strstr(p, "charset");
		gsize n = 0;

		p += 5;
		if (cs == NULL || (end != NULL && cs > end))
			continue;
		cs += 7;
		while (*cs == ' ' || *cs == '=' || *cs == '"' || *cs == '\'')
			cs++;
		while (g_ascii_isalnum(cs[n]) || cs[n] == '-' || cs[n] == '_' ||
		    cs[n] == ':' || cs[n] == '.')
			n++;
		if (n > 0 && n < 40) {
			g_autofree char *name = g_strndup(cs, n);

			return g_intern_string(name);
		}
	}
	return NULL;
}
