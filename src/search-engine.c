/* SPDX-License-Identifier: MIT */
/*
 * SQLite FTS5 as the search engine.  The table "doc" keeps each message's
 * fields (FTS5 needs them to remove a row) and their index; the rowid is
 * ticket << 20 | message, so a ticket's rows are one rowid range and the
 * newest tickets have the highest rowids.  Durability: WAL with
 * synchronous=FULL, so a commit is on disk when it returns; secure_delete
 * zeroes what a deletion frees, and compaction (optimize, then VACUUM INTO
 * a new file) leaves nothing of a removed row at all.
 */
#include <math.h>
#include <string.h>

#include <libstemmer.h>
#include <sqlite3.h>

#include "maildesk/error.h"
#include "maildesk/language.h"
#include "maildesk/search-engine.h"
#include "maildesk/search-query.h"
#include "maildesk/search-text.h"

#define TOKENIZER "maildesk"
#define RANK "maildesk_rank"
/* Longer "words" are base64, hashes and the like: not indexed. */
#define MAX_WORD_BYTES 64
/* Ranked at least: the newest matching messages (see the header). */
#define RANK_WINDOW 1000
/*
 * Of subject, body, sender, recipients, attachment, customer, meta: the
 * subject and the file names say most, the meta tokens nothing.
 */
#define WEIGHTS "4.0, 1.0, 2.0, 1.0, 2.0, 1.0, 0.0"
#define SEQ_BITS 20

struct MdSearchEngine {
	sqlite3 *db;
	MdSearchEngineMode mode;
	gboolean in_txn;
	sqlite3_stmt *put;	/* cached: the indexing loop */
};

typedef struct {
	guint64 ticket;
	guint32 seq;
	double score;
} Hit;

struct MdSearchHits {
	MdSearchEngine *engine;	/* borrowed */
	char *expr;		/* owned: for snippets */
	GArray *hits;		/* of Hit */
};

/* --- The tokenizer ----------------------------------------------------- */

/*
 * Stems of recent words, one slot per hash: the frequent words of a
 * language (Zipf's law) are found here instead of stemmed again.
 */
#define STEM_SLOTS 65536
#define SLOT_BYTES 24

typedef struct {
	guint8 len;		/* of the word; 0: empty slot */
	guint8 stem_len;	/* 0: the stem is the word */
	char word[SLOT_BYTES];
	char stem[SLOT_BYTES];
} StemSlot;

typedef struct {
	struct sb_stemmer *stemmer;
	StemSlot *slots;	/* owned, STEM_SLOTS */
	char out[SLOT_BYTES + 1];	/* the stem last returned from a slot */
} Stemmer;

typedef struct {
	Stemmer english;
	Stemmer german;
	char *stem;		/* owned: the English stem while the German
				 * one is made */
} Tokenizer;

