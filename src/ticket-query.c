/* SPDX-License-Identifier: MIT */
/*
 * The ticket list's query: filters over every ticket and the working
 * order (ticket-query.h).  Reads only; the command line prints.
 */
#include <string.h>

#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/ticket-query.h"

typedef struct {
	MdTxn *txn;
	const MdTicketQuery *q;
	gboolean filter_customer;
	guint64 customer;
	GPtrArray *tickets;	/* the matches */
	GError *error;
} Scan;

/* TRUE when @t is one the query asks for. */
static gboolean
matches(const Scan *s, const MdTicket *t)
{
	const MdTicketQuery *q = s->q;

	if (q->status != NULL && strcmp(q->status,
	    md_ticket_status_name(t->status)) != 0)
		return FALSE;
	if (q->hide_closed && t->status == MD_STATUS_CLOSED)
		return FALSE;
	if (q->queue != NULL && g_strcmp0(q->queue, t->queue) != 0)
		return FALSE;
	if (s->filter_customer && t->customer_id != s->customer)
		return FALSE;
	if (q->owner != NULL && (strcmp(q->owner, "none") == 0 ?
	    t->owner != NULL : g_ascii_strcasecmp(q->owner, t->owner ?
	    t->owner : "") != 0))
		return FALSE;
	if (q->older_than != 0 && t->updated_at >= q->older_than)
		return FALSE;
	return TRUE;
}

static gboolean
scan_one(MdTicket *t, gpointer user_data)
{
	Scan *s = user_data;

	if (!matches(s, t))
		return TRUE;
	/* Kept to be sorted: a fresh copy, as foreach frees its own. */
	t = md_ticket_load(s->txn, t->number, &s->error);
	if (t == NULL)
		return FALSE;
	g_ptr_array_add(s->tickets, t);
	return TRUE;
}

/* Open work first, then what waits for the customer, then what is done. */
static int
status_rank(MdStatus status)
{
	switch (status) {
	case MD_STATUS_NEW:
	case MD_STATUS_OPEN:
		return 0;
	case MD_STATUS_PENDING:
		return 1;
	case MD_STATUS_RESOLVED:
		return 2;
	case MD_STATUS_CLOSED:
	default:
		return 3;
	}
}

static gint
oldest_first(gconstpointer a, gconstpointer b)
{
	const MdTicket *x = *(MdTicket *const *)a;
	const MdTicket *y = *(MdTicket *const *)b;

	if (status_rank(x->status) != status_rank(y->status))
		return status_rank(x->status) - status_rank(y->status);
	if (x->updated_at != y->updated_at)
		return x->updated_at < y->updated_at ? -1 : 1;
	return x->number < y->number ? -1 : x->number > y->number;
}

GPtrArray *
md_ticket_query(MdTxn *txn, const MdTicketQuery *q, GError **error)
{
	g_autoptr(GPtrArray) tickets = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_ticket_free);
	Scan s = { .txn = txn, .q = q, .tickets = tickets };

	if (q->customer != NULL) {
		g_autoptr(MdCustomer) c = NULL;

		if (!md_customer_lookup_email(txn, q->customer, &c, error))
			return NULL;
		s.filter_customer = TRUE;
		/* Nobody: G_MAXUINT64 matches no ticket. */
		s.customer = c != NULL ? c->id : G_MAXUINT64;
	}
	if (!md_ticket_foreach(txn, scan_one, &s, error))
		return NULL;
	if (s.error != NULL) {
		g_propagate_error(error, s.error);
		return NULL;
	}
	g_ptr_array_sort(tickets, oldest_first);
	return g_steal_pointer(&tickets);
}
