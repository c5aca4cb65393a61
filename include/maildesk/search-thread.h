/* SPDX-License-Identifier: MIT */
/*
 * Indexing beside a long writer: a thread that indexes what is due each
 * time the writer commits, while the writer goes on.  The writer holds
 * the store's writer lock nearly all the time, so the thread takes no
 * write transaction: it hands back the marks it indexed, and the writer
 * clears them (md_search_queue_done()) in its next transaction.  For
 * import; a writer that commits rarely needs none of this.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/store.h"

typedef struct MdSearchThread MdSearchThread;

/*
 * Brings the index up to date (creating it if there is none), then
 * starts the thread.  @store and @config must outlive it.
 */
MdSearchThread *md_search_thread_start(MdStore *store,
    const MdConfig *config, GError **error);

/* Asks the thread to index what the last commit marked due. */
void md_search_thread_kick(MdSearchThread *t);

/*
 * The marks indexed since the last call, for the caller's write
 * transaction to clear (transfer full, of MdSearchDue).
 */
GArray *md_search_thread_take(MdSearchThread *t);

/*
 * Lets the thread index what is still due, waits for it and frees it; the
 * marks it indexed last are appended to @done (nullable).  FALSE with the
 * thread's error if indexing failed.
 */
gboolean md_search_thread_finish(MdSearchThread *t, GArray *done,
    GError **error);