static int
tok_create(void *ctx, const char **args, int nargs, Fts5Tokenizer **out)
{
	Tokenizer *t = g_new0(Tokenizer, 1);

	t->english.stemmer = sb_stemmer_new("english", "UTF_8");
	t->german.stemmer = sb_stemmer_new("german", "UTF_8");
	if (t->english.stemmer == NULL || t->german.stemmer == NULL) {
		if (t->english.stemmer != NULL)
			sb_stemmer_delete(t->english.stemmer);
		if (t->german.stemmer != NULL)
			sb_stemmer_delete(t->german.stemmer);
		g_free(t);
		return SQLITE_ERROR;
	}
	t->english.slots = g_new0(StemSlot, STEM_SLOTS);
	t->german.slots = g_new0(StemSlot, STEM_SLOTS);
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static void
tok_delete(Fts5Tokenizer *p)
{
	Tokenizer *t = (Tokenizer *)p;

	sb_stemmer_delete(t->english.stemmer);
	sb_stemmer_delete(t->german.stemmer);
	g_free(t->english.slots);
	g_free(t->german.slots);
	g_free(t->stem);
	g_free(t);
}

/*
 * The stem of folded @word (@n bytes) by @s, or NULL where it is @word;
 * valid until the next call with @s.
 */
static const char *
stem_of(Stemmer *s, const char *word, int n)
{
	guint32 h = 2166136261u;
	StemSlot *slot;
	const char *st;
	int len;

	for (int i = 0; i < n; i++)
		h = (h ^ (guchar)word[i]) * 16777619u;
	slot = &s->slots[h % STEM_SLOTS];
	if (n < SLOT_BYTES && slot->len == n && memcmp(slot->word, word,
	    n) == 0) {
		if (slot->stem_len == 0)
			return NULL;
		memcpy(s->out, slot->stem, slot->stem_len);
		s->out[slot->stem_len] = '\0';
		return s->out;
	}
	st = (const char *)sb_stemmer_stem(s->stemmer, (const sb_symbol *)word,
	    n);
	len = st ? sb_stemmer_length(s->stemmer) : 0;
	if (st != NULL && len == n && memcmp(st, word, n) == 0)
		st = NULL;
	if (n < SLOT_BYTES && len < SLOT_BYTES && n > 0) {
		slot->len = (guint8)n;
		memcpy(slot->word, word, n);
		slot->stem_len = st ? (guint8)len : 0;
		if (st != NULL)
			memcpy(slot->stem, st, len);
	}
	return st;
}

typedef enum { STEM_BOTH, STEM_ENGLISH, STEM_GERMAN } Stemming;

/*
 * The language of a text to stem it in: what md_language_guess() makes of
 * its first 4 KB, or both when that cannot tell (a subject, a name, a
 * mail of both languages).
 */
static Stemming
guess(const char *text, int len)
{
	g_autofree char *head = g_strndup(text, MIN(len, 4096));
	const char *lang = md_language_guess(head);

	if (g_strcmp0(lang, "de") == 0)
		return STEM_GERMAN;
	if (g_strcmp0(lang, "en") == 0)
		return STEM_ENGLISH;
	return STEM_BOTH;
}

/* The character at @s (before @end), and where the next one starts. */
static gunichar
next_char(const char *s, const char *end, const char **next)
{
	gunichar c;

	if ((guchar)*s < 0x80) {
		*next = s + 1;
		return (guchar)*s;
	}
	c = g_utf8_get_char_validated(s, end - s);
	if (c == (gunichar)-1 || c == (gunichar)-2) {
		/* Invalid UTF-8 is no word: skipped byte by byte. */
		*next = s + 1;
		return 0;
	}
	*next = g_utf8_next_char(s);
	return c;
}

static gboolean
word_char(gunichar c)
{
	if (c < 0x80)
		return g_ascii_isalnum((char)c);
	return g_unichar_isalnum(c) || g_unichar_ismark(c);
}

/*
 * Words: runs of letters, digits and marks, each folded and lower-cased.
 * In a text that is plainly English or German, a word is indexed as its
 * stem in that language (the word where the stemmer leaves it alone); in
 * a short or mixed text (a subject, names) as the word and both stems at
 * one position.  A query word is the word and both its stems, each a
 * synonym, so it meets every form in either language.  A prefix is the
 * prefix and its stems, so that "drucke*" still finds "Drucker", indexed
 * as "druck".  Words that start with a digit are numbers or meta tokens:
 * never stemmed.  One token a word where that is enough: each costs FTS5
 * about as much as the word itself.
 */
static int
tok_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text,
    int len, int (*emit)(void *, int, const char *, int, int, int))
{
	Tokenizer *t = (Tokenizer *)p;
	const char *end = text + len, *s = text, *next;
	gboolean stem = !(flags & FTS5_TOKENIZE_AUX);
	Stemming lang = stem && (flags & FTS5_TOKENIZE_DOCUMENT) ?
	    guess(text, len) : STEM_BOTH;

	while (s < end) {
		char ascii[MAX_WORD_BYTES + 1];
		g_autofree char *folded = NULL;
		const char *w, *word;
		gboolean plain = TRUE;
		int rc, n;

		while (s < end && !word_char(next_char(s, end, &next)))
			s = next;
		w = s;
		while (s < end) {
			gunichar c = next_char(s, end, &next);

			if (!word_char(c))
				break;
			plain = plain && c < 0x80;
			s = next;
		}
		if (s == w || s - w > MAX_WORD_BYTES)
			continue;
		/* Most words are ASCII: lower-cased in place, no allocation. */
		if (plain) {
			for (n = 0; n < s - w; n++)
				ascii[n] = g_ascii_tolower(w[n]);
			ascii[n] = '\0';
			word = ascii;
		} else {
			folded = md_search_text_fold(w, s - w, TRUE);
			word = folded;
			n = (int)strlen(folded);
		}
		if (!stem || g_ascii_isdigit(word[0])) {
			rc = emit(ctx, 0, word, n, (int)(w - text),
			    (int)(s - text));
			if (rc != SQLITE_OK)
				return rc;
			continue;
		}
		if (lang != STEM_BOTH) {
			const char *st = stem_of(lang == STEM_GERMAN ?
			    &t->german : &t->english, word, n);

			rc = emit(ctx, 0, st ? st : word, (int)strlen(st ?
			    st : word), (int)(w - text), (int)(s - text));
			if (rc != SQLITE_OK)
				return rc;
			continue;
		}
		rc = emit(ctx, 0, word, n, (int)(w - text), (int)(s - text));
		if (rc == SQLITE_OK) {
			const char *en = stem_of(&t->english, word, n);
			const char *de;

			/* Kept: the German stemmer's buffer is its own. */
			g_free(t->stem);
			t->stem = en ? g_strdup(en) : NULL;
			de = stem_of(&t->german, word, n);
			if (t->stem != NULL)
				rc = emit(ctx, FTS5_TOKEN_COLOCATED, t->stem,
				    (int)strlen(t->stem), (int)(w - text),
				    (int)(s - text));
			if (rc == SQLITE_OK && de != NULL &&
			    g_strcmp0(de, t->stem) != 0)
				rc = emit(ctx, FTS5_TOKEN_COLOCATED, de,
				    (int)strlen(de), (int)(w - text),
				    (int)(s - text));
		}
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

static fts5_api *
fts5_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return api;
}

/* --- Ranking ----------------------------------------------------------- */

/*
 * BM25 (k1 1.2, b 0.75) over the columns, weighted as the arguments say,
 * as FTS5's own bm25() ranks, but with a phrase's document frequency
 * counted only up to DF_CAP.  bm25() counts every row a phrase matches
 * to weigh it, once a query: a pass over the whole doclist of a frequent
 * word, and for a phrase of frequent words the positions of every row
 * that has both.  At a million mails that pass was most of a query's
 * time.  Past DF_CAP rows a word is simply frequent: the weight of a
 * word in 1 % of the mail and of one in half of it differ little next to
 * a rare one's, and a one-phrase query orders alike either way.  A phrase
 * of several words weighs as a word found nowhere else: counting it
 * would check the positions in every row with all its words, and words
 * in a row are rare.
 */
#define DF_CAP 4096
#define BM25_K1 1.2
#define BM25_B 0.75

typedef struct {
	int phrases;
	double avgdl;		/* tokens a row */
	double *idf;		/* of each phrase */
	double *freq;		/* of each phrase in the row at hand */
} Rank;

static void
rank_free(void *p)
{
	Rank *r = p;

	g_free(r->idf);
	g_free(r->freq);
	g_free(r);
}

static int
count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *user_data)
{
	sqlite3_int64 *n = user_data;

	(void)api;
	(void)fts;
	return ++*n >= DF_CAP ? SQLITE_DONE : SQLITE_OK;
}

