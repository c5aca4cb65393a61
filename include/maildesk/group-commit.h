/* SPDX-License-Identifier: MIT */
/*
 * Group commit: deliveries from many threads stored by one writer thread,
 * many per LMDB transaction, each answered only after that transaction is
 * on disk; and a sender thread for the mail they queued.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/lmtp.h"
#include "maildesk/store.h"

typedef struct MdGroupCommit MdGroupCommit;

/*
 * Starts the writer and sender threads on @store (borrowed; from now on
 * only the writer thread uses it) and @config (borrowed).  @workers: how
 * many threads may parse at once (0: one per CPU).
 */
MdGroupCommit *md_group_commit_new(MdStore *store, const MdConfig *config,
    guint workers);

/*
 * Delivers @m to each of its recipients, as deliver would, and fills in
 * the outcomes: DELIVERED once stored and committed (or a duplicate of
 * mail stored before), TEMPFAIL with a reason when anything failed,
 * TOO_BIG over the size limit.  Parses in the calling thread; blocks
 * until the commit.  Thread-safe.
 */
void md_group_commit_deliver(MdGroupCommit *gc, MdLmtpMessage *m);

/*
 * Stores what is queued, sends what waits to be sent, records the
 * outcome, stops both threads and frees @gc.  No deliver call may be in
 * progress or follow.
 */
void md_group_commit_free(MdGroupCommit *gc);
