/* SPDX-License-Identifier: MIT */
/*
 * Name splitting.  Wrong guesses are cheap to correct (customer set), so the
 * rules stay few and predictable: drop titles and comments, "Last, First"
 * swaps, the last word (with its particles: van, von, de ...) is the last
 * name, a name written only in CJK script puts the family name first, and
 * team or company names are no person's name.
 */
#include <string.h>

#include "maildesk/name.h"

static gboolean
in_list(const char *const *list, const char *w)
{
	g_autofree char *lower = g_utf8_strdown(w, -1);

	for (const char *const *p = list; *p != NULL; p++)
		if (strcmp(lower, *p) == 0)
			return TRUE;
	return FALSE;
}

/* Titles and salutations: dropped in front of a name. */
static gboolean
is_title(const char *w)
{
	static const char *const titles[] = {
		"dr", "dr.", "prof", "prof.", "herr", "frau", "mr", "mr.",
		"mrs", "mrs.", "ms", "ms.", "miss", "mx", "mx.", "dipl.-ing.",
		"dipl.-ing", "dipl.-kfm.", "dipl.-inf.", "dipl.", "dr.-ing.",
		"ing.", "mag.", "med.", "rer.", "nat.", "phil.", "jur.", "sir",
		"madame", "monsieur", "mme", "m.", "sr.", "sra.", "dott.",
		"ph.d.", "phd", NULL
	};

	return in_list(titles, w);
}

/* Suffixes: dropped behind the first word ("John Smith Jr."). */
static gboolean
is_suffix(const char *w)
{
	static const char *const suffixes[] = {
		"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "ph.d.", "phd",
		"mba", "msc", "m.sc.", "b.sc.", "dipl.-ing.", "dipl.-ing",
		"dipl.-kfm.", "dipl.-inf.", "dr.", "dr.-ing.", "prof.", "esq.",
		NULL
	};

	return in_list(suffixes, w);
}

static gboolean
is_particle(const char *w)
{
	static const char *const particles[] = {
		"van", "von", "de", "der", "den", "da", "di", "du", "del",
		"la", "le", "zu", "ten", "ter", "dos", "das", "vom", "zum",
		"zur", "y", NULL
	};

	return in_list(particles, w);
}

/* Words that make a display name or local part a role, not a person. */
static gboolean
is_role(const char *w)
{
	static const char *const roles[] = {
		"team", "support", "service", "services", "sales", "info",
		"office", "helpdesk", "hotline", "kundenservice",
		"kundendienst", "newsletter", "noreply", "no-reply", "admin",
		"administrator", "webmaster", "postmaster", "billing",
		"accounts", "accounting", "buchhaltung", "vertrieb",
		"einkauf", "verwaltung", "abteilung", "department", "gmbh",
		"ag", "kg", "inc", "inc.", "ltd", "ltd.", "llc",
		"mailer-daemon", "mailer", "daemon", "delivery", "subsystem",
		"system", "notification", "notifications", "antispam",
		"feedback", "firewall", NULL
	};

	return in_list(roles, w);
}

/*
 * How a name is written, which decides what title case touches: all in
 * lower case (every word is title-cased), all in capitals (every word),
 * or mixed, where a word in capitals of up to three letters is an
 * acronym or initials ("TJ Miller", "Hans Weber IT") and stays.
 */
typedef enum {
	CASE_MIXED,
	CASE_LOWER,
	CASE_UPPER,
} NameCase;

#define ACRONYM_MAX_LETTERS 3

/*
 * Title case for a word written all in capitals or, in a name written
 * all in lower case, for any word.  "YANN" -> "Yann", "HANS-PETER" ->
 * "Hans-Peter", "O'BRIEN" -> "O'Brien"; mixed case stays as written.
 */
static char *
fix_case(const char *w, NameCase mode)
{
	GString *out;
	gboolean start = TRUE;
	gboolean has_lower = FALSE, has_upper = FALSE;
	glong letters = 0;

	for (const char *p = w; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		has_lower |= g_unichar_islower(c);
		has_upper |= g_unichar_isupper(c);
		letters += g_unichar_isalpha(c);
	}
	if (mode != CASE_LOWER && !(has_upper && !has_lower))
		return g_strdup(w);
	if (mode == CASE_MIXED && letters <= ACRONYM_MAX_LETTERS)
		return g_strdup(w);
	letters = 0;
	out = g_string_new(NULL);
	for (const char *p = w; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		g_string_append_unichar(out, start ? g_unichar_totitle(c) :
		    g_unichar_tolower(c));
		if (g_unichar_isalpha(c)) {
			letters++;
			start = FALSE;
		} else if (c == '\'' || c == 0x2019) {
			/* O'Brien, D'Angelo: one letter before the mark. */
			start = letters == 1;
			letters = 0;
		} else {
			start = TRUE;
			letters = 0;
		}
	}
	return g_string_free(out, FALSE);
}

