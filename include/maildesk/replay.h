/* SPDX-License-Identifier: MIT */
/*
 * Replaying the erasure ledger on a copy of the store (a restored backup, a
 * standby): what an entry removed is found again by its keyed hashes, in
 * the data that existed when the entry was made, and removed the same way.
 * Data newer than an entry (a person who wrote again after their erasure)
 * is not its concern.
 */
#pragma once
#include <glib.h>

#include "maildesk/ledger.h"
#include "maildesk/privacy.h"
#include "maildesk/store.h"

/* What of one entry is still in a store. */
typedef struct {
	const MdLedgerEntry *entry;	/* borrowed */
	GPtrArray *customers;	/* owned, of MdCustomer */
	GArray *tickets;	/* owned, guint64: to remove whole */
	GArray *messages;	/* owned, MdMessageRef: to leave as tombstones */
} MdReplayMatch;

void md_replay_match_free(MdReplayMatch *m);

/* TRUE when nothing of the entry is left. */
gboolean md_replay_match_is_empty(const MdReplayMatch *m);

/*
 * For each of @entries (of MdLedgerEntry, borrowed), what of it the store
 * still holds (transfer full, of MdReplayMatch, in the same order).  Reads
 * only; one pass over customers and Message-IDs for all entries.  CORRUPT
 * when a message it has to look at cannot be read: whether an erasure
 * removed it cannot be told.
 */
GPtrArray *md_replay_match(MdTxn *txn, GPtrArray *entries, GError **error);

typedef struct {
	guint applied;		/* entries new to this store, now in its ledger */
	guint known;		/* entries it had already */
	MdEraseReport removed;	/* what went */
} MdReplayReport;

void md_replay_report_init(MdReplayReport *r);
void md_replay_report_clear(MdReplayReport *r);

/*
 * Applies those of @entries the store's ledger lacks (write txn): removes
 * what they removed (md_privacy_remove), appends them to the ledger and,
 * when anything went, records that a compaction is owed.
 */
gboolean md_replay_apply(MdTxn *txn, GPtrArray *entries, MdReplayReport *r,
    GError **error);
