/* SPDX-License-Identifier: MIT */
/*
 * Folding, language guessing and query preparation for the search index.
 * Documents and queries go through the same folding, so whatever spelling
 * a person types, the terms meet; the stemmers then see only folded text
 * (German's "german2" stemmer itself reads "ue" as "ü").
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

/*
 * Short, frequent words that belong to one language only.  A mail in
 * either has a dozen of them in its first lines.
 */
static const char *const german[] = {
	"der", "die", "das", "und", "ist", "nicht", "ich", "sie", "wir",
	"mit", "fuer", "auf", "ein", "eine", "einen", "zu", "von", "den",
	"dem", "des", "bitte", "danke", "ihr", "ihre", "ihnen", "sehr",
	"geehrte", "geehrter", "gruesse", "bei", "auch", "noch", "wie",
	"aber", "oder", "wenn", "dass", "kann", "haben", "hat", "wird",
	"sind", "mein", "meine", "leider", "schon", "nach", "vielen", NULL
};
static const char *const english[] = {
	"the", "and", "is", "not", "you", "we", "with", "for", "on",
	"an", "to", "of", "please", "thanks", "thank", "your", "are",
	"this", "that", "have", "has", "was", "will", "can", "my", "our",
	"dear", "regards", "would", "could", "be", "it", "at", "from",
	"but", "if", "there", "what", "when", "which", "they", "all",
	"been", "do", "does", "did", "no", "yes", "hello", NULL
};

static gboolean
in_list(const char *const *list, const char *word)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, word) == 0)
			return TRUE;
	return FALSE;
}

static void
count_words(const char *text, guint *de, guint *en)
{
	g_autofree char *folded = NULL;
	const char *p;

	if (text == NULL)
		return;
	/* The first few kilobytes say enough; quotes below say less. */
	folded = md_search_text_fold(text, MIN(strlen(text), 4096), TRUE);
	p = folded;
	while (*p != '\0') {
		gsize n = 0;

		while (*p != '\0' && !g_ascii_isalpha(*p))
			p++;
		while (g_ascii_isalpha(p[n]))
			n++;
		if (n > 1 && n < 10) {
			char word[10];

			memcpy(word, p, n);
			word[n] = '\0';
			if (in_list(german, word))
				(*de)++;
			else if (in_list(english, word))
				(*en)++;
		}
		p += n;
	}
}

const char *
md_search_text_language(const char *subject, const char *text,
    const char *fallback)
{
	guint de = 0, en = 0;

	count_words(subject, &de, &en);
	count_words(text, &de, &en);
	if (de > en)
		return "de";
	if (en > de)
		return "en";
	return g_strcmp0(fallback, "de") == 0 ? "de" : "en";
}

static gboolean
is_operator(const char *word, gsize n)
{
	static const char *const ops[] = {
		"AND", "OR", "NOT", "XOR", "NEAR", "ADJ", NULL
	};

	for (const char *const *o = ops; *o != NULL; o++) {
		gsize on = strlen(*o);

		/* NEAR/5 and ADJ/3 carry a distance. */
		if (n >= on && memcmp(word, *o, on) == 0 &&
		    (n == on || word[on] == '/'))
			return TRUE;
	}
	return FALSE;
}

/* Appends @word (@n bytes, no white space) the way the parser wants it. */
static void
add_word(GString *out, const char *word, gsize n)
{
	g_autofree char *down = NULL;
	const char *date, *tail;

	if (is_operator(word, n)) {
		g_string_append_len(out, word, (gssize)n);
		return;
	}
	down = g_utf8_strdown(word, (gssize)n);
	date = strstr(down, "date:");
	if (date == NULL || strstr(date, "..") != NULL ||
	    date[5] == '\0') {
		g_string_append(out, down);
		return;
	}
	/* date:D is the day D: date:D..D, before any closing brackets. */
	tail = down + strlen(down);
	while (tail > date + 5 && tail[-1] == ')')
		tail--;
	g_string_append_len(out, down, tail - down);
	g_string_append(out, "..");
	g_string_append_len(out, date + 5, tail - (date + 5));
	g_string_append(out, tail);
}

char *
md_search_text_query(const char *query)
{
	g_autofree char *folded = md_search_text_fold(query, -1, FALSE);
	GString *out = g_string_new(NULL);
	const char *p = folded;

	while (*p != '\0') {
		gsize n = strcspn(p, " \t\r\n");

		if (n == 0) {
			g_string_append_c(out, ' ');
			p++;
			continue;
		}
		add_word(out, p, n);
		p += n;
	}
	return g_string_free(out, FALSE);
}
