/* SPDX-License-Identifier: MIT */
/*
 * Business hours from a config: after hours, a weekend, holidays from the
 * config and from an iCalendar file, both daylight-saving changes of
 * Europe/Berlin, named calendars per queue, and malformed values.
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "test-util.h"
#include "maildesk/calendar.h"
#include "maildesk/config.h"
#include "maildesk/error.h"

typedef struct {
	char *dir;	/* owned */
	char *path;	/* owned: maildesk.conf inside dir */
	GTimeZone *berlin;	/* owned */
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("maildesk-calendar-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = g_build_filename(f->dir, "maildesk.conf", NULL);
	f->berlin = g_time_zone_new_identifier("Europe/Berlin");
	g_assert_nonnull(f->berlin);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	md_test_rm_rf(f->dir);
	g_free(f->path);
	g_free(f->dir);
	g_time_zone_unref(f->berlin);
}

static MdCalendar *
calendar_from(Fixture *f, const char *text, const char *queue)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) config = NULL;
	MdCalendar *cal;

	g_assert_true(g_file_set_contents(f->path, text, -1, NULL));
	config = md_config_load(f->path, &error);
	g_assert_no_error(error);
	cal = md_calendar_new(config, queue, &error);
	g_assert_no_error(error);
	g_assert_nonnull(cal);
	return cal;
}

/* Unix time of a Berlin wall-clock moment. */
static gint64
berlin(Fixture *f, int y, int mo, int d, int h, int mi)
{
	g_autoptr(GDateTime) dt = g_date_time_new(f->berlin, y, mo, d, h, mi,
	    0);

	return g_date_time_to_unix(dt);
}

static const char office[] =
    "[calendar]\n"
    "time-zone = Europe/Berlin\n"
    "working-days = mon-fri\n"
    "working-hours = 09:00-17:00\n"
    "holidays = 2026-12-25; 01-01\n";

static void
test_after_hours(Fixture *f, gconstpointer data)
{
	g_autoptr(MdCalendar) cal = calendar_from(f, office, NULL);
	gint64 tue_18 = berlin(f, 2026, 12, 1, 18, 0);
	gint64 tue_8 = berlin(f, 2026, 12, 1, 8, 0);

	/* Mail in the evening: the clock starts next morning at nine. */
	g_assert_cmpint(md_calendar_add(cal, tue_18, 3600), ==,
	    berlin(f, 2026, 12, 2, 10, 0));
	g_assert_cmpint(md_calendar_add(cal, tue_8, 1800), ==,
	    berlin(f, 2026, 12, 1, 9, 30));
	/* A target that ends the day ends at five, not next morning. */
	g_assert_cmpint(md_calendar_add(cal, berlin(f, 2026, 12, 1, 16, 0),
	    3600), ==, berlin(f, 2026, 12, 1, 17, 0));
	g_assert_cmpint(md_calendar_between(cal, tue_18,
	    berlin(f, 2026, 12, 2, 8, 59)), ==, 0);
	g_assert_cmpint(md_calendar_between(cal, tue_8,
	    berlin(f, 2026, 12, 1, 18, 0)), ==, 8 * 3600);
	g_assert_cmpint(md_calendar_between(cal, tue_18, tue_8), ==, 0);
	g_assert_cmpint(md_calendar_add(cal, tue_18, 0), ==, tue_18);
}

static void
test_weekend(Fixture *f, gconstpointer data)
{
	g_autoptr(MdCalendar) cal = calendar_from(f, office, NULL);
	gint64 fri_16 = berlin(f, 2026, 12, 4, 16, 0);

	g_assert_cmpint(md_calendar_add(cal, fri_16, 2 * 3600), ==,
	    berlin(f, 2026, 12, 7, 10, 0));
	g_assert_cmpint(md_calendar_between(cal, fri_16,
	    berlin(f, 2026, 12, 7, 10, 0)), ==, 2 * 3600);
	/* A whole week is forty hours. */
	g_assert_cmpint(md_calendar_between(cal, fri_16,
	    berlin(f, 2026, 12, 11, 16, 0)), ==, 40 * 3600);
	g_assert_cmpint(md_calendar_add(cal, fri_16, 40 * 3600), ==,
	    berlin(f, 2026, 12, 11, 16, 0));
}

