/* SPDX-License-Identifier: MIT */
/*
 * The report's arithmetic: percentiles by nearest rank, the backlog at
 * the end of each day, CSV quoting, day parsing; and the digest's order
 * (section, then most overdue, then oldest) and age text.
 */
#include <glib.h>

#include "maildesk/agent-digest.h"
#include "maildesk/error.h"
#include "maildesk/report.h"

static GArray *
values(const gint64 *v, guint n)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(gint64));

	g_array_append_vals(a, v, n);
	return a;
}

static void
test_percentile(void)
{
	static const gint64 ten[] = { 70, 10, 100, 40, 20, 90, 30, 60, 50,
	    80 };
	static const gint64 one[] = { 42 };
	static const gint64 four[] = { 4, 1, 3, 2 };
	g_autoptr(GArray) a = values(ten, G_N_ELEMENTS(ten));
	g_autoptr(GArray) b = values(one, 1);
	g_autoptr(GArray) c = values(four, 4);
	g_autoptr(GArray) empty = values(NULL, 0);

	/* Nearest rank: ceil(p/100 * n). */
	g_assert_cmpint(md_report_percentile(a, 50), ==, 50);
	g_assert_cmpint(md_report_percentile(a, 90), ==, 90);
	g_assert_cmpint(md_report_percentile(a, 91), ==, 100);
	g_assert_cmpint(md_report_percentile(a, 100), ==, 100);
	g_assert_cmpint(md_report_percentile(a, 0), ==, 10);
	g_assert_cmpint(md_report_percentile(b, 50), ==, 42);
	g_assert_cmpint(md_report_percentile(b, 90), ==, 42);
	g_assert_cmpint(md_report_percentile(c, 50), ==, 2);
	g_assert_cmpint(md_report_percentile(c, 90), ==, 4);
	g_assert_cmpint(md_report_percentile(empty, 50), ==, -1);
	/* The input keeps its order. */
	g_assert_cmpint(g_array_index(a, gint64, 0), ==, 70);
}

static void
test_backlog(void)
{
	/* Days end at 100, 200, 300. */
	static const gint64 ends[] = { 100, 200, 300 };
	static const gint64 created[] = { 10, 50, 150, 100, 250, 301 };
	static const gint64 closed[] = { 0, 120, 200, 0, 260, 0 };
	guint out[3];

	md_report_backlog(created, closed, G_N_ELEMENTS(created), ends, 3,
	    out);
	/* 100: #0, #1 and #3 (created at the last second). */
	g_assert_cmpuint(out[0], ==, 3);
	/* 200: #0, #3; #1 closed at 120, #2 closed at 200 exactly. */
	g_assert_cmpuint(out[1], ==, 2);
	/* 300: #0, #3; #4 came and went; #5 is later. */
	g_assert_cmpuint(out[2], ==, 2);
}

static void
test_csv(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "support", "support" },
		{ "", "" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "two\nlines", "\"two\nlines\"" },
		{ "cr\rx", "\"cr\rx\"" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GString) s = g_string_new("x,");

		md_report_csv_field(s, cases[i].in);
		g_assert_cmpstr(s->str + 2, ==, cases[i].out);
	}
}

static void
test_parse_day(void)
{
	g_autoptr(GError) error = NULL;
	gint64 t = 0;
	static const char *const bad[] = { "2026-02-30", "2026-3-1",
	    "yesterday", "2026-03-01x", "", "2026-13-01" };

	g_autoptr(GTimeZone) tz = g_time_zone_new_identifier("Europe/Berlin");

	g_assert_nonnull(tz);
	g_assert_true(md_report_parse_day("2026-03-02", tz, "--since", &t,
	    &error));
	g_assert_no_error(error);
	/* Midnight in Berlin is 23:00 UTC the day before (winter). */
	g_assert_cmpint(t, ==, 1772406000);
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_clear_error(&error);
		g_assert_false(md_report_parse_day(bad[i], tz, "--since", &t,
		    &error));
		g_assert_error(error, MD_ERROR, MD_ERROR_USAGE);
	}
}

static void
test_digest_order(void)
{
	MdDigestItem items[] = {
		{ 1, MD_DIGEST_UNASSIGNED, 100, 0 },
		{ 2, MD_DIGEST_OWN, 300, 0 },
		{ 3, MD_DIGEST_OWN, 200, 0 },
		{ 4, MD_DIGEST_OWN, 400, 1000 },
		{ 5, MD_DIGEST_OWN, 500, 900 },
		{ 6, MD_DIGEST_ESCALATED, 600, 0 },
		{ 7, MD_DIGEST_PENDING_DUE, 50, 800 },
	};
	static const guint64 want[] = { 6, 7, 5, 4, 3, 2, 1 };
	g_autoptr(GArray) a = g_array_new(FALSE, FALSE, sizeof(MdDigestItem));

	g_array_append_vals(a, items, G_N_ELEMENTS(items));
	g_array_sort(a, md_agent_digest_compare);
	for (guint i = 0; i < a->len; i++)
		g_assert_cmpuint(g_array_index(a, MdDigestItem, i).number, ==,
		    want[i]);
}

static void
test_digest_age(void)
{
	static const struct {
		gint64 s;
		const char *out;
	} cases[] = {
		{ 0, "0m" }, { 59, "0m" }, { 60, "1m" }, { 3599, "59m" },
		{ 3600, "1h 0m" }, { 5400, "1h 30m" }, { 86399, "23h 59m" },
		{ 86400, "1d 0h" }, { 3 * 86400 + 7200 + 59, "3d 2h" },
		{ -5, "0m" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = md_agent_digest_age(cases[i].s);

		g_assert_cmpstr(got, ==, cases[i].out);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/report/percentile", test_percentile);
	g_test_add_func("/report/backlog", test_backlog);
	g_test_add_func("/report/csv-quoting", test_csv);
	g_test_add_func("/report/parse-day", test_parse_day);
	g_test_add_func("/report/digest-order", test_digest_order);
	g_test_add_func("/report/digest-age", test_digest_age);
	return g_test_run();
}
