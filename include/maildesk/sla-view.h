/* SPDX-License-Identifier: MIT */
/*
 * Service levels as people and scripts see them: the next due time of a
 * ticket in business hours of its queue's calendar, its targets as text
 * and JSON, and the tickets due by a given time, found through the due
 * index rather than a scan.  For the commands that show tickets, not
 * for deliver.
 */
#pragma once
#include <json-glib/json-glib.h>

#include "maildesk/calendar.h"
#include "maildesk/config.h"
#include "maildesk/sla.h"
#include "maildesk/store.h"
#include "maildesk/ticket.h"

typedef struct _MdSlaView MdSlaView;

/* A view that builds each queue's calendar once (transfer full). */
MdSlaView *md_sla_view_new(const MdConfig *config);
void md_sla_view_free(MdSlaView *v);

/* The calendar of @queue (borrowed); CONFIG as md_calendar_new(). */
const MdCalendar *md_sla_view_calendar(MdSlaView *v, const char *queue,
    GError **error);

/*
 * The service levels of @t: *@sla (transfer full, NULL when it has
 * none) and *@due, its next unmet due time (0: none), with *@target.
 */
gboolean md_sla_view_load(MdSlaView *v, MdTxn *txn, const MdTicket *t,
    MdSla **sla, gint64 *due, MdSlaTarget *target, GError **error);

/*
 * The tickets whose service levels may fall due by @until (every one
 * that does, and a few that turn out not to), in number order without
 * repeats (transfer full).  Reads only the due index.
 */
GArray *md_sla_view_candidates(MdTxn *txn, gint64 until, GError **error);

/*
 * Adds "due", "due_target", "pending_until" and "pending_close" members
 * to the open object of @b; with @full also "sla", each target's start,
 * due and met time and what was sent.
 */
void md_sla_view_json(MdSlaView *v, JsonBuilder *b, const MdTicket *t,
    const MdSla *sla, gboolean full);

/* Lines for ticket show: "Due: ...", each target, "Pending until: ...". */
void md_sla_view_text(MdSlaView *v, GString *out, const MdTicket *t,
    const MdSla *sla);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdSlaView, md_sla_view_free)
