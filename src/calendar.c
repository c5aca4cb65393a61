/* SPDX-License-Identifier: MIT */
/*
 * Business hours from the config: working days, working hours in a time
 * zone, and holidays (dates in the config, or the all-day events of an
 * iCalendar file).  Times in and out are Unix seconds; every local date
 * and hour is resolved through GTimeZone, so a day of a daylight-saving
 * change has 23 or 25 hours and working hours stay at their wall-clock
 * times.  Never touches the store.
 */
#include <stdio.h>
#include <string.h>

#include "maildesk/calendar.h"
#include "maildesk/error.h"

/* The latest time a GDateTime holds: 9999-12-31T23:59:59Z. */
#define LAST_SECOND G_GINT64_CONSTANT(253402300799)
/* How far md_calendar_add looks for working time before giving up. */
#define MAX_DAYS 3660

struct _MdCalendar {
	GTimeZone *tz;		/* owned */
	guint days;		/* bit 0 Monday ... bit 6 Sunday */
	GArray *hours;		/* owned, of guint minute pairs */
	GHashTable *dates;	/* owned: Julian day numbers */
	GHashTable *yearly;	/* owned: month * 100 + day */
};

void
md_calendar_free(MdCalendar *cal)
{
	if (cal == NULL)
		return;
	g_clear_pointer(&cal->tz, g_time_zone_unref);
	g_clear_pointer(&cal->hours, g_array_unref);
	g_clear_pointer(&cal->dates, g_hash_table_unref);
	g_clear_pointer(&cal->yearly, g_hash_table_unref);
	g_free(cal);
}

static void
add_date(MdCalendar *cal, guint year, guint month, guint day)
{
	GDate d;

	if (!g_date_valid_dmy(day, month, year))
		return;
	g_date_clear(&d, 1);
	g_date_set_dmy(&d, day, month, year);
	g_hash_table_add(cal->dates, GUINT_TO_POINTER(g_date_get_julian(&d)));
}

static void
add_yearly(MdCalendar *cal, guint month, guint day)
{
	g_hash_table_add(cal->yearly, GUINT_TO_POINTER(month * 100 + day));
}

/* "YYYYMMDD", the form of an all-day DTSTART or DTEND. */
static gboolean
ical_date(const char *value, GDate *d)
{
	guint y, m, day;

	if (strlen(value) != 8 || strspn(value, "0123456789") != 8)
		return FALSE;
	y = (guint)g_ascii_strtoull(value, NULL, 10) / 10000;
	m = (guint)(g_ascii_strtoull(value, NULL, 10) / 100 % 100);
	day = (guint)(g_ascii_strtoull(value, NULL, 10) % 100);
	if (!g_date_valid_dmy(day, m, y))
		return FALSE;
	g_date_clear(d, 1);
	g_date_set_dmy(d, day, m, y);
	return TRUE;
}

typedef struct {
	GDate start, end;
	gboolean has_start, has_end, yearly, timed;
} Event;

static void
event_add(MdCalendar *cal, const Event *ev)
{
	GDate d = ev->start;
	guint n = 0;

	if (!ev->has_start || ev->timed)
		return;
	do {
		if (ev->yearly)
			add_yearly(cal, g_date_get_month(&d),
			    g_date_get_day(&d));
		else
			add_date(cal, g_date_get_year(&d),
			    g_date_get_month(&d), g_date_get_day(&d));
		g_date_add_days(&d, 1);
	} while (ev->has_end && g_date_compare(&d, &ev->end) < 0 &&
	    ++n < 366);
}

/*
 * The holidays of an iCalendar file (RFC 5545): each VEVENT with an
 * all-day DTSTART (a DATE value), through its DTEND (exclusive) if it
 * has one; "RRULE:FREQ=YEARLY" makes it recur on the same date.  Events
 * with a time of day, and other recurrence rules (beyond the first
 * date), are no holidays here: maildesk(8) says so.
 */
