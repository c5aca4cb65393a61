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
#define MAX_WORDS 200
/* The least count that decides at the end (leading twice the runner-up). */
#define MIN_HITS 3
/* A count that decides at once, leading three times the runner-up. */
#define CLEAR_HITS 8
/* Bytes of the longest stopword ("freundlichen"); longer words are none. */
#define MAX_STOPWORD 16

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

/* Every stopword -> its language's index + 1, built once. */
static gpointer
build_index(gpointer unused)
{
	GHashTable *index = g_hash_table_new(g_str_hash, g_str_equal);

	for (gsize l = 0; l < G_N_ELEMENTS(stopwords); l++)
		for (const char *const *w = stopwords[l]; *w != NULL; w++)
			g_hash_table_insert(index, (gpointer)*w,
			    GSIZE_TO_POINTER(l + 1));
	return index;
}

static GHashTable *
stopword_index(void)
{
	static GOnce once = G_ONCE_INIT;

	return g_once(&once, build_index, NULL);
}

/* The leader and the runner-up of @hits. */
static void
rank(const guint hits[], guint *best, guint *second, gsize *winner)
{
	*best = *second = 0;
	*winner = 0;
	for (gsize l = 0; l < G_N_ELEMENTS(stopwords); l++) {
		if (hits[l] > *best) {
			*second = *best;
			*best = hits[l];
			*winner = l;
		} else if (hits[l] > *second)
			*second = hits[l];
	}
}

const char *
md_language_guess(const char *text)
{
	GHashTable *index = stopword_index();
	char word[MAX_STOPWORD + 1];
	gsize len = 0;
	guint hits[G_N_ELEMENTS(stopwords)] = { 0 };
	guint words = 0, best, second;
	gsize winner;
	gboolean line_start = TRUE, quoted = FALSE, too_long = FALSE;

	if (text == NULL)
		return NULL;
	/* Only what is read is checked: a mail may be megabytes long. */
	for (const char *p = text; words < MAX_WORDS; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char_validated(p, -1);

		if (c == (gunichar)-1 || c == (gunichar)-2)
			return NULL;
		if (g_unichar_isalpha(c) && !quoted) {
			char buf[6];
			gint n = g_unichar_to_utf8(g_unichar_tolower(c), buf);

			if (too_long || len + (gsize)n > MAX_STOPWORD)
				too_long = TRUE;
			else {
				memcpy(word + len, buf, (gsize)n);
				len += (gsize)n;
			}
			line_start = FALSE;
			continue;
		}
		if (len > 0 && !too_long) {
			gsize l;

			word[len] = '\0';
			l = GPOINTER_TO_SIZE(g_hash_table_lookup(index, word));
			if (l > 0) {
				hits[l - 1]++;
				/* Plain enough already: stop reading. */
				rank(hits, &best, &second, &winner);
				if (best >= CLEAR_HITS && best >= 3 * second)
					return codes[winner];
			}
		}
		if (len > 0 || too_long) {
			words++;
			len = 0;
			too_long = FALSE;
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
	rank(hits, &best, &second, &winner);
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
