/* SPDX-License-Identifier: MIT */
/*
 * RFC 2047 decoding that survives real mail.  GMime 3.2's header decoder
 * drops everything after the first base64 word that ends in "=" padding
 * (=?utf-8?B?YQ==?= =?utf-8?B?Yg==?= reads "a"), which cuts subjects,
 * names and file names; so the words are taken apart here, each decoded
 * by GLib or GMime (base64, quoted-printable), and runs of words in one
 * charset converted as one byte string.  Raw 8-bit text between words is
 * converted by the same charset rules.  Loose on purpose: words inside
 * quoted strings or glued to text, "?" missing around spaces, a language
 * tag (RFC 2231), an unknown charset name: all are read as meant.
 */
#include <string.h>

#include "maildesk/charset.h"
#include "maildesk/header-text.h"
#include "maildesk/transfer.h"

gboolean
md_header_text_is_plain(const char *raw)
{
	if (raw == NULL)
		return TRUE;
	/* ESC: raw ISO-2022-JP, as old Japanese mailers write headers. */
	for (const char *p = raw; *p != '\0'; p++)
		if ((guchar)*p >= 0x80 || *p == 0x1b ||
		    (p[0] == '=' && p[1] == '?'))
			return FALSE;
	return TRUE;
}

char *
md_header_text_one_line(const char *s)
{
	char *r;

	if (s == NULL)
		return NULL;
	r = g_utf8_validate(s, -1, NULL) ? g_strdup(s) :
	    g_utf8_make_valid(s, -1);
	return g_strstrip(g_strdelimit(r, "\r\n\t", ' '));
}

typedef struct {
	gboolean word;		/* an encoded word, else raw text */
	char *charset;		/* owned, words only */
	GByteArray *bytes;	/* owned: decoded bytes, or the raw text */
} Piece;

static void
piece_free(gpointer data)
{
	Piece *p = data;

	g_free(p->charset);
	g_byte_array_unref(p->bytes);
	g_free(p);
}

/*
 * Parses "=?charset[*lang]?B|Q?text?=" at @p; on success returns the
 * end of the word and fills a new piece.
 */
static const char *
parse_word(const char *p, Piece **out)
{
	const char *cs = p + 2, *q, *enc, *text, *end;
	Piece *w;

	for (q = cs; *q != '\0' && *q != '?' && q - cs < 64; q++)
		if (g_ascii_isspace(*q) || *q == '=')
			return NULL;
	if (*q != '?' || q == cs)
		return NULL;
	enc = q + 1;
	if (!(*enc == 'B' || *enc == 'b' || *enc == 'Q' || *enc == 'q') ||
	    enc[1] != '?')
		return NULL;
	text = enc + 2;
	end = strstr(text, "?=");
	if (end == NULL)
		return NULL;
	/* The text holds no "?" (Q encodes it); a "?" means a broken word. */
	if (memchr(text, '?', end - text) != NULL)
		return NULL;
	w = g_new0(Piece, 1);
	w->word = TRUE;
	w->charset = g_strndup(cs, q - cs);
	/* RFC 2231 language tag: =?utf-8*de?Q?...?= */
	if (strchr(w->charset, '*') != NULL)
		*strchr(w->charset, '*') = '\0';
	w->bytes = g_byte_array_new();
	if (*enc == 'B' || *enc == 'b')
		md_base64_decode_into(text, end - text, w->bytes);
	else
		md_qword_decode_into(text, end - text, w->bytes);
	*out = w;
	return end + 2;
}

static Piece *
text_piece(void)
{
	Piece *t = g_new0(Piece, 1);

	t->bytes = g_byte_array_new();
	return t;
}

static gboolean
is_blank(const GByteArray *b)
{
	for (guint i = 0; i < b->len; i++)
		if (b->data[i] != ' ' && b->data[i] != '\t')
			return FALSE;
	return TRUE;
}

/*
 * The pieces of @raw: encoded words, with adjacent words in one charset
 * merged and the white space between words dropped (RFC 2047 6.2), and
 * raw text, unfolded.
 */
static GPtrArray *
pieces_of(const char *raw)
{
	GPtrArray *v = g_ptr_array_new_with_free_func(piece_free);
	Piece *text = NULL;

	for (const char *p = raw; *p != '\0'; ) {
		Piece *w = NULL;
		const char *next = NULL;

		if (p[0] == '=' && p[1] == '?')
			next = parse_word(p, &w);
		if (next == NULL) {
			if (*p != '\r' && *p != '\n') {
				if (text == NULL) {
					text = text_piece();
					g_ptr_array_add(v, text);
				}
				g_byte_array_append(text->bytes,
				    (const guint8 *)p, 1);
			}
			p++;
			continue;
		}
		/* Blank text between two words goes. */
		if (text != NULL && v->len >= 2 && is_blank(text->bytes) &&
		    ((Piece *)g_ptr_array_index(v, v->len - 2))->word)
			g_ptr_array_remove_index(v, v->len - 1);
		text = NULL;
		if (v->len > 0) {
			Piece *prev = g_ptr_array_index(v, v->len - 1);

			if (prev->word && g_ascii_strcasecmp(prev->charset,
			    w->charset) == 0) {
				g_byte_array_append(prev->bytes, w->bytes->data,
				    w->bytes->len);
				piece_free(w);
				p = next;
				continue;
			}
		}
		g_ptr_array_add(v, w);
		p = next;
	}
	return v;
}