static void
read_ical(MdCalendar *cal, const char *text)
{
	g_autoptr(GString) unfolded = g_string_new(NULL);
	g_auto(GStrv) lines = NULL;
	Event ev = { 0 };
	gboolean in_event = FALSE;

	/* Lines end in CRLF; one starting with a space or tab continues. */
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n' && (p[1] == ' ' || p[1] == '\t')) {
			p++;
			continue;
		}
		g_string_append_c(unfolded, *p);
	}
	lines = g_strsplit(unfolded->str, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		char *colon = strchr(*l, ':');
		g_autofree char *name = NULL;
		const char *value;

		if (colon == NULL)
			continue;
		value = colon + 1;
		name = g_ascii_strup(*l, strcspn(*l, ";:"));
		if (strcmp(name, "BEGIN") == 0 &&
		    g_ascii_strcasecmp(value, "VEVENT") == 0) {
			memset(&ev, 0, sizeof ev);
			in_event = TRUE;
		} else if (strcmp(name, "END") == 0 &&
		    g_ascii_strcasecmp(value, "VEVENT") == 0 && in_event) {
			event_add(cal, &ev);
			in_event = FALSE;
		} else if (!in_event)
			continue;
		else if (strcmp(name, "DTSTART") == 0) {
			ev.has_start = ical_date(value, &ev.start);
			ev.timed = !ev.has_start;
		} else if (strcmp(name, "DTEND") == 0)
			ev.has_end = ical_date(value, &ev.end);
		else if (strcmp(name, "RRULE") == 0)
			ev.yearly = g_ascii_strcasecmp(value,
			    "FREQ=YEARLY") == 0 || g_ascii_strcasecmp(value,
			    "FREQ=YEARLY;INTERVAL=1") == 0;
	}
}

/* The calendar group that @queue counts in (borrowed). */
static const MdCalendarSpec *
spec_of(const MdConfig *config, const char *queue)
{
	const MdQueue *q = md_config_queue(config, queue);
	const MdCalendarSpec *spec = md_config_calendar(config,
	    queue != NULL ? q->calendar : NULL);

	return spec != NULL ? spec : md_config_calendar(config, NULL);
}

static GTimeZone *
zone_of(const MdCalendarSpec *spec, GError **error)
{
	GTimeZone *tz;

	if (spec->time_zone[0] == '\0')
		return g_time_zone_new_local();
	if ((tz = g_time_zone_new_identifier(spec->time_zone)) != NULL)
		return tz;
	g_set_error(error, MD_ERROR, MD_ERROR_CONFIG, "[calendar%s%s] "
	    "time-zone: \"%s\" is no time zone this system knows",
	    spec->name ? " " : "", spec->name ? spec->name : "",
	    spec->time_zone);
	return NULL;
}

GTimeZone *
md_calendar_zone(const MdConfig *config, const char *queue, GError **error)
{
	return zone_of(spec_of(config, queue), error);
}

MdCalendar *
md_calendar_new(const MdConfig *config, const char *queue, GError **error)
{
	const MdCalendarSpec *spec = spec_of(config, queue);
	g_autoptr(MdCalendar) cal = g_new0(MdCalendar, 1);
	const char *where = spec->name;

	if ((cal->tz = zone_of(spec, error)) == NULL)
		return NULL;
	cal->days = spec->working_days;
	cal->hours = g_array_ref(spec->hours);
	cal->dates = g_hash_table_new(g_direct_hash, g_direct_equal);
	cal->yearly = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (char **h = spec->holidays; *h != NULL; h++) {
		guint y, m, d;

		if (sscanf(*h, "%4u-%2u-%2u", &y, &m, &d) == 3 &&
		    strlen(*h) == 10)
			add_date(cal, y, m, d);
		else if (sscanf(*h, "%2u-%2u", &m, &d) == 2)
			add_yearly(cal, m, d);
	}
	if (spec->holidays_file[0] != '\0') {
		g_autofree char *text = NULL;
		g_autoptr(GError) e = NULL;

		if (!g_file_get_contents(spec->holidays_file, &text, NULL,
		    &e)) {
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "[calendar%s%s] holidays-file: %s",
			    where ? " " : "", where ? where : "", e->message);
			return NULL;
		}
		read_ical(cal, text);
	}
	return g_steal_pointer(&cal);
}

GTimeZone *
md_calendar_time_zone(const MdCalendar *cal)
{
	return cal->tz;
}

