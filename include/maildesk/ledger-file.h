/* SPDX-License-Identifier: MIT */
/*
 * The erasure ledger as a file (JSON, format "maildesk-ledger", version
 * 1): what `maildesk ledger export` writes and `restore --ledger` and
 * `ledger replay` read, so that a copy of the store can be brought to
 * forget what was erased while the original was out of reach.  Like the
 * ledger, it holds no personal data.  Used by the full binary only.
 */
#pragma once
#include <glib.h>

#include "maildesk/store.h"

#define MD_LEDGER_FILE_VERSION 1

/* The ledger of @txn's store as JSON text (transfer full). */
char *md_ledger_file_export(MdTxn *txn, GError **error);

/*
 * Writes the ledger of @store to @path: whole (a temporary name, then a
 * rename), 0600, synced.  TEMPFAIL when it cannot.
 */
gboolean md_ledger_file_save(MdStore *store, const char *path,
    GError **error);

/*
 * The entries of the ledger file @path (transfer full, of MdLedgerEntry);
 * sets *@store (transfer full) to the tag of the store it came from.
 * USAGE when it cannot be read, CORRUPT when it is not a ledger file.
 */
GPtrArray *md_ledger_file_load(const char *path, char **store,
    GError **error);
