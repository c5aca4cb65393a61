/* SPDX-License-Identifier: MIT */
/*
 * Which language to answer a customer in; see language.h.  The guess is a
 * count of stopwords: short words every text of a language is full of and
 * the other languages we answer in do not use (so "in", "was", "an", "will"
 * count for neither).  It decides only on clear evidence; a subject line
 * or a two-word mail leaves the choice to the queue.
 */
#include <string.h>

#include "maildesk/language.h"

static const char *const codes[] = { "en", "de", NULL };

/* Lower-case stopwords of each language, in the order of codes[]. */
static const char *const english[] = {
	"the", "and", "is", "are", "you", "your", "we", "our", "to", "of",
	"for", "with", "this", "that", "not", "have", "has", "please",
	"thank", "thanks", "it", "on", "be", "can", "would", "my", "me",
	"from", "hello", "hi", "regards", "dear", "there", "what", "when",
	"why", "how", "do", "does", "did", "been", "or", "at", "if", "any",
	"could", "should", "they", "them", "just", "about", "i", NULL
};
static const char *const german[] = {
	"der", "die", "das", "und", "ist", "sind", "ich", "sie", "wir",
	"nicht", "mit", "für", "ein", "eine", "einen", "einem", "einer",
	"bitte", "danke", "auf", "den", "dem", "des", "zu", "im", "es",
	"mein", "meine", "meinen", "ihr", "ihre", "ihren", "haben", "habe",
	"hat", "wurde", "kann", "können", "vielen", "dank", "grüße",
	"freundlichen", "hallo", "guten", "sehr", "geehrte", "geehrter",
	"auch", "noch", "nur", "wie", "oder", "aber", "wenn", "dass", "bei",
	"von", "vom", "zum", "zur", "mir", "mich", "uns", "unser", "unsere",
	"schon", "leider", "keine", "kein", NULL
};
static const char *const *const stopwords[] = { english, german };

/* Enough words to tell; a long mail says nothing more after these. */
#define MAX_WORDS 400
/* The least count that decides, and by how much it must lead. */
#define MIN_HITS 3

const char *const *
md_language_codes(void)
{
	return codes;
}

const char *
md_language_find(const char *code)
{
	for (const char *const *c = codes; code != NULL && *c != NULL; c++)
		if (g_ascii_strcasecmp(*c, code) == 0)
			return *c;
	return NULL;
}

const char *
md_language_from_tag(const char *value)
{
	g_auto(GStrv) tags = NULL;

	if (value == NULL)
		return NULL;
	tags = g_strsplit(value, ",", -1);
	for (char **t = tags; *t != NULL; t++) {
		char *tag = g_strstrip(*t);
		gsize primary = strcspn(tag, "-_ \t;");
		g_autofree char *code = g_strndup(tag, primary);
		const char *found = md_language_find(code);

		if (found != NULL)
			return found;
	}
	return NULL;
}

static void
count_word(const GString *word, guint hits[])
{
	for (gsize l = 0; l < G_N_ELEMENTS(stopwords); l++)
		for (const char *const *w = stopwords[l]; *w != NULL; w++)
			if (strcmp(*w, word->str) == 0) {
				hits[l]++;
				return;
			}
}

const char *
md_language_guess(const char *text)
{
	g_autoptr(GString) word = g_string_new(NULL);
	guint hits[G_N_ELEMENTS(stopwords)] = { 0 };
	guint words = 0, best = 0, second = 0;
	gsize winner = 0;
	gboolean line_start = TRUE, quoted = FALSE;

	if (text == NULL || !g_utf8_validate(text, -1, NULL))
		return NULL;
	for (const char *p = text; words < MAX_WORDS; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_isalpha(c) && !quoted) {
			g_string_append_unichar(word, g_unichar_tolower(c));
			line_start = FALSE;
			continue;
		}
		if (word->len > 0) {
			count_word(word, hits);
			words++;
			g_string_truncate(word, 0);
		}
		if (c == '\0')
			break;
		if (c == '\n') {
			line_start = TRUE;
			quoted = FALSE;
		} else if (line_start && c == '>')
			quoted = TRUE;
		else if (!g_unichar_isspace(c))
			line_start = FALSE;
	}
	for (gsize l = 0; l < G_N_ELEMENTS(stopwords); l++) {
		if (hits[l] > best) {
			second = best;
			best = hits[l];
			winner = l;
		} else if (hits[l] > second)
			second = hits[l];
	}
	/* Clear evidence only: enough words, and twice the runner-up's. */
	if (best < MIN_HITS || best < 2 * second)
		return NULL;
	return codes[winner];
}

const char *
md_language_choose(const char *profile, const char *content_language,
    const char *text, const char *fallback)
{
	const char *l;

	if ((l = md_language_find(profile)) != NULL ||
	    (l = md_language_from_tag(content_language)) != NULL ||
	    (l = md_language_guess(text)) != NULL)
		return l;
	return md_language_find(fallback);
}
