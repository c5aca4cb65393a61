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

static glong
char_width(gunichar c)
{
	if (g_unichar_iszerowidth(c))
		return 0;
	return g_unichar_iswide(c) ? 2 : 1;
}

glong
md_term_width(const char *s)
{
	g_autofree char *clean = md_term_clean(s, -1);
	glong w = 0;

	for (const char *p = clean; *p != '\0'; p = g_utf8_next_char(p))
		w += char_width(g_utf8_get_char(p));
	return w;
}

static char *
pad(char *s, glong used, glong width)
{
	GString *out = g_string_new(s);

	g_free(s);
	for (; used < width; used++)
		g_string_append_c(out, ' ');
	return g_string_free(out, FALSE);
}

char *
md_term_pad(const char *s, glong width)
{
	char *clean = md_term_clean(s, -1);

	return pad(clean, md_term_width(clean), width);
}

char *
md_term_fit(const char *s, glong width)
{
	g_autofree char *clean = md_term_clean(s, -1);
	GString *out;
	glong w = 0;

	if (md_term_width(clean) <= width)
		return md_term_pad(clean, width);
	/* Room for the ellipsis; a wide character that does not fit ends
	 * the text a column early, and the padding fills that column. */
	out = g_string_new(NULL);
	for (const char *p = clean; *p != '\0'; p = g_utf8_next_char(p)) {
		glong cw = char_width(g_utf8_get_char(p));

		if (w + cw > width - 1)
			break;
		g_string_append_len(out, p, g_utf8_next_char(p) - p);
		w += cw;
	}
	if (width > 0) {
		g_string_append(out, "…");
		w++;
	}
	return pad(g_string_free(out, FALSE), w, width);
}
