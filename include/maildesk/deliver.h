/* SPDX-License-Identifier: MIT */
/*
 * One delivery: parse outside the lock, then one write transaction that
 * stores the raw bytes, the parsed message, the customer, the ticket and
 * every index, or nothing at all.
 */
#pragma once
#include "maildesk/config.h"
#include "maildesk/message.h"
#include "maildesk/store.h"

typedef struct {
	gboolean duplicate;	/* already stored: nothing written */
	guint64 ticket;
	guint32 seq;
	guint64 customer;	/* 0: no customer */
	gboolean new_ticket;
	const char *kind;	/* static */
	guint32 flags;
	char *queue;		/* owned */
	GArray *outbox_ids;	/* owned, guint64: mail queued by it */
	gboolean search_request;	/* an agent's "#search": queued for
					 * an answer, no ticket */
} MdDeliverResult;

void md_deliver_result_clear(MdDeliverResult *r);

typedef struct {
	const char *sender;	/* nullable: envelope sender, "" for <> */
	const char *recipient;	/* nullable: our address it reached */
	const char *agent;	/* nullable: written by this agent, trusted
				 * (the command line: ticket reply/note) */
	guint64 ticket;		/* nonzero: file in this ticket */
	MdTxn *txn;		/* nullable: store in this write txn and
				 * leave the commit to the caller (import) */
	gboolean no_autoreply;	/* queue no mail at all: no acknowledgement,
				 * notification, or relay of an agent's
				 * answer (import) */
	MdMessage *message;	/* nullable, borrowed: @raw as
				 * md_deliver_prepare() made it (with the
				 * same sender, recipient and time); the
				 * delivery changes it */
	gboolean defer_ack;	/* only record that an acknowledgement is
				 * owed: the sender that follows the commit
				 * composes it (autoreply.h) */
} MdDeliverOptions;

/*
 * What a delivery does before it takes the writer lock: parses @raw
 * (borrowed), fills in the envelope, our address it reached, its queue,
 * and classifies it.  Needs no store, so several threads can prepare
 * mails while one stores them (import, lmtpd).  Transfer full.
 */
MdMessage *md_deliver_prepare(const MdConfig *config, const guint8 *raw,
    gsize len, const char *sender, const char *recipient, gint64 now);

/*
 * Stores the message @raw (borrowed) as @opts say: the envelope sender
 * (nullable; "" is the null sender), our address it reached, at @now.
 * REJECT when over the size limit; TEMPFAIL for store failures.  Opens
 * and commits one write transaction, unless @opts hands it one.
 */
gboolean md_deliver_opts(MdStore *store, const MdConfig *config,
    const guint8 *raw, gsize len, const MdDeliverOptions *opts, gint64 now,
    MdDeliverResult *result, GError **error);

