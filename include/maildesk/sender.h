/* SPDX-License-Identifier: MIT */
/*
 * The sender: after a delivery's commit, a process of its own sends what
 * the delivery queued and records the outcome, so that the MTA waits for
 * the commit and no longer.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"

/*
 * Starts a detached process (double fork, own session, no descriptor of
 * ours but the sender lock) that opens the store @config names afresh and
 * sends the outbox entries @ids (guint64; leased to us when queued).
 * Returns at once, leaving a child that exits at once for the caller's
 * end (or its own waitpid) to reap: for processes about to exit.  FALSE
 * (a TEMPFAIL error) when no process could be started: the entries then
 * wait for `maildesk flush` once their lease ends.  Must not be called
 * while a transaction is open.
 */
gboolean md_sender_start(const MdConfig *config, GArray *ids,
    GError **error);

/*
 * The file under the store that every sender holds a shared lock on while
 * it runs: `flock -x` on it waits for all of them (transfer full).
 */
char *md_sender_lock_path(const char *store_path);
