/* SPDX-License-Identifier: MIT */
/*
 * maildesk restore: a backup becomes a store again, and forgets what was
 * erased after it was taken.  The backup's files are checked against its
 * manifest, decrypted if need be, and opened in a staging directory
 * beside the target; the erasure ledger is replayed there and the copy
 * compacted; only then does it take the target's place.  A damaged backup
 * is refused and nothing is changed.  Used by the full binary only.
 */
#pragma once
#include <glib.h>

#include "maildesk/manifest.h"
#include "maildesk/replay.h"
#include "maildesk/store.h"

/* Meta key of a restored store: when its backup was taken (be64). */
#define MD_RESTORE_BACKUP_TIME "backup-time"

typedef struct {
	const char *backup;	/* a backup directory, a tar file, or "-" */
	const char *target;	/* the store directory to restore into */
	GPtrArray *ledger;	/* borrowed, of MdLedgerEntry: to replay */
	const char *ledger_store;	/* nullable: the ledger's store tag */
	gboolean force;		/* replace a store that has data */
	guint64 next_ticket;	/* nonzero: number the copy's next ticket */
	guint64 map_size_bytes;
	const char *gnupg_home;	/* nullable */
} MdRestoreOptions;

typedef struct {
	MdManifest *manifest;	/* owned */
	MdReplayReport replay;
	gboolean compacted;
	gboolean replaced;	/* the target held a store before */
} MdRestoreResult;

void md_restore_result_init(MdRestoreResult *r);
void md_restore_result_clear(MdRestoreResult *r);

/*
 * Restores @o->backup into @o->target.  USAGE when the target is not
 * empty and @o->force is not set, or when the ledger belongs to another
 * store; CORRUPT when the backup does not match its manifest; CONFIG when
 * it cannot be decrypted here; TEMPFAIL on I/O errors.  The target is
 * left as it was on every failure.
 */
gboolean md_restore(const MdRestoreOptions *o, MdRestoreResult *r,
    GError **error);

/* When the backup a restored store came from was taken; 0 if it was not
 * restored. */
gboolean md_restore_backup_time(MdTxn *txn, gint64 *out, GError **error);
