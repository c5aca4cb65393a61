/* SPDX-License-Identifier: MIT */
/*
 * From the query a person types to an FTS5 expression.  A small
 * recursive descent over words, phrases, operators and parentheses; every
 * term comes out as a quoted FTS5 string, every group in parentheses, so
 * that FTS5's own precedence and syntax never decide what a query means.
 * FTS5 has no unary NOT: "NOT a" and "-a" become "everything NOT a",
 * everything being the meta token all documents carry.
 */
#include <stdio.h>
#include <string.h>

#include "maildesk/error.h"
#include "maildesk/search-query.h"
#include "maildesk/search-text.h"

typedef enum {
	T_WORD, T_PHRASE, T_OPEN, T_CLOSE, T_AND, T_OR, T_NOT, T_END
} Kind;

typedef struct {
	Kind kind;
	char *text;		/* owned: a word or a phrase */
	gboolean minus;		/* -word */
} Tok;

typedef struct {
	GArray *toks;		/* of Tok */
	guint pos;
	GError *error;
} Parser;

/* --- Meta tokens ------------------------------------------------------ */

static char *
hex_of(const char *s)
{
	g_autofree char *lower = md_search_text_fold(s, -1, TRUE);
	GString *out = g_string_new(NULL);

	for (const guchar *p = (const guchar *)lower; *p != '\0'; p++)
		g_string_append_printf(out, "%02x", *p);
	return g_string_free(out, FALSE);
}

char *
md_search_query_meta(guint64 ticket, const char *status, const char *queue,
    const char *owner, gint64 day, gboolean restricted)
{
	GString *s = g_string_new(MD_SEARCH_META_ALL);

	g_string_append_printf(s, " 0t%" G_GUINT64_FORMAT, ticket);
	if (status != NULL)
		g_string_append_printf(s, " 0s%s", status);
	if (queue != NULL) {
		g_autofree char *h = hex_of(queue);

		g_string_append_printf(s, " 0q%s", h);
	}
	if (owner != NULL) {
		g_autofree char *h = hex_of(owner);

		g_string_append_printf(s, " 0o%s", h);
	} else
		g_string_append(s, " 0onone");
	if (day > 0)
		g_string_append_printf(s, " 0y%04" G_GINT64_FORMAT " 0m%06"
		    G_GINT64_FORMAT " 0d%08" G_GINT64_FORMAT, day / 10000,
		    day / 100, day);
	if (restricted)
		g_string_append(s, " " MD_SEARCH_META_RESTRICTED);
	return g_string_free(s, FALSE);
}

/* --- Lexing ------------------------------------------------------------ */

static void
tok_clear(gpointer p)
{
	g_free(((Tok *)p)->text);
}

static void
push(GArray *toks, Kind kind, const char *text, gsize len, gboolean minus)
{
	Tok t = { kind, text ? g_strndup(text, len) : NULL, minus };

	g_array_append_val(toks, t);
}

static GArray *
lex(const char *q)
{
	GArray *toks = g_array_new(FALSE, TRUE, sizeof(Tok));
	const char *p = q;

	g_array_set_clear_func(toks, tok_clear);
	while (*p != '\0') {
		gboolean minus = FALSE;
		gsize n;

		if (g_ascii_isspace(*p)) {
			p++;
			continue;
		}
		/* -word, +word: must not, must (a plain word must anyway). */
		if ((*p == '-' || *p == '+') && p[1] != '\0' &&
		    !g_ascii_isspace(p[1])) {
			minus = *p == '-';
			p++;
		}
		if (*p == '(' || *p == ')') {
			push(toks, *p == '(' ? T_OPEN : T_CLOSE, NULL, 0, minus);
			p++;
			continue;
		}
		if (*p == '"') {
			const char *end = strchr(p + 1, '"');

			n = end ? (gsize)(end - p - 1) : strlen(p + 1);
			push(toks, T_PHRASE, p + 1, n, minus);
			p += n + 1 + (end != NULL);
			continue;
		}
		n = strcspn(p, " \t\r\n()\"");
		if (n == 3 && memcmp(p, "AND", 3) == 0 && !minus)
			push(toks, T_AND, NULL, 0, FALSE);
		else if (n == 2 && memcmp(p, "OR", 2) == 0 && !minus)
			push(toks, T_OR, NULL, 0, FALSE);
		else if (n == 3 && memcmp(p, "NOT", 3) == 0 && !minus)
			push(toks, T_NOT, NULL, 0, FALSE);
		else
			push(toks, T_WORD, p, n, minus);
		p += n;
	}
	push(toks, T_END, NULL, 0, FALSE);
	return toks;
}

