/* SPDX-License-Identifier: MIT */
/*
 * Service levels of one ticket: a clock per target (first response, next
 * update, solution) that starts, pauses while the ticket waits (pending,
 * resolved, closed) and is met; the pending reminder; and the due index,
 * which lists every ticket by the next moment escalate has to look at it.
 *
 *   sla   ticket (be64)                      -> MdSla record
 *   due   time (be64), ticket (be64), kind (1) -> empty
 *         (escalated clocks not yet met: the time with its top bit set)
 *
 * Both are changed only in the caller's write transaction, together with
 * the ticket.  Nothing here needs a calendar: the index holds a moment
 * no later than the real one (a business second is never shorter than a
 * wall-clock one), and escalate, which has the calendar, moves an entry
 * to the exact moment when it finds it early.  So deliver pays one read
 * and at most a few small writes.
 */
#pragma once
#include <glib.h>

#include "maildesk/calendar.h"
#include "maildesk/config.h"
#include "maildesk/store.h"
#include "maildesk/ticket.h"

/* What the due index says to look at. */
typedef enum {
	MD_SLA_DUE_FIRST_RESPONSE = MD_SLA_FIRST_RESPONSE,
	MD_SLA_DUE_NEXT_UPDATE = MD_SLA_NEXT_UPDATE,
	MD_SLA_DUE_SOLUTION = MD_SLA_SOLUTION,
	MD_SLA_DUE_PENDING,	/* the pending date: reminder, or close */
} MdSlaDue;

/* What happened to a ticket, for md_sla_note(). */
typedef enum {
	MD_SLA_EVENT_NONE,	/* only its status may have changed */
	MD_SLA_EVENT_CUSTOMER,	/* a customer's message came in */
	MD_SLA_EVENT_ANSWER,	/* an agent's answer went to the customer */
} MdSlaEvent;

#define MD_SLA_SENT_WARNING 1
#define MD_SLA_SENT_ESCALATION 2

typedef struct {
	gint64 start;		/* when the clock last started, 0: never */
	gint64 budget_s;	/* business seconds of the target */
	gint64 met;		/* when it was met, 0: not yet */
	gint64 indexed;		/* its time in the due index, 0: none */
	guint8 sent;		/* MD_SLA_SENT_* for this start */
} MdSlaClock;

typedef struct {
	gint64 from;
	gint64 to;		/* 0: still waiting */
} MdSlaPause;

typedef struct {
	guint64 ticket;
	MdStatus status;	/* the ticket's status when last noted */
	gint64 pending_until;	/* the pending date, 0: none */
	gboolean pending_close;	/* closes then, rather than reminding */
	gint64 pending_indexed;	/* its time in the due index, 0: none */
	GArray *pauses;		/* owned, of MdSlaPause, oldest first */
	MdSlaClock clocks[MD_SLA_N_TARGETS];
} MdSla;

void md_sla_free(MdSla *sla);

/* The record of ticket @number, or NULL (no error) when it has none. */
MdSla *md_sla_load(MdTxn *txn, guint64 number, GError **error);

/* Writes @sla and puts its due index entries in step (write txn). */
gboolean md_sla_save(MdTxn *txn, const MdConfig *config, MdSla *sla,
    const MdCalendar *cal, GError **error);

/*
 * Brings ticket @t's service levels up to date after @event at @now and
 * after whatever status @t now has (write txn; call before or after
 * md_ticket_save, in the same transaction).  Starts the clocks of a new
 * ticket, the next-update clock on a customer's message after an
 * answer, meets first response and next update on an answer and the
 * solution on resolved or closed; pauses while pending, resolved or
 * closed, and a customer's reopening clears the pending date.  Does
 * nothing, at the cost of one read, for a ticket without targets.
 */
gboolean md_sla_note(MdTxn *txn, const MdConfig *config, const MdTicket *t,
    MdSlaEvent event, gint64 now, GError **error);

/*
 * Ticket @t (already set pending) comes back at @until: a reminder then,
 * or with @close, it closes unless the customer writes first (write txn).
 */
gboolean md_sla_set_pending(MdTxn *txn, const MdConfig *config,
    const MdTicket *t, gint64 until, gboolean close, gint64 now,
    GError **error);

/*
 * When @business_s of clock @target have run, counting in @cal (NULL:
 * wall-clock seconds, a lower bound) and leaving out the pauses;
 * G_MAXINT64 while it is paused or never started.
 */
gint64 md_sla_clock_at(const MdSla *sla, MdSlaTarget target,
    gint64 business_s, const MdCalendar *cal);

/* When @target falls due; 0 if it is met or does not run. */
gint64 md_sla_due(const MdSla *sla, MdSlaTarget target,
    const MdCalendar *cal);

/* The earliest unmet due time of @sla, 0 if none; *@target gets which. */
gint64 md_sla_next_due(const MdSla *sla, const MdCalendar *cal,
    MdSlaTarget *target);

/* Removes ticket @number's record and index entries (write txn). */
gboolean md_sla_drop(MdTxn *txn, guint64 number, GError **error);

/*
 * Calls @fn for each due index entry up to and including @until, in time
 * order, until it returns FALSE.
 */
typedef gboolean (*MdSlaDueFunc)(gint64 time, guint64 ticket, MdSlaDue kind,
    gpointer user_data);
gboolean md_sla_foreach_due(MdTxn *txn, gint64 until, MdSlaDueFunc fn,
    gpointer user_data, GError **error);

/*
 * Calls @fn for each clock escalated and not yet met (with its due time,
 * as far as known without a calendar), until it returns FALSE.
 */
gboolean md_sla_foreach_overdue(MdTxn *txn, MdSlaDueFunc fn,
    gpointer user_data, GError **error);

/*
 * Removes the due index entry @time, @ticket, @kind (write txn); the
 * record still names it until saved.  Missing is fine.
 */
gboolean md_sla_remove_entry(MdTxn *txn, gint64 time, guint64 ticket,
    MdSlaDue kind, GError **error);

/*
 * Appends a line to @problems (of char *) for each due index entry its
 * record does not name, each one a record names that is missing, and
 * each record of a ticket that is gone.  Store errors only.
 */
gboolean md_sla_check(MdTxn *txn, GPtrArray *problems, GError **error);

/* Empties the due index and writes it again from the records (write). */
gboolean md_sla_rebuild_index(MdTxn *txn, const MdConfig *config,
    GError **error);

/* The name of @target: "first-response", "next-update", "solution". */
const char *md_sla_target_name(MdSlaTarget target);

/*
 * A pending date as the command line and #pending take it: "2026-12-24"
 * (the start of that day in @tz, NULL: UTC), "2026-12-24T14:00" (in
 * @tz), "3d", "12h" (from @now).  0 if @text is none of them.
 */
gint64 md_sla_parse_date(const char *text, GTimeZone *tz, gint64 now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdSla, md_sla_free)