static char *
piece_text(const Piece *p, const char *hint, const char **guessed)
{
	const char *g = NULL;
	char *s;

	s = md_charset_to_utf8((const char *)p->bytes->data, p->bytes->len,
	    p->word ? p->charset : NULL, hint, &g);
	/* Raw UTF-8 in a header is the standard (RFC 6532), not a guess. */
	if (g != NULL && !p->word && strcmp(g, "UTF-8") == 0)
		g = NULL;
	if (g != NULL && guessed != NULL && *guessed == NULL)
		*guessed = g;
	/* One line: a decoded line break must not forge another. */
	for (char *c = s; *c != '\0'; c++)
		if (*c == '\r' || *c == '\n' || *c == '\t' || *c == '\0')
			*c = ' ';
	return s;
}

char *
md_header_text_decode(const char *raw, const char *hint,
    const char **guessed)
{
	g_autoptr(GPtrArray) v = NULL;
	GString *out;

	if (raw == NULL)
		return NULL;
	v = pieces_of(raw);
	out = g_string_new(NULL);
	for (guint i = 0; i < v->len; i++) {
		g_autofree char *s = piece_text(g_ptr_array_index(v, i), hint,
		    guessed);

		g_string_append(out, s);
	}
	return g_strstrip(g_string_free(out, FALSE));
}

/* Appends @s escaped for a quoted string or comment. */
static void
append_escaped(GString *out, const char *s, const char *special)
{
	for (; *s != '\0'; s++) {
		if (strchr(special, *s) != NULL)
			g_string_append_c(out, '\\');
		g_string_append_c(out, *s);
	}
}

char *
md_header_text_structured(const char *raw, const char *hint,
    const char **guessed)
{
	g_autoptr(GPtrArray) v = NULL;
	GString *out;
	gboolean quoted = FALSE, escape = FALSE;
	int comment = 0;

	if (raw == NULL)
		return NULL;
	v = pieces_of(raw);
	out = g_string_new(NULL);
	for (guint i = 0; i < v->len; i++) {
		const Piece *p = g_ptr_array_index(v, i);
		g_autofree char *s = piece_text(p, hint, guessed);

		if (!p->word) {
			/* Follow the quoting of the raw text. */
			for (const char *c = s; *c != '\0'; c++) {
				if (escape)
					escape = FALSE;
				else if (*c == '\\')
					escape = TRUE;
				else if (*c == '"' && comment == 0)
					quoted = !quoted;
				else if (*c == '(' && !quoted)
					comment++;
				else if (*c == ')' && !quoted && comment > 0)
					comment--;
			}
			g_string_append(out, s);
		} else if (quoted)
			append_escaped(out, s, "\"\\");
		else if (comment > 0)
			append_escaped(out, s, "()\\");
		else if (strpbrk(s, "()<>@,;:\\\".[]/?= ") != NULL) {
			g_string_append_c(out, '"');
			append_escaped(out, s, "\"\\");
			g_string_append_c(out, '"');
		} else
			g_string_append(out, s);
	}
	return g_strstrip(g_string_free(out, FALSE));
}

gsize
md_header_text_block_end(const guint8 *raw, gsize len, gsize from, gsize *body)
{
	for (gsize i = from; i + 1 < len; i++) {
		if (raw[i] != '\n')
			continue;
		if (raw[i + 1] == '\n') {
			*body = i + 2;
			return i + 1;
		}
		if (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n') {
			*body = i + 3;
			return i + 1;
		}
	}
	*body = len;
	return len;
}

char *
md_header_text_clean_id(const char *id)
{
	g_autofree char *s = NULL;
	gsize n;

	if (id == NULL)
		return NULL;
	s = g_strstrip(g_strdup(id));
	if (s[0] == '<')
		memmove(s, s + 1, strlen(s));
	n = strlen(s);
	if (n > 0 && s[n - 1] == '>')
		s[n - 1] = '\0';
	if (s[0] == '\0' || strlen(s) > 500)
		return NULL;
	if (!g_utf8_validate(s, -1, NULL))
		return NULL;
	return g_steal_pointer(&s);
}
