/* SPDX-License-Identifier: MIT */
/*
 * What the search index still owes: tickets changed since they were last
 * indexed, and search requests agents sent by mail.  Both are written in
 * the transaction that made the change, so nothing committed can escape
 * the index; deliver does only this (a put or two), never the indexing,
 * which is done by whoever has the engine (search.h).
 */
#pragma once
#include <glib.h>

#include "maildesk/store.h"

typedef struct {
	guint64 ticket;
	guint64 stamp;	/* id of the write txn that changed it last */
} MdSearchDue;

/*
 * Records in @txn (write) that ticket @ticket changed: its documents are
 * due for indexing.  Called by md_ticket_save(), so every change to a
 * ticket or its messages is covered.
 */
gboolean md_search_queue_mark(MdTxn *txn, guint64 ticket, GError **error);

/* md_search_queue_mark() for every ticket linked to customer @id. */
gboolean md_search_queue_mark_customer(MdTxn *txn, guint64 id,
    GError **error);

/*
 * Appends to @out (of MdSearchDue) up to @max due tickets after ticket
 * @after (0: from the first), in ticket order.
 */
gboolean md_search_queue_due(MdTxn *txn, guint64 after, guint max,
    GArray *out, GError **error);

/*
 * Deletes the @n entries of @due whose stamp is still the one read
 * (write txn): a ticket changed again meanwhile stays due.
 */
gboolean md_search_queue_done(MdTxn *txn, const MdSearchDue *due, guint n,
    GError **error);

typedef struct {
	guint64 id;
	char *agent;		/* owned: lower-cased address of the agent */
	char *query;		/* owned */
	char *recipient;	/* owned, nullable: our address it reached */
	char *queue;		/* owned */
	char *message_id;	/* owned, nullable: the request's */
	gint64 received_at;
} MdSearchRequest;

MdSearchRequest *md_search_request_new(void);
void md_search_request_free(MdSearchRequest *r);

/*
 * The query of a search request: the first non-empty line of @text when
 * it reads "#search QUERY" (transfer full), else NULL.
 */
char *md_search_queue_request_query(const char *text);

/* Queues @r (write txn), assigning r->id. */
gboolean md_search_queue_add_request(MdTxn *txn, MdSearchRequest *r,
    GError **error);

/* Every queued request, oldest first (transfer full, of MdSearchRequest). */
GPtrArray *md_search_queue_requests(MdTxn *txn, GError **error);

/*
 * Removes request @id (write txn); *@taken is FALSE when it was gone
 * already (answered by another process).
 */
gboolean md_search_queue_take_request(MdTxn *txn, guint64 id,
    gboolean *taken, GError **error);

/* Removes every queued request (write txn): an erasure drops them. */
gboolean md_search_queue_drop_requests(MdTxn *txn, guint *count,
    GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdSearchRequest, md_search_request_free)
