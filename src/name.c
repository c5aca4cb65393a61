/* SPDX-License-Identifier: MIT */
/*
 * Name splitting.  Wrong guesses are cheap to correct (customer set), so the
 * rules stay few and predictable: drop titles, "Last, First" swaps, the last
 * word (with its particles: van, von, de ...) is the last name.
 */
#include <string.h>

#include "maildesk/name.h"

static gboolean
is_title(const char *w)
{
	static const char *const titles[] = {
		"dr", "dr.", "prof", "prof.", "herr", "frau", "mr", "mr.",
		"mrs", "mrs.", "ms", "ms.", "miss", "mx", "mx.", "dipl.-ing.",
		"dipl.-ing", "dipl.-kfm.", "ing.", "mag.", "med.", "rer.",
		"nat.", "phil.", "jur.", "sir", "madame", "monsieur", "mme",
		"m.", "sr.", "sra.", "dott.", "ph.d.", "phd", NULL
	};
	g_autofree char *lower = g_utf8_strdown(w, -1);

	for (const char *const *t = titles; *t != NULL; t++)
		if (strcmp(lower, *t) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
is_particle(const char *w)
{
	static const char *const particles[] = {
		"van", "von", "de", "der", "den", "da", "di", "du", "del",
		"la", "le", "zu", "ten", "ter", "dos", "das", "vom", "zum",
		"zur", "y", NULL
	};

	for (const char *const *p = particles; *p != NULL; p++)
		if (strcmp(w, *p) == 0)
			return TRUE;
	return FALSE;
}

/* "YANN" -> "Yann", "HANS-PETER" -> "Hans-Peter"; mixed case stays. */
static char *
fix_case(const char *w, gboolean force)
{
	GString *out;
	gboolean start = TRUE;
	gboolean has_lower = FALSE, has_upper = FALSE;

	for (const char *p = w; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		has_lower |= g_unichar_islower(c);
		has_upper |= g_unichar_isupper(c);
	}
	if (!force && !(has_upper && !has_lower))
		return g_strdup(w);
	out = g_string_new(NULL);
	for (const char *p = w; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		g_string_append_unichar(out, start ? g_unichar_totitle(c) :
		    g_unichar_tolower(c));
		start = !g_unichar_isalpha(c) && c != '\'';
	}
	return g_string_free(out, FALSE);
}

static gboolean
looks_like_name(const char *s)
{
	gboolean letter = FALSE;

	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == '@' || g_unichar_isdigit(c))
			return FALSE;
		letter |= g_unichar_isalpha(c);
	}
	return letter;
}

static gboolean
is_particle_word(const char *w)
{
	g_autofree char *lower = g_utf8_strdown(w, -1);

	return is_particle(lower);
}

static void
split_words(char **words, char **first, char **last)
{
	guint n = g_strv_length(words);
	guint lastpos;
	GString *f, *l;

	if (n == 0)
		return;
	if (n == 1) {
		*first = fix_case(words[0], FALSE);
		return;
	}
	lastpos = n - 1;
	/* Particles belong to the last name: Ludwig van Beethoven. */
	while (lastpos > 1 && is_particle_word(words[lastpos - 1]))
		lastpos--;
	f = g_string_new(NULL);
	l = g_string_new(NULL);
	for (guint i = 0; i < n; i++) {
		GString *s = i < lastpos ? f : l;
		g_autofree char *w = NULL;

		if (i >= lastpos && i < n - 1)
			w = g_utf8_strdown(words[i], -1);
		else
			w = fix_case(words[i], FALSE);
		if (s->len > 0)
			g_string_append_c(s, ' ');
		g_string_append(s, w);
	}
	*first = g_string_free(f, FALSE);
	*last = g_string_free(l, FALSE);
}

static char **
words_of(const char *s)
{
	g_auto(GStrv) raw = g_strsplit_set(s, " \t", -1);
	GPtrArray *out = g_ptr_array_new();

	for (char **w = raw; *w != NULL; w++) {
		if ((*w)[0] == '\0' || is_title(*w))
			continue;
		g_ptr_array_add(out, g_strdup(*w));
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static gboolean
from_display(const char *display, char **first, char **last)
{
	g_autofree char *s = g_strstrip(g_strdup(display));
	g_auto(GStrv) words = NULL;
	char *comma;
	gsize n = strlen(s);

	/* Strip quotes a sloppy client left in the decoded name. */
	while (n >= 2 && ((s[0] == '"' && s[n - 1] == '"') ||
	    (s[0] == '\'' && s[n - 1] == '\''))) {
		s[n - 1] = '\0';
		memmove(s, s + 1, n - 1);
		g_strstrip(s);
		n = strlen(s);
	}
	if (!looks_like_name(s))
		return FALSE;
	comma = strchr(s, ',');
	if (comma != NULL && strchr(comma + 1, ',') == NULL) {
		/* "Müller, Hans" */
		g_auto(GStrv) lw = NULL, fw = NULL;
		g_autofree char *lj = NULL, *fj = NULL;

		*comma = '\0';
		lw = words_of(s);
		fw = words_of(comma + 1);
		if (lw[0] == NULL || fw[0] == NULL)
			return FALSE;
		lj = g_strjoinv(" ", lw);
		fj = g_strjoinv(" ", fw);
		*first = fix_case(fj, FALSE);
		*last = fix_case(lj, FALSE);
		return TRUE;
	}
	words = words_of(s);
	if (words[0] == NULL)
		return FALSE;
	split_words(words, first, last);
	return *first != NULL;
}

static gboolean
from_local_part(const char *email, char **first, char **last)
{
	const char *at = strrchr(email, '@');
	g_autofree char *lp = NULL;
	g_auto(GStrv) parts = NULL;

	if (at == NULL || at == email)
		return FALSE;
	lp = g_strndup(email, at - email);
	/* Drop a +extension: hans.mueller+shop@ */
	if (strchr(lp, '+') != NULL)
		*strchr(lp, '+') = '\0';
	parts = g_strsplit_set(lp, "._", -1);
	if (g_strv_length(parts) != 2)
		return FALSE;
	for (char **p = parts; *p != NULL; p++) {
		if ((*p)[0] == '\0')
			return FALSE;
		for (const char *c = *p; *c; c++)
			if (!g_ascii_isalpha(*c) && *c != '-')
				return FALSE;
	}
	*first = fix_case(parts[0], TRUE);
	*last = fix_case(parts[1], TRUE);
	return TRUE;
}

gboolean
md_name_split(const char *display_name, const char *email, char **first,
    char **last)
{
	*first = NULL;
	*last = NULL;
	if (display_name != NULL && from_display(display_name, first, last))
		return TRUE;
	g_clear_pointer(first, g_free);
	g_clear_pointer(last, g_free);
	if (email != NULL && from_local_part(email, first, last))
		return TRUE;
	return FALSE;
}
