/* SPDX-License-Identifier: MIT */
/*
 * Handing mail back after a standby served: every mail a store received
 * after a point in time, byte for byte as received, written as a Maildir
 * that `maildesk import maildir` on the primary takes in (its dedupe keys
 * skip what the primary has already).  Used by the full binary only.
 */
#pragma once
#include <glib.h>

#include "maildesk/store.h"

/*
 * Writes each mail that came in (all but maildesk's own acknowledgements)
 * and was received after @since (Unix seconds) into the
 * Maildir @dir (created; must be new or empty, USAGE otherwise), oldest
 * first by file name; sets *@count.  Reads in one transaction.
 */
gboolean md_handover_write(MdStore *store, gint64 since, const char *dir,
    guint *count, GError **error);
