/* SPDX-License-Identifier: MIT */
/*
 * Loop protection that needs the store: our own loop mark, our own mail
 * known by its signed Message-ID, and the cap on relayed agent answers.
 * The rules that read only the mail (RFC 3834) are in classify.c.
 */
#pragma once
#include "maildesk/config.h"
#include "maildesk/message.h"
#include "maildesk/store.h"

/*
 * The X-Loop value of our mail: [deliver] x-loop, or when that is empty
 * one derived from the store's @secret, so that no two installations
 * share it (transfer full).
 */
char *md_loop_mark(const MdConfig *config, GBytes *secret);

/*
 * Flags @m MD_MSG_LOOP when it is our own mail coming back: our loop
 * @mark (md_loop_mark) in X-Loop, or a Message-ID we signed.
 */
void md_loop_flag_own(MdMessage *m, GBytes *secret, const char *mark);

/*
 * Counts one relayed answer in @ticket against [agents] relays-per-hour
 * (write txn); FALSE in *@allowed when the ticket is at the cap (nothing
 * counted then).  Errors only for store failures.
 */
gboolean md_loop_relay_allowed(MdTxn *txn, const MdConfig *config,
    guint64 ticket, gint64 now, gboolean *allowed, GError **error);