/* "Free-Quilting.com", "shop.example.org": a domain, not a name. */
static gboolean
has_domain(const char *s)
{
	for (const char *p = strchr(s, '.'); p != NULL; p = strchr(p + 1,
	    '.')) {
		const char *q = p + 1;

		while (g_ascii_islower(*q))
			q++;
		if (q - p > 2 && p > s && g_ascii_isalnum(p[-1]) &&
		    (*q == '\0' || *q == ' ' || *q == '/'))
			return TRUE;
	}
	return FALSE;
}

static gboolean
looks_like_name(const char *s)
{
	gboolean letter = FALSE;

	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		/* Digits, addresses and undecodable bytes are no name. */
		if (c == '@' || g_unichar_isdigit(c) || c == 0xfffd)
			return FALSE;
		letter |= g_unichar_isalpha(c);
	}
	/* An encoded word GMime could not decode is no name either. */
	if (strstr(s, "=?") != NULL && strstr(s, "?=") != NULL)
		return FALSE;
	return letter && !has_domain(s);
}

/* TRUE if the letters of @s are all lowercase (and there are some). */
static gboolean
all_lower(const char *s)
{
	gboolean lower = FALSE;

	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_isupper(c) || g_unichar_istitle(c))
			return FALSE;
		lower |= g_unichar_islower(c);
	}
	return lower;
}

/* TRUE if the letters of @s are all capitals (and there are some). */
static gboolean
all_upper(const char *s)
{
	gboolean upper = FALSE;

	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_islower(c))
			return FALSE;
		upper |= g_unichar_isupper(c);
	}
	return upper;
}

/* Han, kana and Hangul: such names are written family name first. */
static gboolean
is_cjk_word(const char *w)
{
	gboolean cjk = FALSE;

	for (const char *p = w; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		GUnicodeScript sc = g_unichar_get_script(c);

		if (!g_unichar_isalpha(c))
			continue;
		if (sc != G_UNICODE_SCRIPT_HAN &&
		    sc != G_UNICODE_SCRIPT_HIRAGANA &&
		    sc != G_UNICODE_SCRIPT_KATAKANA &&
		    sc != G_UNICODE_SCRIPT_HANGUL)
			return FALSE;
		cjk = TRUE;
	}
	return cjk;
}

/* Joins @words[from, to) with single spaces, fixing the case of each. */
static char *
join_words(char **words, guint from, guint to, NameCase force,
    gboolean lower_particles)
{
	GString *s;

	if (from >= to)
		return NULL;
	s = g_string_new(NULL);
	for (guint i = from; i < to; i++) {
		g_autofree char *w = NULL;

		/* van, von, de inside a last name stay lowercase. */
		if (lower_particles && i + 1 < to && is_particle(words[i]))
			w = g_utf8_strdown(words[i], -1);
		else
			w = fix_case(words[i], force);
		if (s->len > 0)
			g_string_append_c(s, ' ');
		g_string_append(s, w);
	}
	return g_string_free(s, FALSE);
}

static void
split_words(char **words, gboolean titled, NameCase force, char **first,
    char **last)
{
	guint n = g_strv_length(words);
	guint lastpos;

	if (n == 0)
		return;
	if (n == 1) {
		/* "Herr Müller", "Dr. Weber": a salutation names the family. */
		if (titled)
			*last = fix_case(words[0], force);
		else
			*first = fix_case(words[0], force);
		return;
	}
	if (is_cjk_word(words[0]) && is_cjk_word(words[n - 1])) {
		/* 山田 太郎: Yamada is the family name. */
		*last = g_strdup(words[0]);
		*first = join_words(words, 1, n, FALSE, FALSE);
		return;
	}
	lastpos = n - 1;
	/* Particles belong to the last name: Ludwig van Beethoven. */
	while (lastpos > 1 && is_particle(words[lastpos - 1]))
		lastpos--;
	*first = join_words(words, 0, lastpos, force, FALSE);
	*last = join_words(words, lastpos, n, force, TRUE);
}

/*
 * The words of @s without leading titles and later suffixes; *@titled
 * tells whether a title was dropped.
 */
/* The words of @s, split at any Unicode white space (U+3000, the
 * ideographic space between a Japanese family and given name, too). */
