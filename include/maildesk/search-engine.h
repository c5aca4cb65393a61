/* SPDX-License-Identifier: MIT */
/*
 * The full-text engine, SQLite FTS5, with a tokenizer of ours: words are
 * folded (search-text.h) and stemmed with Snowball (libstemmer), in the
 * language of the text where it is plainly English or German, else in
 * both beside the word; a query word is the word and both stems.  One row per message; columns for the fields, and a meta
 * column of tokens for ticket, status, queue, owner, day and restriction
 * (search-query.h).  It knows neither the store nor its locks (search.h
 * owns both); it is never linked into the lean deliver binary.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef struct MdSearchEngine MdSearchEngine;

typedef enum {
	MD_SEARCH_ENGINE_READ,
	MD_SEARCH_ENGINE_WRITE,
	MD_SEARCH_ENGINE_BUILD,	/* a new file, written in one go, synced
				 * and put in place by the caller */
} MdSearchEngineMode;

/*
 * Opens the index file @path for @mode; BUILD creates it, and refuses
 * one that exists.  Never follows a symbolic link.  TEMPFAIL when it
 * cannot be opened, CORRUPT when it is damaged.
 */
MdSearchEngine *md_search_engine_open(const char *path,
    MdSearchEngineMode mode, GError **error);
/* Closes; uncommitted changes are dropped. */
void md_search_engine_close(MdSearchEngine *e);

/* One message as the index sees it, as stored (the engine folds). */
typedef struct {
	guint64 ticket;
	guint32 seq;		/* below MD_SEARCH_ENGINE_MAX_SEQ */
	gint64 day;		/* yyyymmdd of the mail's date, 0: none */
	const char *subject;
	const char *text;
	const char *from;	/* name and address */
	const char *to;		/* names and addresses of To and Cc */
	const char *attachments;	/* file names */
	const char *customer;	/* name and addresses of the customer */
	const char *status;
	const char *queue;
	const char *owner;	/* nullable */
	gboolean restricted;	/* found only when asked to include them */
} MdSearchDoc;

/* Messages of a ticket past this one are not indexed. */
#define MD_SEARCH_ENGINE_MAX_SEQ ((1u << 20) - 1)

/* Adds or replaces the document of message @doc->seq of @doc->ticket. */
gboolean md_search_engine_put(MdSearchEngine *e, const MdSearchDoc *doc,
    GError **error);

/* Removes the document of message @seq of @ticket; missing is fine. */
gboolean md_search_engine_remove(MdSearchEngine *e, guint64 ticket,
    guint32 seq, GError **error);

/* Removes every document of @ticket. */
gboolean md_search_engine_remove_ticket(MdSearchEngine *e, guint64 ticket,
    GError **error);

/* Makes the changes since the last commit durable (fsync). */
gboolean md_search_engine_commit(MdSearchEngine *e, GError **error);

/* How many documents the index holds. */
guint64 md_search_engine_count(MdSearchEngine *e);

/*
 * Merges the index into one segment and writes a copy without free
 * pages to the new file @dest (not yet synced), so that no removed word
 * is left in it.  Needs WRITE.
 */
gboolean md_search_engine_compact(MdSearchEngine *e, const char *dest,
    GError **error);

/*
 * Calls @fn for every document in ticket and message order until it
 * returns FALSE.
 */
typedef gboolean (*MdSearchEngineDocFunc)(guint64 ticket, guint32 seq,
    gpointer user_data);
gboolean md_search_engine_foreach(MdSearchEngine *e,
    MdSearchEngineDocFunc fn, gpointer user_data, GError **error);

typedef struct MdSearchHits MdSearchHits;

/*
 * Runs the FTS5 expression @expr (md_search_query_to_fts5()) and returns
 * at most @limit hits, one per ticket (its best message), best first.
 * Ranking (BM25) takes in the newest matching messages only, as many as
 * a window of at least 1,000 (ten times @limit when that is more), and
 * weighs a word by the rows it is in counted up to 4,096, a phrase as a
 * word found nowhere else: a word in half the mail costs no more than a
 * rare one.  Restricted customers' documents only with
 * @include_restricted.  USAGE when FTS5 refuses the expression.
 */
MdSearchHits *md_search_engine_query(MdSearchEngine *e, const char *expr,
    gboolean include_restricted, guint limit, GError **error);
void md_search_hits_free(MdSearchHits *h);

guint md_search_hits_count(const MdSearchHits *h);

/* Ticket, message and score (bm25, higher is better) of hit @i. */
void md_search_hits_get(const MdSearchHits *h, guint i, guint64 *ticket,
    guint32 *seq, double *score);

/*
 * About @tokens words of hit @i's text around what matched (the subject
 * when the text has none) (transfer full).
 */
char *md_search_hits_snippet(MdSearchHits *h, guint i, guint tokens);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdSearchEngine, md_search_engine_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdSearchHits, md_search_hits_free)

G_END_DECLS