/* What a query's rows share: the average length, each phrase's weight. */
static Rank *
rank_of(const Fts5ExtensionApi *api, Fts5Context *fts, int *rc)
{
	Rank *r = api->xGetAuxdata(fts, 0);
	sqlite3_int64 rows = 0, tokens = 0;

	if (r != NULL)
		return r;
	r = g_new0(Rank, 1);
	r->phrases = api->xPhraseCount(fts);
	r->idf = g_new0(double, MAX(r->phrases, 1));
	r->freq = g_new0(double, MAX(r->phrases, 1));
	*rc = api->xRowCount(fts, &rows);
	if (*rc == SQLITE_OK)
		*rc = api->xColumnTotalSize(fts, -1, &tokens);
	r->avgdl = rows > 0 ? (double)tokens / (double)rows : 1.0;
	for (int i = 0; *rc == SQLITE_OK && i < r->phrases; i++) {
		sqlite3_int64 df = 0;
		double idf;

		if (api->xPhraseSize(fts, i) == 1)
			*rc = api->xQueryPhrase(fts, i, &df, count_row);
		idf = log(((double)rows - (double)df + 0.5) /
		    ((double)df + 0.5));
		r->idf[i] = idf > 1e-6 ? idf : 1e-6;
	}
	if (*rc != SQLITE_OK) {
		rank_free(r);
		return NULL;
	}
	/* When it fails, xSetAuxdata() frees @r itself. */
	*rc = api->xSetAuxdata(fts, r, rank_free);
	return *rc == SQLITE_OK ? r : NULL;
}

