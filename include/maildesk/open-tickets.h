/* SPDX-License-Identifier: MIT */
/*
 * The open-tickets index: one small entry per ticket that still asks for
 * work (new, open, pending), kept in step with the ticket record by
 * md_ticket_save(), so that the digest reads the open tickets and never
 * the whole store.  A resolved, closed or removed ticket has no entry.
 */
#pragma once
#include <glib.h>

#include "maildesk/store.h"
#include "maildesk/ticket.h"

typedef struct {
	guint64 number;
	MdStatus status;
	gint64 created_at;
	const char *queue;	/* borrowed from the map */
	const char *owner;	/* borrowed from the map, "" when none */
} MdOpenTicket;

/*
 * Puts, rewrites or removes @t's entry as its state says (write txn).
 * Writes nothing when the entry is already right: cheap for deliver.
 */
gboolean md_open_tickets_update(MdTxn *txn, const MdTicket *t,
    GError **error);

/* TRUE if @t's entry is as its record says (present, right, or absent). */
gboolean md_open_tickets_is_current(MdTxn *txn, const MdTicket *t);

/* Removes the entry of ticket @number (write txn); missing is fine. */
gboolean md_open_tickets_remove(MdTxn *txn, guint64 number, GError **error);

/*
 * Calls @fn for every open ticket in number order until it returns FALSE;
 * the strings of @o are valid only during the call.  CORRUPT on an entry
 * that cannot be read.
 */
typedef gboolean (*MdOpenTicketFunc)(const MdOpenTicket *o,
    gpointer user_data);
gboolean md_open_tickets_foreach(MdTxn *txn, MdOpenTicketFunc fn,
    gpointer user_data, GError **error);

/*
 * Rebuilds the index from the ticket records (write txn): after init
 * on a store made before it existed, and in check --repair.  Adds the
 * entries written to *@entries.
 */
gboolean md_open_tickets_rebuild(MdTxn *txn, guint64 *entries,
    GError **error);

/* TRUE when the index is complete (built once in this store). */
gboolean md_open_tickets_is_built(MdTxn *txn);

/*
 * Builds the index once in a store that has never had it (write txn):
 * init and the first digest call it, so that a store made before the
 * index existed gets it with its open tickets.  Sets *@built when it did.
 */
gboolean md_open_tickets_ensure(MdTxn *txn, gboolean *built, GError **error);