/* The local date of @t in the calendar's zone. */
static void
local_date(const MdCalendar *cal, gint64 t, GDate *d)
{
	g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(
	    CLAMP(t, 0, LAST_SECOND));
	g_autoptr(GDateTime) local = g_date_time_to_timezone(utc, cal->tz);

	g_date_clear(d, 1);
	g_date_set_dmy(d, g_date_time_get_day_of_month(local),
	    g_date_time_get_month(local), g_date_time_get_year(local));
}

/* The Unix time of @minute (0 to 1440) of local date @d. */
static gint64
local_time(const MdCalendar *cal, const GDate *d, guint minute)
{
	GDate day = *d;
	g_autoptr(GDateTime) dt = NULL;

	if (minute >= 1440) {
		g_date_add_days(&day, 1);
		minute = 0;
	}
	dt = g_date_time_new(cal->tz, g_date_get_year(&day),
	    g_date_get_month(&day), g_date_get_day(&day), minute / 60,
	    minute % 60, 0);
	return dt != NULL ? g_date_time_to_unix(dt) : LAST_SECOND;
}

/* Range @i of the working hours on local date @d, in Unix times. */
static void
range_on(const MdCalendar *cal, const GDate *d, guint i, gint64 *a,
    gint64 *b)
{
	*a = local_time(cal, d, g_array_index(cal->hours, guint, 2 * i));
	*b = local_time(cal, d, g_array_index(cal->hours, guint, 2 * i + 1));
}

static gboolean
date_is_holiday(const MdCalendar *cal, const GDate *d)
{
	return g_hash_table_contains(cal->dates,
	    GUINT_TO_POINTER(g_date_get_julian(d))) ||
	    g_hash_table_contains(cal->yearly,
	    GUINT_TO_POINTER(g_date_get_month(d) * 100 + g_date_get_day(d)));
}

static gboolean
is_working_day(const MdCalendar *cal, const GDate *d)
{
	/* GDateWeekday: Monday is 1, Sunday 7. */
	return (cal->days & (1u << (g_date_get_weekday(d) - 1))) != 0 &&
	    !date_is_holiday(cal, d);
}

gboolean
md_calendar_is_holiday(const MdCalendar *cal, gint64 t)
{
	GDate d;

	local_date(cal, t, &d);
	return date_is_holiday(cal, &d);
}

gint64
md_calendar_between(const MdCalendar *cal, gint64 from, gint64 to)
{
	GDate d, last;
	gint64 total = 0;

	from = CLAMP(from, 0, LAST_SECOND);
	to = CLAMP(to, 0, LAST_SECOND);
	if (to <= from)
		return 0;
	local_date(cal, from, &d);
	local_date(cal, to, &last);
	for (; g_date_compare(&d, &last) <= 0; g_date_add_days(&d, 1)) {
		if (!is_working_day(cal, &d))
			continue;
		for (guint i = 0; i < cal->hours->len / 2; i++) {
			gint64 a, b;

			range_on(cal, &d, i, &a, &b);
			a = MAX(a, from);
			b = MIN(b, to);
			if (b > a)
				total += b - a;
		}
	}
	return total;
}

gint64
md_calendar_add(const MdCalendar *cal, gint64 start,
    gint64 business_seconds)
{
	GDate d;

	if (business_seconds <= 0)
		return start;
	local_date(cal, start, &d);
	for (guint n = 0; n < MAX_DAYS; n++, g_date_add_days(&d, 1)) {
		if (!g_date_valid(&d))
			break;
		if (!is_working_day(cal, &d))
			continue;
		for (guint i = 0; i < cal->hours->len / 2; i++) {
			gint64 a, b;

			range_on(cal, &d, i, &a, &b);
			a = MAX(a, start);
			if (b <= a)
				continue;
			if (business_seconds <= b - a)
				return a + business_seconds;
			business_seconds -= b - a;
		}
	}
	return G_MAXINT64;
}

void
md_calendar_check(const MdConfig *config, GPtrArray *problems)
{
	for (guint i = 0; i <= config->queues->len; i++) {
		const char *queue = i < config->queues->len ?
		    ((MdQueue *)g_ptr_array_index(config->queues, i))->name :
		    NULL;
		g_autoptr(GError) e = NULL;
		g_autoptr(MdCalendar) cal = md_calendar_new(config, queue, &e);

		if (cal == NULL)
			g_ptr_array_add(problems, g_strdup(e->message));
	}
}
