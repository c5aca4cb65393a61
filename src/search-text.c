/* SPDX-License-Identifier: MIT */
/*
 * Folding for the search index.  Documents and queries go through the
 * same folding, so whatever spelling a person types, the words meet; the
 * stemmers then see only folded text.
 */
#include <string.h>

#include "maildesk/search-text.h"

/* Letters that decompose into no plain base letter, or into the wrong one. */
static const struct {
	gunichar c;
	const char *as;
} special[] = {
	{ 0x00e4, "ae" }, { 0x00f6, "oe" }, { 0x00fc, "ue" },
	{ 0x00c4, "Ae" }, { 0x00d6, "Oe" }, { 0x00dc, "Ue" },
	{ 0x00df, "ss" }, { 0x1e9e, "SS" },
	{ 0x00e6, "ae" }, { 0x00c6, "AE" }, { 0x0153, "oe" }, { 0x0152, "OE" },
	{ 0x00f8, "o" }, { 0x00d8, "O" }, { 0x0142, "l" }, { 0x0141, "L" },
	{ 0x0111, "d" }, { 0x0110, "D" }, { 0x00fe, "th" }, { 0x00de, "Th" },
	{ 0x0131, "i" },
};

/* Appends the folded form of @c. */
static void
fold_char(GString *out, gunichar c)
{
	gunichar d[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
	gsize n;

	if (c < 0x80) {
		g_string_append_c(out, (char)c);
		return;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(special); i++)
		if (special[i].c == c) {
			g_string_append(out, special[i].as);
			return;
		}
	/* A Latin letter with accents: keep the letter. */
	n = g_unichar_fully_decompose(c, FALSE, d, G_N_ELEMENTS(d));
	if (n > 1 && d[0] < 0x80 && g_ascii_isalpha((char)d[0])) {
		gboolean marks = TRUE;

		for (gsize i = 1; i < n; i++)
			marks = marks && g_unichar_ismark(d[i]);
		if (marks) {
			g_string_append_c(out, (char)d[0]);
			return;
		}
	}
	g_string_append_unichar(out, c);
}

char *
md_search_text_fold(const char *text, gssize len, gboolean lower)
{
	g_autofree char *valid = NULL;
	GString *out;
	const char *p, *end;

	if (text == NULL)
		return g_strdup("");
	if (len < 0)
		len = (gssize)strlen(text);
	if (!g_utf8_validate_len(text, (gsize)len, NULL)) {
		valid = g_utf8_make_valid(text, len);
		text = valid;
		len = (gssize)strlen(valid);
	}
	out = g_string_sized_new((gsize)len + 16);
	end = text + len;
	for (p = text; p < end; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (lower && c < 0x80)
			c = (gunichar)g_ascii_tolower((char)c);
		else if (lower)
			c = g_unichar_tolower(c);
		fold_char(out, c);
	}
	return g_string_free(out, FALSE);
}
