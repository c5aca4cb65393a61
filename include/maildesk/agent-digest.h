/* SPDX-License-Identifier: MIT */
/*
 * The agents' digest: for each agent, one list of what waits for them
 * (escalated tickets, pending tickets whose date has come, their open
 * tickets, the unassigned tickets of their queues), most overdue and
 * oldest first, read from the open-tickets index and never from the
 * whole store.  An agent with nothing to do gets no digest.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/store.h"

typedef enum {
	MD_DIGEST_ESCALATED,
	MD_DIGEST_PENDING_DUE,
	MD_DIGEST_OWN,
	MD_DIGEST_UNASSIGNED,
	MD_DIGEST_SECTIONS
} MdDigestSection;

typedef struct {
	guint64 number;
	MdDigestSection section;
	gint64 created_at;
	gint64 due_at;		/* 0: none */
} MdDigestItem;

typedef struct {
	char *agent;		/* owned, lower-cased */
	GArray *items;		/* owned, of MdDigestItem: what the mail
				 * lists, in its order */
	guint total[MD_DIGEST_SECTIONS];	/* all, listed or not */
} MdAgentDigest;

void md_agent_digest_free(MdAgentDigest *d);

/* The order of a digest: section, then due (overdue first), then age. */
gint md_agent_digest_compare(gconstpointer a, gconstpointer b);

/*
 * The digests due at @now, one per agent with something to do, by agent
 * address (transfer full, of MdAgentDigest); each lists at most
 * @max_items tickets.  Only agent @only (nullable) when given: NOT_FOUND
 * when it is no agent.  Reads the open-tickets index (read txn).
 */
GPtrArray *md_agent_digest_collect(MdTxn *txn, const MdConfig *config,
    const char *only, guint max_items, gint64 now, GError **error);

/* The sender of digests: our address of the default queue, or the first. */
const char *md_agent_digest_from(const MdConfig *config);

/*
 * The digest as mail text for its agent (transfer full): per ticket its
 * number, customer, subject, age, due time (in @tz) and a signed mailto:
 * link that answers it.  *@subject gets the mail's subject (transfer
 * full).  Reads tickets and customers (read txn).
 */
char *md_agent_digest_render(MdTxn *txn, const MdConfig *config,
    GBytes *secret, GTimeZone *tz, const MdAgentDigest *d, gint64 now,
    char **subject, GError **error);

/* "3d 4h", "5h 10m", "7m" (transfer full). */
char *md_agent_digest_age(gint64 seconds);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdAgentDigest, md_agent_digest_free)
