/* SPDX-License-Identifier: MIT */
/*
 * Terminal-safe output; see term.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "maildesk/term.h"

static gboolean
unsafe(gunichar c)
{
	if (c == '\n' || c == '\t')
		return FALSE;
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x2028 || c == 0x2029;
}

char *
md_term_clean(const char *s, gssize len)
{
	g_autofree char *valid = NULL;
	GString *out;

	if (s == NULL)
		return g_strdup("");
	valid = g_utf8_make_valid(s, len);
	out = g_string_sized_new(strlen(valid));
	for (const char *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (unsafe(c))
			g_string_append_c(out, '?');
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	return g_string_free(out, FALSE);
}

void
md_out_str(const char *s)
{
	g_autofree char *clean = md_term_clean(s, -1);

	fputs(clean, stdout);
}

void
md_out(const char *fmt, ...)
{
	va_list ap;
	g_autofree char *s = NULL;

	va_start(ap, fmt);
	s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	md_out_str(s);
}
