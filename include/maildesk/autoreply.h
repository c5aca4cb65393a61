/* SPDX-License-Identifier: MIT */
/*
 * What deliver sends in answer to a mail: the acknowledgement of a new
 * ticket and the notifications to the queue's agents, queued in the
 * delivery's own transaction.  Loop protection (RFC 3834) lives here.
 */
#pragma once
#include "maildesk/config.h"
#include "maildesk/customer.h"
#include "maildesk/message.h"
#include "maildesk/outbox.h"
#include "maildesk/store.h"
#include "maildesk/ticket.h"

typedef struct {
	MdTxn *txn;			/* write */
	const MdConfig *config;
	GBytes *secret;
	MdTicket *ticket;		/* saved by the caller afterwards */
	const MdCustomer *customer;	/* nullable */
	const MdMessage *message;	/* the mail just stored */
	guint32 seq;			/* its place in the ticket */
	const guint8 *raw;
	gsize raw_len;
	gboolean new_ticket;
	gint64 now;
	GArray *outbox_ids;		/* out: guint64 ids queued */
	gboolean defer_ack;		/* queue the ack owed, composed by
					 * whoever sends it */
	const char *loop_mark;		/* our X-Loop value */
} MdAutoreply;

/*
 * TRUE when nothing automatic may answer @m: machine mail, our own mail,
 * and mail from a restricted or bouncing customer.  Sets *@why.
 */
gboolean md_autoreply_forbidden(const MdConfig *config, const MdMessage *m,
    const MdCustomer *customer, const char **why);

/*
 * Queues the acknowledgement and notifications @a calls for.  A template
 * or composition problem is noted on the ticket, never fails the delivery;
 * only store errors do.
 */
gboolean md_autoreply_queue(MdAutoreply *a, GError **error);

/*
 * Composes the owed acknowledgement @e (read from @txn, which may be a
 * read transaction): fills in its data and Message-ID, and sets *@ack to
 * the ack as its ticket will keep it (transfer full).  When there is
 * nothing to send (its ticket, customer or message gone, the template
 * unreadable) leaves the data empty, *@ack NULL, and says why in
 * e->last_error.  Writes nothing, so it may run beside the writer; FALSE
 * only on store errors.
 */
gboolean md_autoreply_compose(MdTxn *txn, const MdConfig *config,
    MdOutboxEntry *e, gint64 now, MdMessage **ack, GError **error);

/*
 * Records what md_autoreply_compose() made of @e (write txn): @ack
 * (nullable) kept in the ticket and @e filled in (*@sendable TRUE), or,
 * when there was nothing to send, an event in the ticket and @e removed.
 * An entry erased meanwhile stays erased.
 */
gboolean md_autoreply_keep(MdTxn *txn, const MdConfig *config,
    MdOutboxEntry *e, const MdMessage *ack, gint64 now, gboolean *sendable,
    GError **error);

/*
 * Composes and keeps every owed entry whose sender is gone (its lease
 * has run out), so that `flush` can send it; one write transaction, and
 * none when there is nothing owed.
 */
gboolean md_autoreply_compose_due(MdStore *store, const MdConfig *config,
    gint64 now, GError **error);
