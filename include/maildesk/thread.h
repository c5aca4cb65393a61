/* SPDX-License-Identifier: MIT */
/*
 * Which ticket a message belongs to, in order of trust: a reply to a stored
 * Message-ID (In-Reply-To, References, or the original a DSN reports on),
 * then the subject tag, accepted only from the ticket's own customer.
 */
#pragma once
#include "maildesk/config.h"
#include "maildesk/message.h"
#include "maildesk/store.h"

typedef enum {
	MD_THREAD_NEW,		/* nothing matched */
	MD_THREAD_TOKEN,	/* sent to a valid signed reply address */
	MD_THREAD_REFERENCE,	/* In-Reply-To / References / DSN original */
	MD_THREAD_TAG,		/* [Ticket#N] from the ticket's customer */
} MdThreadReason;

typedef struct {
	MdThreadReason reason;
	guint64 ticket;		/* 0 when new */
	guint64 cited;		/* a tag we did not honour, or 0 */
	const char *agent;	/* an agent's token: points to agent_buf */
	char agent_buf[320];
	gboolean bad_token;	/* a reply address with a wrong MAC */
} MdThreadMatch;

/*
 * Finds the ticket for @m from customer @customer_id (0: none) arriving in
 * @queue.  Errors only for store failures.
 */
gboolean md_thread_find(MdTxn *txn, const MdConfig *config, GBytes *secret,
    const MdMessage *m, guint64 customer_id, const char *queue,
    MdThreadMatch *match, GError **error);

/* The ticket number in a "[<tag>N]" subject tag, or 0. */
guint64 md_thread_subject_tag(const char *subject, const char *tag);
