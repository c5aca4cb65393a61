/* SPDX-License-Identifier: MIT */
/*
 * Business hours: which seconds of the wall clock count towards a service
 * level.  A calendar is built from the config ([calendar], or the
 * [calendar NAME] a queue names) and answers two questions in Unix
 * seconds; it never touches the store.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"

typedef struct _MdCalendar MdCalendar;

/*
 * The calendar of @queue (its "calendar" key), or the default one for a
 * NULL queue or a queue without one (transfer full).  Loads the time
 * zone and reads the holidays file, if any.  MD_ERROR_CONFIG for an
 * unknown time zone or a holidays file that cannot be read.
 */
MdCalendar *md_calendar_new(const MdConfig *config, const char *queue,
    GError **error);
void md_calendar_free(MdCalendar *cal);

/*
 * The time zone of @queue's calendar alone (transfer full), without
 * reading its holidays: for dates people write.  MD_ERROR_CONFIG for an
 * unknown zone.
 */
GTimeZone *md_calendar_zone(const MdConfig *config, const char *queue,
    GError **error);

/*
 * The Unix time when @business_seconds of business time have passed
 * since @start; @start itself if @business_seconds <= 0.  A calendar
 * without any working time in the next ten years gives G_MAXINT64.
 */
gint64 md_calendar_add(const MdCalendar *cal, gint64 start,
    gint64 business_seconds);

/* Business seconds between @from and @to; 0 if @to <= @from. */
gint64 md_calendar_between(const MdCalendar *cal, gint64 from, gint64 to);

/* TRUE if @t falls on a holiday of @cal (in its time zone). */
gboolean md_calendar_is_holiday(const MdCalendar *cal, gint64 t);

/*
 * Builds the calendar of every queue and the default one, as escalate
 * will; appends a line to @problems (of char *) for each that fails (an
 * unknown zone, an unreadable holidays file).  For config check.
 */
void md_calendar_check(const MdConfig *config, GPtrArray *problems);

/* The calendar's time zone (borrowed). */
GTimeZone *md_calendar_time_zone(const MdCalendar *cal);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdCalendar, md_calendar_free)
