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