static void
rank_function(const Fts5ExtensionApi *api, Fts5Context *fts,
    sqlite3_context *ctx, int nargs, sqlite3_value **args)
{
	int rc = SQLITE_OK, insts = 0, columns = api->xColumnCount(fts);
	sqlite3_int64 len = 0;
	double score = 0.0, norm;
	Rank *r = rank_of(api, fts, &rc);

	if (r != NULL)
		rc = api->xInstCount(fts, &insts);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	memset(r->freq, 0, sizeof(double) * MAX(r->phrases, 1));
	for (int i = 0; i < insts; i++) {
		int phrase, column, offset;

		if (api->xInst(fts, i, &phrase, &column, &offset) != SQLITE_OK)
			continue;
		r->freq[phrase] += column < nargs ?
		    sqlite3_value_double(args[column]) : 1.0;
	}
	for (int c = 0; c < columns; c++) {
		int n = 0;

		if (api->xColumnSize(fts, c, &n) == SQLITE_OK)
			len += n;
	}
	norm = BM25_K1 * (1.0 - BM25_B + BM25_B * (double)len / r->avgdl);
	for (int i = 0; i < r->phrases; i++)
		score += r->idf[i] * r->freq[i] * (BM25_K1 + 1.0) /
		    (r->freq[i] + norm);
	/* As bm25(): lower is better. */
	sqlite3_result_double(ctx, -score);
}

/* --- Errors ------------------------------------------------------------- */

static int
code_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return MD_ERROR_CORRUPT;
	case SQLITE_ERROR:
		/* What FTS5 says of a query it cannot read. */
		return MD_ERROR_USAGE;
	case SQLITE_MISUSE:
	case SQLITE_INTERNAL:
		return MD_ERROR_INTERNAL;
	default:	/* busy, locked, full, I/O, permissions, out of memory */
		return MD_ERROR_TEMPFAIL;
	}
}

