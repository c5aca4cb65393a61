/* SPDX-License-Identifier: MIT */
/*
 * The LMTP server: one process, many connections, one writer that stores
 * the mail of many connections in one transaction (group commit), and a
 * sender for what the deliveries queued.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/store.h"

/*
 * Serves LMTP on the sockets systemd passed (socket activation), else on
 * @listen (nullable: "unix:PATH" and "inet:HOST:PORT" words; NULL takes
 * [lmtp] listen), until SIGTERM or SIGINT; then finishes what is in
 * flight, refuses the rest with 421, and returns TRUE.  Stores in @store,
 * which it keeps open (and leaves for a waiting compaction).  CONFIG for
 * a bad listen address or client list, TEMPFAIL when a socket cannot be
 * had.
 */
gboolean md_lmtpd_run(MdStore *store, const MdConfig *config,
    const char *listen, GError **error);

/*
 * Parses a listen list ("unix:PATH", "inet:HOST:PORT", "inet:[V6]:PORT",
 * separated by white space, commas or semicolons) into a NULL-terminated
 * array of words, each checked (transfer full).  CONFIG when one is bad.
 */
char **md_lmtpd_parse_listen(const char *list, GError **error);