static void
test_holiday(Fixture *f, gconstpointer data)
{
	g_autoptr(MdCalendar) cal = calendar_from(f, office, NULL);
	gint64 thu_16 = berlin(f, 2026, 12, 24, 16, 0);

	/* Friday the 25th is a holiday, then the weekend. */
	g_assert_cmpint(md_calendar_add(cal, thu_16, 2 * 3600), ==,
	    berlin(f, 2026, 12, 28, 10, 0));
	g_assert_true(md_calendar_is_holiday(cal,
	    berlin(f, 2026, 12, 25, 12, 0)));
	/* "01-01" comes back every year. */
	g_assert_true(md_calendar_is_holiday(cal,
	    berlin(f, 2031, 1, 1, 12, 0)));
	g_assert_cmpint(md_calendar_add(cal, berlin(f, 2026, 12, 31, 16, 30),
	    3600), ==, berlin(f, 2027, 1, 4, 9, 30));
}

static void
test_ical(Fixture *f, gconstpointer data)
{
	g_autofree char *ics = g_build_filename(f->dir, "holidays.ics", NULL);
	g_autofree char *conf = NULL;
	g_autoptr(MdCalendar) cal = NULL;

	/* CRLF lines, a folded line, a two-day event, a yearly one, and an
	 * event with a time of day (a meeting, no holiday). */
	g_assert_true(g_file_set_contents(ics,
	    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
	    "BEGIN:VEVENT\r\nUID:a@test\r\nSUMMARY:Company\r\n  outing\r\n"
	    "DTSTART;VALUE=DATE:20261207\r\nDTEND;VALUE=DATE:20261209\r\n"
	    "END:VEVENT\r\n"
	    "BEGIN:VEVENT\r\nUID:b@test\r\nDTSTART;VALUE=DATE:20200501\r\n"
	    "RRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n"
	    "BEGIN:VEVENT\r\nUID:c@test\r\nDTSTART:20261210T100000Z\r\n"
	    "DTEND:20261210T110000Z\r\nEND:VEVENT\r\n"
	    "END:VCALENDAR\r\n", -1, NULL));
	conf = g_strdup_printf("%sholidays-file = %s\n", office, ics);
	cal = calendar_from(f, conf, NULL);
	/* Friday 16:00 + 2h: Monday 7th and Tuesday 8th are off. */
	g_assert_cmpint(md_calendar_add(cal, berlin(f, 2026, 12, 4, 16, 0),
	    2 * 3600), ==, berlin(f, 2026, 12, 9, 10, 0));
	g_assert_false(md_calendar_is_holiday(cal,
	    berlin(f, 2026, 12, 9, 12, 0)));
	g_assert_false(md_calendar_is_holiday(cal,
	    berlin(f, 2026, 12, 10, 12, 0)));
	g_assert_true(md_calendar_is_holiday(cal,
	    berlin(f, 2027, 5, 1, 12, 0)));
	/* The config's own holidays still count. */
	g_assert_true(md_calendar_is_holiday(cal,
	    berlin(f, 2026, 12, 25, 12, 0)));
}

static void
test_dst(Fixture *f, gconstpointer data)
{
	g_autoptr(MdCalendar) cal = calendar_from(f, office, NULL);
	g_autoptr(MdCalendar) always = calendar_from(f,
	    "[calendar]\ntime-zone = Europe/Berlin\nworking-days = mon-sun\n"
	    "working-hours = 00:00-24:00\n", NULL);
	gint64 fri = berlin(f, 2026, 10, 23, 16, 0);
	gint64 mon = md_calendar_add(cal, fri, 2 * 3600);

	/* Summer time ends on Sunday 25 October 2026: the weekend is an hour
	 * longer, and the Monday still starts at nine local time. */
	g_assert_cmpint(mon, ==, berlin(f, 2026, 10, 26, 10, 0));
	g_assert_cmpint(mon - fri, ==, (2 * 24 + 18 + 1) * 3600);
	g_assert_cmpint(md_calendar_between(always,
	    berlin(f, 2026, 10, 25, 0, 0), berlin(f, 2026, 10, 26, 0, 0)), ==,
	    25 * 3600);
	/* It starts on Sunday 29 March 2026: that day has 23 hours. */
	g_assert_cmpint(md_calendar_between(always,
	    berlin(f, 2026, 3, 29, 0, 0), berlin(f, 2026, 3, 30, 0, 0)), ==,
	    23 * 3600);
	g_assert_cmpint(md_calendar_add(cal, berlin(f, 2026, 3, 27, 16, 0),
	    2 * 3600), ==, berlin(f, 2026, 3, 30, 10, 0));
}

static void
test_round_trip(Fixture *f, gconstpointer data)
{
	g_autoptr(MdCalendar) cal = calendar_from(f,
	    "[calendar]\ntime-zone = Europe/Berlin\nworking-days = mon-fri\n"
	    "working-hours = 08:00-12:00; 13:00-17:30\n"
	    "holidays = 2026-10-26\n", NULL);
	gint64 start = berlin(f, 2026, 10, 20, 11, 17);

	for (gint64 n = 0; n < 200 * 3600; n += 4711) {
		gint64 t = md_calendar_add(cal, start, n);

		g_assert_cmpint(md_calendar_between(cal, start, t), ==, n);
	}
	/* The lunch break does not count. */
	g_assert_cmpint(md_calendar_add(cal, berlin(f, 2026, 10, 20, 11, 30),
	    3600), ==, berlin(f, 2026, 10, 20, 13, 30));
}