/* --- Terms -------------------------------------------------------------- */

static gboolean
has_word(const char *s)
{
	for (const char *p = s; *p != '\0'; p = g_utf8_next_char(p))
		if (g_unichar_isalnum(g_utf8_get_char(p)))
			return TRUE;
	return FALSE;
}

/* @s as an FTS5 string: in double quotes, inner ones doubled. */
static char *
quote(const char *s, gboolean prefix)
{
	GString *out = g_string_new("\"");

	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *p);
	}
	g_string_append(out, prefix ? "\" *" : "\"");
	return g_string_free(out, FALSE);
}

static char *
meta(const char *token)
{
	return g_strdup_printf("meta : \"%s\"", token);
}

/* A day, month or year as given: 2026-03-02, 20260302, 2026-03, 2026. */
static gboolean
parse_day(const char *s, gboolean end, GDate *out)
{
	guint y = 0, m = 1, d = 1;
	gsize n = strlen(s);
	gboolean ok = FALSE;

	if (n == 10 && s[4] == '-' && s[7] == '-')
		ok = sscanf(s, "%4u-%2u-%2u", &y, &m, &d) == 3;
	else if (n == 8 && strspn(s, "0123456789") == 8)
		ok = sscanf(s, "%4u%2u%2u", &y, &m, &d) == 3;
	else if (n == 7 && s[4] == '-') {
		ok = sscanf(s, "%4u-%2u", &y, &m) == 2;
		if (ok && end && g_date_valid_dmy(1, m, y))
			d = g_date_get_days_in_month(m, y);
	} else if (n == 4 && strspn(s, "0123456789") == 4) {
		ok = sscanf(s, "%4u", &y) == 1;
		if (end) {
			m = 12;
			d = 31;
		}
	}
	if (!ok || y < 1 || y > 9999 || !g_date_valid_dmy(d, m, y))
		return FALSE;
	g_date_set_dmy(out, d, m, y);
	return TRUE;
}

/*
 * The days from @from to @to as the fewest year, month and day tokens:
 * whole years and months as one token each.
 */
static char *
date_range(const GDate *from, const GDate *to)
{
	GString *s = g_string_new(NULL);
	GDate cur = *from;

	while (g_date_compare(&cur, to) <= 0) {
		guint y = g_date_get_year(&cur), m = g_date_get_month(&cur);
		guint d = g_date_get_day(&cur);
		GDate last;

		if (s->len > 0)
			g_string_append(s, " OR ");
		g_date_clear(&last, 1);
		g_date_set_dmy(&last, 31, 12, y);
		if (m == 1 && d == 1 && g_date_compare(&last, to) <= 0) {
			g_string_append_printf(s, "meta : \"0y%04u\"", y);
			g_date_add_years(&cur, 1);
			continue;
		}
		g_date_set_dmy(&last, g_date_get_days_in_month(m, y), m, y);
		if (d == 1 && g_date_compare(&last, to) <= 0) {
			g_string_append_printf(s, "meta : \"0m%04u%02u\"", y, m);
			g_date_add_months(&cur, 1);
			continue;
		}
		g_string_append_printf(s, "meta : \"0d%04u%02u%02u\"", y, m, d);
		g_date_add_days(&cur, 1);
	}
	return g_string_free(s, FALSE);
}

