/* SPDX-License-Identifier: MIT */
/*
 * Reports for team leads: tickets opened, resolved and still open in a
 * period, the backlog at the end of each day, and first-response and
 * resolution times (median and 90th percentile, in business hours) per
 * queue and per agent.  Computed from the store in one read transaction;
 * nothing is kept between reports.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/store.h"

/* One queue's or agent's figures (or the whole period's). */
typedef struct {
	char *name;		/* owned; "" for the total */
	guint opened;		/* created in the period */
	guint resolved;		/* resolved or closed in the period */
	guint open;		/* open at the end of the period */
	GArray *first_response_s;	/* owned, of gint64: business seconds
					 * to the first agent answer, of
					 * tickets opened in the period */
	GArray *resolution_s;	/* owned, of gint64: business seconds from
				 * creation to resolution, of tickets
				 * resolved in the period */
	/*
	 * Per MdSlaTarget, of the tickets opened in the period: how many had
	 * the target and were decided by the period's end (met, or past
	 * due), and how many met it in time.
	 */
	guint sla_tickets[MD_SLA_N_TARGETS];
	guint sla_within[MD_SLA_N_TARGETS];
} MdReportGroup;

typedef struct {
	gint64 start;		/* the day's first second (local midnight) */
	gint64 end;		/* the next day's first second */
	guint opened;
	guint resolved;
	guint backlog;		/* open at @end */
} MdReportDay;

typedef struct {
	gint64 since;		/* first second of the period */
	gint64 until;		/* first second after it */
	char *queue;		/* owned, nullable: only this queue */
	GTimeZone *tz;		/* owned: the zone of the days */
	MdReportGroup *total;	/* owned */
	GPtrArray *queues;	/* owned, of MdReportGroup, by name */
	GPtrArray *agents;	/* owned, of MdReportGroup, by address */
	GArray *days;		/* owned, of MdReportDay */
} MdReport;

void md_report_free(MdReport *r);

/*
 * The report of [@since, @until) (midnights in @tz, the zone of the
 * calendar), only of @queue when non-NULL (read txn).  Times are business
 * seconds of each queue's calendar.  An agent's figures: first response
 * of the tickets they answered first, resolution of the tickets they own
 * (or else answered first).  CONFIG when a calendar cannot be loaded.
 */
MdReport *md_report_compute(MdTxn *txn, const MdConfig *config, GTimeZone *tz,
    gint64 since, gint64 until, const char *queue, GError **error);

/*
 * The @pct-th percentile of @values by nearest rank: the smallest value
 * that at least @pct per cent of them do not exceed; -1 when empty.
 * @values is left as it was.
 */
gint64 md_report_percentile(const GArray *values, guint pct);

/*
 * For each of @n_ends times, how many of the @n tickets (created at
 * @created[i], resolved at @closed[i] or 0 when still open) were open
 * then: created at or before it and not resolved by it.
 */
void md_report_backlog(const gint64 *created, const gint64 *closed, gsize n,
    const gint64 *ends, gsize n_ends, guint *out);

/* Appends @field to @line as one CSV field (RFC 4180 quoting). */
void md_report_csv_field(GString *line, const char *field);

/*
 * Parses "YYYY-MM-DD" as that day's midnight in @tz; USAGE with @what
 * (the option) when it is no date.
 */
gboolean md_report_parse_day(const char *s, GTimeZone *tz, const char *what,
    gint64 *out, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdReport, md_report_free)
