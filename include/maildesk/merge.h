/* SPDX-License-Identifier: MIT */
/*
 * Merging a ticket into another: its messages, events and participants
 * move in one write transaction, and the ticket stays as a stub that
 * points to its target, so that whatever still names it (a Message-ID,
 * a signed reply address, the subject tag) finds the target.
 */
#pragma once
#include <glib.h>

#include "maildesk/store.h"
#include "maildesk/ticket.h"

/* Stubs followed at most, against a chain gone wrong. */
#define MD_MERGE_MAX_HOPS 16

/* Parses a ticket number ("42", "#42"); FALSE for anything else. */
gboolean md_merge_parse_number(const char *s, guint64 *number);

/*
 * The ticket @number lives on in: itself, or the end of its chain of
 * merges.  Errors count as "itself": the caller loads it anyway.
 */
guint64 md_merge_target(MdTxn *txn, guint64 number);

/*
 * Why @from may not be merged into @into: the same ticket, either a stub
 * already, or (unless @force) two different customers.  USAGE with a
 * sentence for the person; TRUE when it may.
 */
gboolean md_merge_check(const MdTicket *from, const MdTicket *into,
    gboolean force, GError **error);

/*
 * Moves @from into @into (write txn): messages (renumbered after
 * @into's), raw bytes and relayed copies, the Message-ID and dedupe
 * index entries and queued mail that point at them, events,
 * participants and the people linked to @from; @from becomes a closed
 * stub (merged_into).  Both are saved; an audit entry records it.
 * Reads the whole Message-ID and dedupe indexes: for an agent's
 * command, never for every delivery.
 */
gboolean md_merge(MdTxn *txn, MdTicket *from, MdTicket *into,
    gboolean force, gint64 now, GError **error);