static char *
date_term(Parser *p, const char *value)
{
	const char *dots = strstr(value, "..");
	g_autofree char *a = dots ? g_strndup(value, dots - value) :
	    g_strdup(value);
	const char *b = dots ? dots + 2 : value;
	GDate from, to;
	char *out;

	/* Open ends: as far as any mail's date could go. */
	g_date_clear(&from, 1);
	g_date_clear(&to, 1);
	if (a[0] == '\0')
		g_date_set_dmy(&from, 1, 1, 1970);
	else if (!parse_day(a, FALSE, &from))
		goto bad;
	if (b[0] == '\0')
		g_date_set_dmy(&to, 31, 12, 2199);
	else if (!parse_day(b, TRUE, &to))
		goto bad;
	if (g_date_compare(&from, &to) > 0)
		return g_strdup("meta : \"0none\"");
	out = date_range(&from, &to);
	{
		char *wrapped = g_strdup_printf("(%s)", out);

		g_free(out);
		return wrapped;
	}
bad:
	if (p->error == NULL)
		g_set_error(&p->error, MD_ERROR, MD_ERROR_USAGE,
		    "date:%s: give days as YYYY-MM-DD, a range as FROM..TO",
		    value);
	return NULL;
}

static const char *const columns[][2] = {
	{ "from", "sender" }, { "to", "recipients" }, { "subject", "subject" },
	{ "attachment", "attachment" },
};

static char *
meta_term(Parser *p, const char *field, const char *value)
{
	static const char *const statuses[] = {
		"new", "open", "pending", "resolved", "closed", NULL
	};
	g_autofree char *lower = g_ascii_strdown(value, -1);
	g_autofree char *h = NULL;

	if (strcmp(field, "date") == 0)
		return date_term(p, lower);
	if (strcmp(field, "ticket") == 0) {
		guint64 n;

		if (!g_ascii_string_to_unsigned(lower[0] == '#' ? lower + 1 :
		    lower, 10, 1, G_MAXUINT64, &n, NULL)) {
			if (p->error == NULL)
				g_set_error(&p->error, MD_ERROR,
				    MD_ERROR_USAGE, "ticket:%s: not a ticket "
				    "number", value);
			return NULL;
		}
		h = g_strdup_printf("0t%" G_GUINT64_FORMAT, n);
		return meta(h);
	}
	if (strcmp(field, "status") == 0) {
		if (!g_strv_contains(statuses, lower)) {
			if (p->error == NULL)
				g_set_error(&p->error, MD_ERROR,
				    MD_ERROR_USAGE, "status:%s: not new, open, "
				    "pending, resolved or closed", value);
			return NULL;
		}
		h = g_strconcat("0s", lower, NULL);
		return meta(h);
	}
	if (strcmp(field, "owner") == 0 && strcmp(lower, "none") == 0)
		return meta("0onone");
	h = hex_of(value);
	return g_strdup_printf("meta : \"0%c%s\"", field[0] == 'o' ? 'o' : 'q',
	    h);
}

static char *parse_or(Parser *p);
static char *parse_primary(Parser *p);

static Tok *
peek(Parser *p)
{
	return &g_array_index(p->toks, Tok, p->pos);
}

static char *
word_term(const char *w)
{
	gsize n = strlen(w);
	gboolean prefix = n > 1 && w[n - 1] == '*';
	g_autofree char *base = g_strndup(w, prefix ? n - 1 : n);

	if (!has_word(base))
		return NULL;
	return quote(base, prefix);
}

/* field:value, or field: followed by a phrase or a group. */
static char *
field_term(Parser *p, const char *field, const char *value)
{
	g_autofree char *v = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(columns); i++) {
		if (strcmp(field, columns[i][0]) != 0)
			continue;
		v = value[0] != '\0' ? word_term(value) : parse_primary(p);
		return v ? g_strdup_printf("%s : %s", columns[i][1], v) : NULL;
	}
	if (value[0] == '\0') {
		Tok *t = peek(p);

		if (t->kind != T_PHRASE && t->kind != T_WORD)
			return NULL;
		p->pos++;
		return meta_term(p, field, t->text);
	}
	return meta_term(p, field, value);
}