static void
test_queue_calendar(Fixture *f, gconstpointer data)
{
	const char *text =
	    "[calendar]\ntime-zone = UTC\n"
	    "[calendar night]\ntime-zone = UTC\nworking-days = sun-thu\n"
	    "working-hours = 22:00-24:00\n"
	    "[queue ops]\ncalendar = night\nfirst-response = 1h30m\n";
	g_autoptr(MdCalendar) def = calendar_from(f, text, NULL);
	g_autoptr(MdCalendar) other = calendar_from(f, text, "support");
	g_autoptr(MdCalendar) ops = calendar_from(f, text, "ops");
	g_autoptr(GDateTime) dt = g_date_time_new_utc(2026, 12, 4, 12, 0, 0);
	gint64 fri_noon = g_date_time_to_unix(dt);

	g_assert_cmpint(md_calendar_add(def, fri_noon, 3600), ==,
	    fri_noon + 3600);
	g_assert_cmpint(md_calendar_add(other, fri_noon, 3600), ==,
	    fri_noon + 3600);
	/* Friday and Saturday nights are off; Sunday 22:00 starts. */
	g_assert_cmpint(md_calendar_add(ops, fri_noon, 3600), ==,
	    fri_noon + (2 * 24 + 11) * 3600);
}

static void
test_bad(Fixture *f, gconstpointer data)
{
	static const char *const bad[] = {
		"[calendar]\nworking-days = mon-fry\n",
		"[calendar]\nworking-hours = 9-17\n",
		"[calendar]\nworking-hours = 17:00-09:00\n",
		"[calendar]\nworking-hours = 09:00-13:00;12:00-17:00\n",
		"[calendar]\nholidays = 2026-02-30\n",
		"[queue a]\ncalendar = nowhere\n",
		"[queue a]\nfirst-response = 4\n",
		"[queue a]\nescalate-to = nobody\n",
		"[sla]\nsolution = 30m4h\n",
		"[sla]\nwarning-percent = 100\n",
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) config = NULL;
	g_autoptr(MdCalendar) cal = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(MdConfig) c = NULL;

		g_assert_true(g_file_set_contents(f->path, bad[i], -1, NULL));
		c = md_config_load(f->path, &e);
		g_assert_error(e, MD_ERROR, MD_ERROR_CONFIG);
		g_assert_null(c);
	}
	g_assert_true(g_file_set_contents(f->path,
	    "[calendar]\ntime-zone = Mars/Olympus_Mons\n", -1, NULL));
	config = md_config_load(f->path, &error);
	g_assert_no_error(error);
	cal = md_calendar_new(config, NULL, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_CONFIG);
	g_assert_null(cal);
}

static void
test_targets(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) config = NULL;

	g_assert_true(g_file_set_contents(f->path,
	    "[sla]\nfirst-response = 4h\nsolution = 2h30m\n"
	    "[queue vip]\nfirst-response = 30m\nsolution = 0\n", -1, NULL));
	config = md_config_load(f->path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(md_config_sla_seconds(config, "support",
	    MD_SLA_FIRST_RESPONSE), ==, 4 * 3600);
	g_assert_cmpint(md_config_sla_seconds(config, "support",
	    MD_SLA_SOLUTION), ==, 9000);
	g_assert_cmpint(md_config_sla_seconds(config, "support",
	    MD_SLA_NEXT_UPDATE), ==, 0);
	g_assert_cmpint(md_config_sla_seconds(config, "vip",
	    MD_SLA_FIRST_RESPONSE), ==, 1800);
	g_assert_cmpint(md_config_sla_seconds(config, "vip",
	    MD_SLA_SOLUTION), ==, 0);
	g_assert_cmpuint(config->sla_warning_percent, ==, 80);
	g_assert_true(md_config_has_sla(config));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, \
	fixture_tear_down)
	ADD("/calendar/after-hours", test_after_hours);
	ADD("/calendar/weekend", test_weekend);
	ADD("/calendar/holiday", test_holiday);
	ADD("/calendar/ical", test_ical);
	ADD("/calendar/dst", test_dst);
	ADD("/calendar/round-trip", test_round_trip);
	ADD("/calendar/queue", test_queue_calendar);
	ADD("/calendar/bad", test_bad);
	ADD("/calendar/targets", test_targets);
	return g_test_run();
}
