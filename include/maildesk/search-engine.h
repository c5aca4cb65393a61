/* SPDX-License-Identifier: MIT */
/*
 * The full-text engine, Xapian, behind a C interface: one document per
 * message, terms and positions for its words, prefixed terms for the
 * fields, the day as a value for date ranges, the ticket as the value
 * results are collapsed on.  It knows neither the store nor its locks
 * (search.h owns both); it is never linked into the lean deliver binary.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef struct MdSearchEngine MdSearchEngine;

typedef enum {
	MD_SEARCH_ENGINE_READ,
	MD_SEARCH_ENGINE_WRITE,
	MD_SEARCH_ENGINE_BUILD,	/* a new database, each message put once */
} MdSearchEngineMode;

/*
 * Opens the database at @path (a directory, or a stub file naming one)
 * for @mode; BUILD creates it.  TEMPFAIL when it cannot be opened,
 * CORRUPT when it is damaged.
 */
MdSearchEngine *md_search_engine_open(const char *path,
    MdSearchEngineMode mode, GError **error);
void md_search_engine_close(MdSearchEngine *e);

/*
 * One message as the index sees it.  Every text is folded and
 * lower-cased already (md_search_text_fold()); each may be NULL.
 */
typedef struct {
	guint64 ticket;
	guint32 seq;
	const char *language;	/* "en" or "de": the stemmer */
	gint64 day;		/* yyyymmdd of the mail's date, 0: none */
	const char *subject;
	const char *text;
	const char *from;	/* name and address */
	const char *to;		/* names and addresses of To and Cc */
	const char *attachments;	/* file names */
	const char *customer;	/* name and address of the ticket's customer */
	const char *status;
	const char *queue;
	const char *owner;
	gboolean restricted;	/* found only when asked to include them */
} MdSearchDoc;

/* Adds or replaces the document of message @doc->seq of @doc->ticket. */
gboolean md_search_engine_put(MdSearchEngine *e, const MdSearchDoc *doc,
    GError **error);

/* Removes the document of message @seq of @ticket; missing is fine. */
gboolean md_search_engine_remove(MdSearchEngine *e, guint64 ticket,
    guint32 seq, GError **error);

/* Removes every document of @ticket. */
gboolean md_search_engine_remove_ticket(MdSearchEngine *e, guint64 ticket,
    GError **error);

/* Makes the changes durable (fsync). */
gboolean md_search_engine_commit(MdSearchEngine *e, GError **error);

/* How many documents the database holds. */
guint64 md_search_engine_count(MdSearchEngine *e);

/*
 * Writes a compacted copy (no free blocks, so no removed terms) to the
 * new directory @dest.
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
 * Runs @query (made by md_search_text_query()) and returns hits
 * @offset.. @offset + @limit, one per ticket (its best message), best
 * first.  Documents of restricted customers only with
 * @include_restricted.  USAGE when the query cannot be parsed.
 */
MdSearchHits *md_search_engine_query(MdSearchEngine *e, const char *query,
    gboolean include_restricted, guint offset, guint limit,
    GError **error);
void md_search_hits_free(MdSearchHits *h);

/* Hits in @h; an estimate of all matching tickets. */
guint md_search_hits_count(const MdSearchHits *h);
guint64 md_search_hits_estimate(const MdSearchHits *h);

/* Ticket, message and relevance (percent) of hit @i. */
void md_search_hits_get(const MdSearchHits *h, guint i, guint64 *ticket,
    guint32 *seq, int *percent);

/*
 * About @length characters of @text (the message as stored, unfolded)
 * around what hit @i matched (transfer full).
 */
char *md_search_hits_snippet(MdSearchHits *h, guint i, const char *text,
    gsize length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdSearchEngine, md_search_engine_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdSearchHits, md_search_hits_free)

G_END_DECLS