static gboolean
is_field(const char *name)
{
	static const char *const fields[] = {
		"from", "to", "subject", "attachment", "ticket", "status",
		"queue", "owner", "date", NULL
	};

	return g_strv_contains(fields, name);
}

static char *
parse_primary(Parser *p)
{
	Tok *t = peek(p);
	const char *colon;

	switch (t->kind) {
	case T_OPEN: {
		g_autofree char *inner = NULL;

		p->pos++;
		inner = parse_or(p);
		if (peek(p)->kind == T_CLOSE)
			p->pos++;
		return inner ? g_strdup_printf("(%s)", inner) : NULL;
	}
	case T_PHRASE:
		p->pos++;
		return has_word(t->text) ? quote(t->text, FALSE) : NULL;
	case T_WORD:
		p->pos++;
		colon = strchr(t->text, ':');
		if (colon != NULL) {
			g_autofree char *field = g_ascii_strdown(t->text,
			    colon - t->text);

			if (is_field(field))
				return field_term(p, field, colon + 1);
		}
		return word_term(t->text);
	default:
		return NULL;
	}
}

static char *
join(GPtrArray *parts, const char *op)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < parts->len; i++) {
		if (i > 0)
			g_string_append(s, op);
		g_string_append(s, g_ptr_array_index(parts, i));
	}
	return g_string_free(s, FALSE);
}

static char *
parse_and(Parser *p)
{
	g_autoptr(GPtrArray) pos = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) neg = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *all = NULL, *none = NULL;

	for (;;) {
		Tok *t = peek(p);
		gboolean negate = FALSE;
		char *term;

		if (t->kind == T_END || t->kind == T_CLOSE || t->kind == T_OR)
			break;
		if (t->kind == T_AND) {
			p->pos++;
			continue;
		}
		while (peek(p)->kind == T_NOT) {
			negate = !negate;
			p->pos++;
		}
		t = peek(p);
		if (t->kind == T_END || t->kind == T_CLOSE || t->kind == T_OR)
			break;
		negate = negate != t->minus;
		term = parse_primary(p);
		if (term != NULL)
			g_ptr_array_add(negate ? neg : pos, term);
	}
	if (pos->len == 0 && neg->len == 0)
		return NULL;
	all = pos->len > 0 ? join(pos, " AND ") : meta(MD_SEARCH_META_ALL);
	if (neg->len == 0)
		return g_steal_pointer(&all);
	none = join(neg, " OR ");
	return g_strdup_printf("(%s) NOT (%s)", all, none);
}

static char *
parse_or(Parser *p)
{
	g_autoptr(GPtrArray) alts = g_ptr_array_new_with_free_func(g_free);

	for (;;) {
		char *a = parse_and(p);

		if (a != NULL)
			g_ptr_array_add(alts, g_strdup_printf("(%s)", a));
		g_free(a);
		if (peek(p)->kind != T_OR)
			break;
		p->pos++;
	}
	return alts->len > 0 ? join(alts, " OR ") : NULL;
}

char *
md_search_query_to_fts5(const char *query, GError **error)
{
	g_autoptr(GArray) toks = lex(query ? query : "");
	Parser p = { toks, 0, NULL };
	g_autofree char *out = NULL;

	/* Stray closing brackets are skipped rather than refused. */
	for (;;) {
		char *part = parse_or(&p);

		if (part != NULL) {
			char *both = out ? g_strdup_printf("%s AND %s", out,
			    part) : g_strdup(part);

			g_free(out);
			g_free(part);
			out = both;
		}
		if (peek(&p)->kind == T_END)
			break;
		p.pos++;
	}
	if (p.error != NULL) {
		g_propagate_error(error, p.error);
		return NULL;
	}
	if (out == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "the query has no word to search for");
		return NULL;
	}
	return g_steal_pointer(&out);
}