static void
set_error_code(GError **error, int code, sqlite3 *db, int rc,
    const char *what)
{
	g_set_error(error, MD_ERROR, code, "search index: %s: %s", what,
	    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static void
set_error(GError **error, sqlite3 *db, int rc, const char *what)
{
	set_error_code(error, code_of(rc), db, rc, what);
}

static gboolean
exec(MdSearchEngine *e, const char *sql, GError **error)
{
	int rc = sqlite3_exec(e->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		set_error(error, e->db, rc, sql);
		return FALSE;
	}
	return TRUE;
}

/* --- Opening ------------------------------------------------------------ */

/*
 * How FTS5 writes: a segment merged once 8 of its size are there (FTS5's
 * default is 4), and pending terms flushed at 32 MB (default 1 MB), so
 * that a big import or a rebuild writes larger segments and rewrites
 * them less often; 17 % less CPU an indexed mail at 100,000 mails, and
 * more so as the index grows (tests/bench/search-bench.sh).
 */
#define AUTOMERGE 8
#define TUNING \
    "INSERT INTO doc(doc, rank) VALUES('automerge', " G_STRINGIFY(AUTOMERGE) \
    "); INSERT INTO doc(doc, rank) VALUES('hashsize', 33554432);"

static const char schema[] =
    "CREATE VIRTUAL TABLE doc USING fts5(subject, body, sender, "
    "recipients, attachment, customer, meta, tokenize = '" TOKENIZER "');"
    TUNING;

/* An index made before TUNING gets it on its first write. */
static gboolean
tune(MdSearchEngine *e, GError **error)
{
	sqlite3_stmt *st = NULL;
	gboolean tuned = FALSE;

	if (sqlite3_prepare_v2(e->db, "SELECT v FROM doc_config WHERE k = "
	    "'automerge'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		tuned = sqlite3_column_int(st, 0) == AUTOMERGE;
	sqlite3_finalize(st);
	return tuned || exec(e, TUNING, error);
}

MdSearchEngine *
md_search_engine_open(const char *path, MdSearchEngineMode mode,
    GError **error)
{
	MdSearchEngine *e = g_new0(MdSearchEngine, 1);
	static fts5_tokenizer tokenizer = {
		tok_create, tok_delete, tok_tokenize
	};
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
	    SQLITE_OPEN_EXRESCODE;
	fts5_api *api;
	int rc;

	e->mode = mode;
	if (mode == MD_SEARCH_ENGINE_BUILD) {
		if (g_file_test(path, G_FILE_TEST_EXISTS)) {
			g_set_error(error, MD_ERROR, MD_ERROR_INTERNAL,
			    "search index: %s exists already", path);
			g_free(e);
			return NULL;
		}
		flags |= SQLITE_OPEN_CREATE;
	}
	rc = sqlite3_open_v2(path, &e->db, flags, NULL);
	if (rc != SQLITE_OK) {
		/* Missing, unreadable, a symbolic link: not the query's. */
		set_error_code(error, code_of(rc) == MD_ERROR_CORRUPT ?
		    MD_ERROR_CORRUPT : MD_ERROR_TEMPFAIL, e->db, rc, path);
		md_search_engine_close(e);
		return NULL;
	}
	sqlite3_busy_timeout(e->db, 30000);
	api = fts5_of(e->db);
	if (api == NULL || api->xCreateTokenizer(api, TOKENIZER, NULL,
	    &tokenizer, NULL) != SQLITE_OK || api->xCreateFunction(api,
	    RANK, NULL, rank_function, NULL) != SQLITE_OK) {
		g_set_error(error, MD_ERROR, MD_ERROR_INTERNAL,
		    "search index: SQLite has no FTS5");
		md_search_engine_close(e);
		return NULL;
	}
	if (mode == MD_SEARCH_ENGINE_BUILD) {
		/*
		 * Nobody sees the file before it is complete and synced:
		 * no journal, no sync while it is written.
		 */
		if (!exec(e, "PRAGMA journal_mode = OFF; "
		    "PRAGMA synchronous = OFF; PRAGMA cache_size = -65536",
		    error) || !exec(e, schema, error)) {
			md_search_engine_close(e);
			return NULL;
		}
		return e;
	}
	/*
	 * WAL: a commit is one append and one sync; readers and the writer
	 * are kept apart by search.lock anyway.
	 */
	if (!exec(e, mode == MD_SEARCH_ENGINE_WRITE ?
	    "PRAGMA journal_mode = WAL" : "SELECT 1", error) ||
	    !exec(e, "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; "
	    "PRAGMA cache_size = -32768", error) ||
	    !exec(e, "SELECT count(*) FROM sqlite_schema", error) ||
	    (mode == MD_SEARCH_ENGINE_WRITE && !tune(e, error))) {
		md_search_engine_close(e);
		return NULL;
	}
	return e;
}

void
md_search_engine_close(MdSearchEngine *e)
{
	if (e == NULL)
		return;
	if (e->put != NULL)
		sqlite3_finalize(e->put);
	if (e->in_txn)
		sqlite3_exec(e->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close_v2(e->db);
	g_free(e);
}

static gboolean
begin(MdSearchEngine *e, GError **error)
{
	if (e->in_txn)
		return TRUE;
	if (!exec(e, "BEGIN IMMEDIATE", error))
		return FALSE;
	e->in_txn = TRUE;
	return TRUE;
}

gboolean
md_search_engine_commit(MdSearchEngine *e, GError **error)
{
	if (!e->in_txn)
		return TRUE;
	e->in_txn = FALSE;
	if (!exec(e, "COMMIT", error)) {
		sqlite3_exec(e->db, "ROLLBACK", NULL, NULL, NULL);
		return FALSE;
	}
	/*
	 * A built file goes in place as it is; a live one gets the WAL
	 * (one sync a commit) from its first writer on.
	 */
	if (e->mode == MD_SEARCH_ENGINE_BUILD)
		return exec(e, "PRAGMA journal_mode = DELETE", error);
	return TRUE;
}

/* --- Writing ----------------------------------------------------------- */

static sqlite3_int64
rowid_of(guint64 ticket, guint32 seq)
{
	return (sqlite3_int64)((ticket << SEQ_BITS) | seq);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_TRANSIENT);
}

gboolean
md_search_engine_put(MdSearchEngine *e, const MdSearchDoc *d,
    GError **error)
{
	g_autofree char *meta = NULL;
	int rc;

	g_return_val_if_fail(e->mode != MD_SEARCH_ENGINE_READ, FALSE);
	if (d->seq > MD_SEARCH_ENGINE_MAX_SEQ || d->ticket >> (63 - SEQ_BITS))
		return TRUE;
	if (!begin(e, error))
		return FALSE;
	if (e->put == NULL) {
		const char *sql = e->mode == MD_SEARCH_ENGINE_BUILD ?
		    "INSERT INTO doc(rowid, subject, body, sender, recipients, "
		    "attachment, customer, meta) VALUES (?,?,?,?,?,?,?,?)" :
		    "INSERT OR REPLACE INTO doc(rowid, subject, body, sender, "
		    "recipients, attachment, customer, meta) "
		    "VALUES (?,?,?,?,?,?,?,?)";

		rc = sqlite3_prepare_v2(e->db, sql, -1, &e->put, NULL);
		if (rc != SQLITE_OK) {
			set_error(error, e->db, rc, "put");
			return FALSE;
		}
	}
	meta = md_search_query_meta(d->ticket, d->status, d->queue, d->owner,
	    d->day, d->restricted);
	sqlite3_bind_int64(e->put, 1, rowid_of(d->ticket, d->seq));
	bind_text(e->put, 2, d->subject);
	bind_text(e->put, 3, d->text);
	bind_text(e->put, 4, d->from);
	bind_text(e->put, 5, d->to);
	bind_text(e->put, 6, d->attachments);
	bind_text(e->put, 7, d->customer);
	bind_text(e->put, 8, meta);
	rc = sqlite3_step(e->put);
	sqlite3_reset(e->put);
	sqlite3_clear_bindings(e->put);
	if (rc != SQLITE_DONE) {
		set_error_code(error, code_of(rc) == MD_ERROR_USAGE ?
		    MD_ERROR_TEMPFAIL : code_of(rc), e->db, rc, "put");
		return FALSE;
	}
	return TRUE;
}

static gboolean
remove_range(MdSearchEngine *e, sqlite3_int64 from, sqlite3_int64 to,
    GError **error)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!begin(e, error))
		return FALSE;
	rc = sqlite3_prepare_v2(e->db, "DELETE FROM doc WHERE rowid BETWEEN "
	    "?1 AND ?2", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, from);
		sqlite3_bind_int64(st, 2, to);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_error(error, e->db, rc, "remove");
		return FALSE;
	}
	return TRUE;
}

gboolean
md_search_engine_remove(MdSearchEngine *e, guint64 ticket, guint32 seq,
    GError **error)
{
	sqlite3_int64 id = rowid_of(ticket, seq);

	return remove_range(e, id, id, error);
}

gboolean
md_search_engine_remove_ticket(MdSearchEngine *e, guint64 ticket,
    GError **error)
{
	return remove_range(e, rowid_of(ticket, 0),
	    rowid_of(ticket, MD_SEARCH_ENGINE_MAX_SEQ), error);
}

guint64
md_search_engine_count(MdSearchEngine *e)
{
	sqlite3_stmt *st = NULL;
	guint64 n = 0;

	if (sqlite3_prepare_v2(e->db, "SELECT count(*) FROM doc", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = (guint64)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

gboolean
md_search_engine_compact(MdSearchEngine *e, const char *dest,
    GError **error)
{
	sqlite3_stmt *st = NULL;
	int rc;

	g_return_val_if_fail(e->mode == MD_SEARCH_ENGINE_WRITE, FALSE);
	/* One segment: what deletions only marked is merged away. */
	if (!begin(e, error) ||
	    !exec(e, "INSERT INTO doc(doc) VALUES('optimize')", error) ||
	    !md_search_engine_commit(e, error))
		return FALSE;
	rc = sqlite3_prepare_v2(e->db, "VACUUM INTO ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, dest, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_error(error, e->db, rc, "compact");
		return FALSE;
	}
	return TRUE;
}

gboolean
md_search_engine_foreach(MdSearchEngine *e, MdSearchEngineDocFunc fn,
    gpointer user_data, GError **error)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(e->db, "SELECT rowid FROM doc ORDER BY "
	    "rowid", -1, &st, NULL);

	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		guint64 id = (guint64)sqlite3_column_int64(st, 0);

		if (!fn(id >> SEQ_BITS, (guint32)(id & MD_SEARCH_ENGINE_MAX_SEQ),
		    user_data)) {
			rc = SQLITE_DONE;
			break;
		}
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_error(error, e->db, rc, "list");
		return FALSE;
	}
	return TRUE;
}

/* --- Searching ---------------------------------------------------------- */

MdSearchHits *
md_search_engine_query(MdSearchEngine *e, const char *expr,
    gboolean include_restricted, guint limit, GError **error)
{
	g_autoptr(MdSearchHits) h = g_new0(MdSearchHits, 1);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_int64_hash,
	    g_int64_equal, g_free, NULL);
	sqlite3_stmt *st = NULL;
	int rc;

	h->engine = e;
	h->hits = g_array_new(FALSE, FALSE, sizeof(Hit));
	h->expr = include_restricted ? g_strdup(expr) :
	    g_strdup_printf("(%s) NOT meta : \"" MD_SEARCH_META_RESTRICTED
	    "\"", expr);
	/*
	 * The newest matches, by rowid, as FTS5 reads them without sorting;
	 * then those ranked.  A ticket counts once, for its best message.
	 */
	rc = sqlite3_prepare_v2(e->db, "SELECT rowid, r FROM (SELECT rowid, "
	    RANK "(doc, " WEIGHTS ") AS r FROM doc WHERE doc MATCH ?1 "
	    "ORDER BY rowid DESC LIMIT ?2) ORDER BY r", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, h->expr, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, MAX(RANK_WINDOW, (gint64)limit * 10));
	}
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		guint64 id = (guint64)sqlite3_column_int64(st, 0);
		Hit hit = { id >> SEQ_BITS,
			(guint32)(id & MD_SEARCH_ENGINE_MAX_SEQ),
			-sqlite3_column_double(st, 1) };

		rc = SQLITE_OK;
		if (h->hits->len >= limit ||
		    g_hash_table_contains(seen, &hit.ticket))
			continue;
		g_hash_table_add(seen, g_memdup2(&hit.ticket,
		    sizeof(hit.ticket)));
		g_array_append_val(h->hits, hit);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_error(error, e->db, rc, "search");
		return NULL;
	}
	return g_steal_pointer(&h);
}

