/* SPDX-License-Identifier: MIT */
/*
 * Full-text search over every ticket, kept in step with the store.  The
 * index lives in the store directory (search.current naming the current
 * index file search-N.sqlite, search.lock); it is derived from the store
 * alone and can always be rebuilt from it.  Every change to a ticket
 * marks it due (search-queue.h); whoever searches, flushes, imports or
 * erases first indexes what is due, so a search never misses a committed
 * mail.  Erasure compacts the index into a fresh file, so removed words
 * leave no bytes behind.
 *
 * Locks: search.lock is held shared while a search reads the index and
 * exclusively while the index is written, rebuilt or compacted.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/store.h"

/*
 * Indexes every ticket marked due, and builds the whole index first when
 * there is none (a new or upgraded store).  Sets *@tickets (nullable) to
 * how many tickets it indexed.  Opens read and write transactions.
 */
gboolean md_search_catch_up(MdStore *store, const MdConfig *config,
    guint64 *tickets, GError **error);

/*
 * Indexes the tickets due now as md_search_catch_up() does, but leaves
 * their marks: appends what it indexed (MdSearchDue) to @done, for the
 * caller to clear with md_search_queue_done() in a write transaction of
 * its own, and adds it to @skip (nullable; guint64 * ticket -> guint64 *
 * stamp, both g_free()d), whose marks with the same stamp it leaves
 * out.  For import, whose own transaction holds the writer lock.
 * INTERNAL when there is no index yet (md_search_catch_up() makes one).
 */
gboolean md_search_index_due(MdStore *store, const MdConfig *config,
    GHashTable *skip, GArray *done, GError **error);

/*
 * Rebuilds the index from the store into a fresh database and puts it in
 * place of the old one; searches wait meanwhile.  Sets *@documents
 * (nullable).
 */
gboolean md_search_reindex(MdStore *store, const MdConfig *config,
    guint64 *documents, GError **error);

/*
 * Indexes what is due, then rewrites the index without free pages into
 * a fresh file and removes the old one: after an erasure or expiry, no
 * file holds the removed words any more.
 */
gboolean md_search_compact(MdStore *store, const MdConfig *config,
    GError **error);

typedef struct {
	guint64 ticket;
	guint32 seq;		/* the message that matched best */
	double score;		/* relevance (bm25): higher is better */
	char *status;		/* owned */
	char *queue;		/* owned */
	char *subject;		/* owned: the ticket's */
	char *customer;		/* owned, nullable: address */
	char *customer_name;	/* owned, nullable */
	gint64 date;		/* the message's */
	gint32 date_offset_s;
	char *snippet;		/* owned: text around the match */
	gboolean restricted;	/* the customer is restricted */
} MdSearchResult;

void md_search_result_free(MdSearchResult *r);

/*
 * Catches up, then runs @query (the syntax of maildesk(8), SEARCH):
 * at most @limit tickets, best first, restricted customers' only with
 * @include_restricted.  USAGE when the query says nothing searchable
 * (transfer full, of MdSearchResult).
 */
GPtrArray *md_search_run(MdStore *store, const MdConfig *config,
    const char *query, gboolean include_restricted, guint limit,
    GError **error);

/*
 * Compares the index with the store: appends a line to @problems for each
 * message indexed but not stored or stored but not indexed (tickets
 * still due are skipped).  Sets *@documents and *@due.
 */
gboolean md_search_check(MdStore *store, const MdConfig *config,
    GPtrArray *problems, guint64 *documents, guint64 *due, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdSearchResult, md_search_result_free)
