/* SPDX-License-Identifier: MIT */
/*
 * Which tickets a person asks for (ticket list): by status, queue,
 * customer, owner and age, in the order work is done: open first, then
 * what waits for the customer, then what is done; in each, what waits
 * longest first.
 */
#pragma once
#include <glib.h>

#include "maildesk/store.h"
#include "maildesk/ticket.h"

typedef struct {
	const char *status;	/* nullable: only this status (its name) */
	const char *queue;	/* nullable: only this queue */
	const char *customer;	/* nullable: only this customer's address */
	const char *owner;	/* nullable: only this owner; "none": none */
	gint64 older_than;	/* only updated before this time, or 0 */
	gboolean hide_closed;	/* closed tickets left out */
} MdTicketQuery;

/*
 * The tickets matching @q, in working order (transfer full, of MdTicket).
 * A customer nobody is matches nothing.  NULL only on a store error.
 */
GPtrArray *md_ticket_query(MdTxn *txn, const MdTicketQuery *q,
    GError **error);