void
md_search_hits_free(MdSearchHits *h)
{
	if (h == NULL)
		return;
	g_free(h->expr);
	if (h->hits != NULL)
		g_array_unref(h->hits);
	g_free(h);
}

guint
md_search_hits_count(const MdSearchHits *h)
{
	return h->hits->len;
}

void
md_search_hits_get(const MdSearchHits *h, guint i, guint64 *ticket,
    guint32 *seq, double *score)
{
	const Hit *hit = &g_array_index(h->hits, Hit, i);

	*ticket = hit->ticket;
	*seq = hit->seq;
	*score = hit->score;
}

char *
md_search_hits_snippet(MdSearchHits *h, guint i, guint tokens)
{
	const Hit *hit = &g_array_index(h->hits, Hit, i);
	sqlite3_stmt *st = NULL;
	char *out = NULL;

	/* The text, else the subject: column 1, then 0. */
	if (sqlite3_prepare_v2(h->engine->db, "SELECT snippet(doc, 1, '', '', "
	    "'…', ?3), snippet(doc, 0, '', '', '…', ?3) FROM doc "
	    "WHERE doc MATCH ?1 AND rowid = ?2", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, h->expr, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, rowid_of(hit->ticket, hit->seq));
		sqlite3_bind_int(st, 3, (int)MIN(tokens, 64));
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *body = (const char *)sqlite3_column_text(st,
			    0);

			out = g_strdup(body != NULL && body[0] != '\0' ? body :
			    (const char *)sqlite3_column_text(st, 1));
		}
	}
	sqlite3_finalize(st);
	return out != NULL ? out : g_strdup("");
}
