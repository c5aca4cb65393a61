/* SPDX-License-Identifier: MIT */
/*
 * The open-tickets index: one small entry per ticket that still asks for
 * work (new, open, pending), kept in step with the ticket record by
 * md_ticket_save() (ticket.c decides what the entry holds), so that the
 * digest reads the open tickets and never the whole store.  A resolved,
 * closed or removed ticket has no entry.  Knows the store only.
 */
#pragma once
#include <glib.h>

#include "maildesk/store.h"

typedef struct {
	guint64 number;
	guint8 status;		/* MdStatus */
	gint64 created_at;
	const char *queue;	/* borrowed; from the map when read */
	const char *owner;	/* borrowed; "" when none */
} MdOpenTicket;

/*
 * Puts @o's entry (write txn); writes nothing when it is there already,
 * which keeps deliver's cost to one read.
 */
gboolean md_open_tickets_put(MdTxn *txn, const MdOpenTicket *o,
    GError **error);

/* Removes the entry of ticket @number (write txn); missing is fine. */
gboolean md_open_tickets_remove(MdTxn *txn, guint64 number, GError **error);

/*
 * TRUE if the entry of ticket @number is @o, or, for a NULL @o, if there
 * is none.
 */
gboolean md_open_tickets_matches(MdTxn *txn, guint64 number,
    const MdOpenTicket *o);

/*
 * Calls @fn for every open ticket in number order until it returns FALSE;
 * the strings of @o are valid only during the call.  CORRUPT on an entry
 * that cannot be read.
 */
typedef gboolean (*MdOpenTicketFunc)(const MdOpenTicket *o,
    gpointer user_data);
gboolean md_open_tickets_foreach(MdTxn *txn, MdOpenTicketFunc fn,
    gpointer user_data, GError **error);

/* Empties the index (write txn), before a rebuild. */
gboolean md_open_tickets_clear(MdTxn *txn, GError **error);

/*
 * Whether the index is complete: marked once it was built from every
 * ticket (md_ticket_ensure_open_index), so that a store made before it
 * is told apart from one without open tickets.
 */
gboolean md_open_tickets_is_built(MdTxn *txn);
gboolean md_open_tickets_mark_built(MdTxn *txn, GError **error);
