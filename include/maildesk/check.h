/* SPDX-License-Identifier: MIT */
/*
 * Store consistency: every index entry points at a record and every
 * record is indexed.  Reads only.
 */
#pragma once
#include "maildesk/config.h"
#include "maildesk/store.h"

/*
 * Appends one line per problem to @problems: a record that cannot be read
 * is "corrupt", one that is not there "missing".  FALSE only on store
 * errors that stop the walk.
 */
gboolean md_check_store(MdStore *store, GPtrArray *problems, guint64 *tickets,
    guint64 *messages, GError **error);

/*
 * Appends one line to @problems for each erasure ledger entry of which
 * the store still holds data older than the entry; sets *@entries to the
 * number of entries.  A corrupt message the entries name is one problem
 * line.  FALSE only on store errors.
 */
gboolean md_check_ledger(MdStore *store, GPtrArray *problems, guint *entries,
    GError **error);

/*
 * Rebuilds every index (Message-IDs, duplicates, addresses, customer
 * links) from the records, in one write transaction.  CORRUPT when a
 * record cannot be read: nothing is rebuilt then.
 */
gboolean md_check_repair(MdStore *store, const MdConfig *config,
    guint64 *entries, GError **error);