static char **
split_spaces(const char *s)
{
	GPtrArray *out = g_ptr_array_new();
	const char *start = s;

	for (const char *p = s; ; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == 0 || g_unichar_isspace(c)) {
			g_ptr_array_add(out, g_strndup(start, p - start));
			if (c == 0)
				break;
			start = g_utf8_next_char(p);
		}
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static char **
words_of(const char *s, gboolean *titled)
{
	g_auto(GStrv) raw = split_spaces(s);
	GPtrArray *out = g_ptr_array_new();

	for (char **w = raw; *w != NULL; w++) {
		if ((*w)[0] == '\0')
			continue;
		if (out->len == 0 && is_title(*w)) {
			if (titled != NULL)
				*titled = TRUE;
			continue;
		}
		if (out->len > 0 && is_suffix(*w))
			continue;
		g_ptr_array_add(out, g_strdup(*w));
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static gboolean
any_role(char **words)
{
	for (char **w = words; *w != NULL; w++)
		if (is_role(*w))
			return TRUE;
	return FALSE;
}

/*
 * Drops comments a display name carries beside the name: "(IT)", "[ACME]"
 * and anything after a "|".  If nothing but the comment is left, only its
 * brackets go.
 */
static char *
strip_comments(const char *s)
{
	GString *out = g_string_new(NULL);
	int depth = 0;
	const char *bar = strchr(s, '|');
	gsize end = bar != NULL ? (gsize)(bar - s) : strlen(s);

	for (gsize i = 0; i < end; i++) {
		char c = s[i];

		if (c == '(' || c == '[')
			depth++;
		else if ((c == ')' || c == ']') && depth > 0)
			depth--;
		else if (depth == 0)
			g_string_append_c(out, c);
	}
	g_strstrip(out->str);
	out->len = strlen(out->str);
	if (!looks_like_name(out->str)) {
		g_string_truncate(out, 0);
		for (const char *p = s; *p; p++)
			if (strchr("()[]|", *p) == NULL)
				g_string_append_c(out, *p);
		g_strstrip(out->str);
		out->len = strlen(out->str);
	}
	return g_string_free(out, FALSE);
}

static char *
unquote(const char *display)
{
	char *s = g_strstrip(g_strdup(display));
	gsize n = strlen(s);

	/* Strip quotes a sloppy client left in the decoded name. */
	while (n >= 2 && ((s[0] == '"' && s[n - 1] == '"') ||
	    (s[0] == '\'' && s[n - 1] == '\''))) {
		s[n - 1] = '\0';
		memmove(s, s + 1, n - 1);
		g_strstrip(s);
		n = strlen(s);
	}
	return s;
}

static gboolean
from_display(const char *display, char **first, char **last)
{
	g_autofree char *quoted = unquote(display);
	g_autofree char *bare = strip_comments(quoted);
	g_autofree char *s = unquote(bare);
	g_auto(GStrv) parts = NULL;
	g_autoptr(GPtrArray) segs = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_strfreev);
	gboolean titled = FALSE;
	NameCase force;

	if (!looks_like_name(s))
		return FALSE;
	force = all_lower(s) ? CASE_LOWER : all_upper(s) ? CASE_UPPER :
	    CASE_MIXED;
	/* Segments between commas; those holding only titles go. */
	parts = g_strsplit(s, ",", -1);
	for (char **p = parts; *p != NULL; p++) {
		char **w = words_of(*p, &titled);

		/* "Smith, John, Jr.": a segment of suffixes only goes. */
		if (w[0] != NULL && w[1] == NULL && p != parts &&
		    is_suffix(w[0])) {
			g_strfreev(w);
			continue;
		}
		if (w[0] == NULL) {
			g_strfreev(w);
			continue;
		}
		if (any_role(w)) {
			g_strfreev(w);
			return FALSE;
		}
		g_ptr_array_add(segs, w);
	}
	if (segs->len == 1) {
		split_words(g_ptr_array_index(segs, 0), titled, force, first,
		    last);
	} else if (segs->len == 2) {
		/* "Müller, Hans" */
		char **lw = g_ptr_array_index(segs, 0);
		char **fw = g_ptr_array_index(segs, 1);

		*last = join_words(lw, 0, g_strv_length(lw), force, TRUE);
		*first = join_words(fw, 0, g_strv_length(fw), force, FALSE);
	} else
		return FALSE;	/* "A, B, C": a list, not a name */
	return *first != NULL || *last != NULL;
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
	if (g_strv_length(parts) != 2 || any_role(parts))
		return FALSE;
	{
		/* post_master@ is postmaster@ */
		g_autofree char *joined = g_strjoinv(NULL, parts);

		if (is_role(joined))
			return FALSE;
	}
	for (char **p = parts; *p != NULL; p++) {
		if ((*p)[0] == '\0' || (*p)[0] == '-')
			return FALSE;
		for (const char *c = *p; *c; c++)
			if (!g_ascii_isalpha(*c) && *c != '-')
				return FALSE;
	}
	*first = fix_case(parts[0], CASE_LOWER);
	*last = fix_case(parts[1], CASE_LOWER);
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
