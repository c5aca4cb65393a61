/* SPDX-License-Identifier: MIT */
/*
 * Which ticket a message belongs to, in order of trust:
 *  1. a fresh signed reply address (To, Cc or the envelope), from anyone;
 *  2. a reply to a stored or signed Message-ID: In-Reply-To, then
 *     References from the newest back, then the original a DSN or an
 *     auto-reply reports on;
 *  3. a reply address of ours past its days (stale), as much as the tag;
 *  4. the subject tag.
 * Steps 2 to 4 only for the ticket's customer, its participants or an
 * agent (a bounce's references from anyone); what they name otherwise is
 * only cited.
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
	gboolean cited_reference;	/* @cited: by a reference */
	const char *agent;	/* the sender's own agent token: agent_buf */
	char agent_buf[320];
	gboolean token_stale;	/* that token is out of date, or old */
	guint64 stale_ticket;	/* a customer token out of date, or 0 */
	gboolean bad_token;	/* a reply address with a wrong MAC */
} MdThreadMatch;

/* Who writes, as far as threading cares. */
typedef struct {
	guint64 customer_id;	/* their profile, 0: none */
	const char *address;	/* nullable: their address */
	gboolean agent;		/* an agent of ours */
} MdThreadSender;

/*
 * Finds the ticket for @m from @who arriving in @queue at @now (tokens
 * older than [deliver] token-days are stale).  Errors only for store
 * failures.
 */
gboolean md_thread_find(MdTxn *txn, const MdConfig *config, GBytes *secret,
    const MdMessage *m, const MdThreadSender *who, const char *queue,
    gint64 now, MdThreadMatch *match, GError **error);

/* The ticket number in a "[<tag>N]" subject tag, or 0. */
guint64 md_thread_subject_tag(const char *subject, const char *tag);
