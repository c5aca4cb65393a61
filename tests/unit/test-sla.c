/* SPDX-License-Identifier: MIT */
/*
 * Service levels of a ticket: clocks that pause, the lower bound the due
 * index holds (never later than the business-hours answer), and the due
 * index kept in step as a ticket is answered, waits, reopens and goes.
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "test-util.h"
#include "maildesk/calendar.h"
#include "maildesk/config.h"
#include "maildesk/error.h"
#include "maildesk/sla.h"
#include "maildesk/store.h"
#include "maildesk/ticket.h"

#define MAP_SIZE_BYTES (G_GUINT64_CONSTANT(64) << 20)
/* Tuesday 1 December 2026, 10:00 UTC. */
#define TUE_10 G_GINT64_CONSTANT(1796119200)
#define HOUR 3600

typedef struct {
	char *dir;		/* owned */
	MdConfig *config;	/* owned */
	MdCalendar *cal;	/* owned */
	MdStore *store;		/* owned */
	GTimeZone *tz;		/* owned: the calendar's */
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL, *text = NULL, *store = NULL;
	gboolean created;

	f->dir = g_dir_make_tmp("maildesk-sla-XXXXXX", &error);
	g_assert_no_error(error);
	path = g_build_filename(f->dir, "maildesk.conf", NULL);
	store = g_build_filename(f->dir, "store", NULL);
	text = g_strdup_printf("[store]\npath = %s\n"
	    "[sla]\nfirst-response = 4h\nnext-update = 2h\nsolution = 16h\n"
	    "warning-percent = 50\n"
	    "[calendar]\ntime-zone = UTC\nworking-hours = 09:00-17:00\n",
	    store);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	f->config = md_config_load(path, &error);
	g_assert_no_error(error);
	f->cal = md_calendar_new(f->config, NULL, &error);
	g_assert_no_error(error);
	f->tz = md_calendar_zone(f->config, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(md_store_init(store, MAP_SIZE_BYTES, &created, &error));
	g_assert_no_error(error);
	f->store = md_store_open(store, MAP_SIZE_BYTES, &error);
	g_assert_no_error(error);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	md_store_close(f->store);
	md_calendar_free(f->cal);
	g_time_zone_unref(f->tz);
	md_config_free(f->config);
	md_test_rm_rf(f->dir);
	g_free(f->dir);
}

static MdSla *
sla_with(gint64 start, gint64 budget, const MdSlaPause *pauses, guint n)
{
	MdSla *sla = g_new0(MdSla, 1);

	sla->pauses = g_array_new(FALSE, FALSE, sizeof(MdSlaPause));
	g_array_append_vals(sla->pauses, pauses, n);
	sla->clocks[MD_SLA_SOLUTION].start = start;
	sla->clocks[MD_SLA_SOLUTION].budget_s = budget;
	return sla;
}

static void
test_pauses(Fixture *f, gconstpointer data)
{
	/* Waiting from 11:00 to Wednesday 10:00: one hour before, three
	 * after. */
	MdSlaPause p[] = { { TUE_10 + HOUR, TUE_10 + 24 * HOUR } };
	g_autoptr(MdSla) sla = sla_with(TUE_10, 4 * HOUR, p, 1);
	g_autoptr(MdSla) open = sla_with(TUE_10, 4 * HOUR, NULL, 0);
	MdSlaPause waiting[] = { { TUE_10 + HOUR, 0 } };
	g_autoptr(MdSla) paused = sla_with(TUE_10, 4 * HOUR, waiting, 1);

	g_assert_cmpint(md_sla_due(sla, MD_SLA_SOLUTION, f->cal), ==,
	    TUE_10 + 27 * HOUR);
	g_assert_cmpint(md_sla_due(sla, MD_SLA_SOLUTION, NULL), ==,
	    TUE_10 + 27 * HOUR);
	g_assert_cmpint(md_sla_due(open, MD_SLA_SOLUTION, f->cal), ==,
	    TUE_10 + 4 * HOUR);
	/* While it waits, it has no due time; what ran before counts. */
	g_assert_cmpint(md_sla_due(paused, MD_SLA_SOLUTION, f->cal), ==, 0);
	g_assert_cmpint(md_sla_clock_at(paused, MD_SLA_SOLUTION, 1800,
	    f->cal), ==, TUE_10 + 1800);
	/* Eight business hours from Tuesday 10:00 end Wednesday 10:00; a
	 * wall clock would say 18:00. */
	open->clocks[MD_SLA_SOLUTION].budget_s = 8 * HOUR;
	g_assert_cmpint(md_sla_due(open, MD_SLA_SOLUTION, f->cal), ==,
	    TUE_10 + 24 * HOUR);
	g_assert_cmpint(md_sla_due(open, MD_SLA_SOLUTION, NULL), ==,
	    TUE_10 + 8 * HOUR);
}

static void
test_lower_bound(Fixture *f, gconstpointer data)
{
	GRand *r = g_rand_new_with_seed(14);

	/* The index may hold an early time, never a late one. */
	for (guint i = 0; i < 500; i++) {
		MdSlaPause p[3];
		gint64 t = TUE_10 + g_rand_int_range(r, 0, 96 * HOUR);
		gint64 start = t;
		g_autoptr(MdSla) sla = NULL;

		for (guint j = 0; j < 3; j++) {
			p[j].from = t + g_rand_int_range(r, 0, 30 * HOUR);
			p[j].to = p[j].from + g_rand_int_range(r, 1,
			    30 * HOUR);
			t = p[j].to;
		}
		sla = sla_with(start, g_rand_int_range(r, 60, 40 * HOUR), p,
		    3);
		g_assert_cmpint(md_sla_due(sla, MD_SLA_SOLUTION, NULL), <=,
		    md_sla_due(sla, MD_SLA_SOLUTION, f->cal));
	}
	g_rand_free(r);
}

typedef struct {
	guint n;
	gint64 time[8];
	MdSlaDue kind[8];
} Seen;

static gboolean
seen_one(gint64 time, guint64 ticket, MdSlaDue kind, gpointer data)
{
	Seen *s = data;

	if (s->n < G_N_ELEMENTS(s->time)) {
		s->time[s->n] = time;
		s->kind[s->n] = kind;
	}
	s->n++;
	return TRUE;
}

static Seen
index_of(Fixture *f)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	Seen s = { 0 };

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	g_assert_true(md_sla_foreach_due(&txn, G_MAXINT64 - 1, seen_one, &s,
	    &error));
	g_assert_no_error(error);
	return s;
}

/* Runs @event on ticket @t at @now, with status @status, and commits. */
static void
note(Fixture *f, MdTicket *t, MdStatus status, MdSlaEvent event,
    gint64 now)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	md_ticket_set_status(t, status, now);
	g_assert_true(md_sla_note(&txn, f->config, t, event, now, &error));
	g_assert_true(md_ticket_save(&txn, t, &error));
	g_assert_true(md_store_commit(&txn, &error));
	g_assert_no_error(error);
}

static void
test_index(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdTicket) t = NULL;
	Seen s;

	{
		g_auto(MdTxn) txn = MD_TXN_INIT;

		g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn,
		    &error));
		t = md_ticket_create(&txn, "support", "Printer", 0, TUE_10,
		    &error);
		g_assert_nonnull(t);
		g_assert_true(md_store_commit(&txn, &error));
	}
	note(f, t, MD_STATUS_NEW, MD_SLA_EVENT_CUSTOMER, TUE_10);
	/* Warnings at half of 4h and of 16h, wall-clock lower bounds. */
	s = index_of(f);
	g_assert_cmpuint(s.n, ==, 2);
	g_assert_cmpint(s.time[0], ==, TUE_10 + 2 * HOUR);
	g_assert_cmpint(s.kind[0], ==, MD_SLA_DUE_FIRST_RESPONSE);
	g_assert_cmpint(s.time[1], ==, TUE_10 + 8 * HOUR);
	g_assert_cmpint(s.kind[1], ==, MD_SLA_DUE_SOLUTION);

	/* The answer meets the first response; the ticket then waits. */
	note(f, t, MD_STATUS_PENDING, MD_SLA_EVENT_ANSWER, TUE_10 + HOUR);
	g_assert_cmpuint(index_of(f).n, ==, 0);

	/* The customer writes at 12:00: next update (1h) and the
	 * solution's remaining 7h of warning time count from now. */
	note(f, t, MD_STATUS_OPEN, MD_SLA_EVENT_CUSTOMER, TUE_10 + 2 * HOUR);
	s = index_of(f);
	g_assert_cmpuint(s.n, ==, 2);
	g_assert_cmpint(s.time[0], ==, TUE_10 + 3 * HOUR);
	g_assert_cmpint(s.kind[0], ==, MD_SLA_DUE_NEXT_UPDATE);
	g_assert_cmpint(s.time[1], ==, TUE_10 + 9 * HOUR);

	/* Pending with a date at 12:30: only the date is in the index. */
	{
		g_auto(MdTxn) txn = MD_TXN_INIT;

		g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn,
		    &error));
		md_ticket_set_status(t, MD_STATUS_PENDING, TUE_10 + 9000);
		g_assert_true(md_sla_note(&txn, f->config, t,
		    MD_SLA_EVENT_NONE, TUE_10 + 9000, &error));
		g_assert_true(md_sla_set_pending(&txn, f->config, t,
		    TUE_10 + 48 * HOUR, FALSE, TUE_10 + 9000, &error));
		g_assert_true(md_store_commit(&txn, &error));
	}
	s = index_of(f);
	g_assert_cmpuint(s.n, ==, 1);
	g_assert_cmpint(s.time[0], ==, TUE_10 + 48 * HOUR);
	g_assert_cmpint(s.kind[0], ==, MD_SLA_DUE_PENDING);

	/* Resolved: the solution is met, nothing is due. */
	note(f, t, MD_STATUS_RESOLVED, MD_SLA_EVENT_NONE, TUE_10 + 4 * HOUR);
	g_assert_cmpuint(index_of(f).n, ==, 0);
	{
		g_auto(MdTxn) txn = MD_TXN_INIT;
		g_autoptr(MdSla) sla = NULL;

		g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn,
		    &error));
		sla = md_sla_load(&txn, t->number, &error);
		g_assert_nonnull(sla);
		g_assert_cmpint(sla->clocks[MD_SLA_SOLUTION].met, ==,
		    TUE_10 + 4 * HOUR);
		g_assert_cmpint(sla->pending_until, ==, 0);
		g_assert_true(md_sla_drop(&txn, t->number, &error));
		g_clear_pointer(&sla, md_sla_free);
		g_assert_null(md_sla_load(&txn, t->number, &error));
		g_assert_no_error(error);
		g_assert_true(md_store_commit(&txn, &error));
	}
}

static void
test_parse_date(Fixture *f, gconstpointer data)
{
	g_assert_cmpint(md_sla_parse_date("2d", f->tz, TUE_10), ==,
	    TUE_10 + 48 * HOUR);
	g_assert_cmpint(md_sla_parse_date("5h", f->tz, TUE_10), ==,
	    TUE_10 + 5 * HOUR);
	g_assert_cmpint(md_sla_parse_date("2026-12-02", f->tz, TUE_10), ==,
	    TUE_10 + 14 * HOUR);
	g_assert_cmpint(md_sla_parse_date("2026-12-02T09:30", f->tz,
	    TUE_10), ==, TUE_10 + 23 * HOUR + 1800);
	g_assert_cmpint(md_sla_parse_date("2026-02-30", f->tz, TUE_10), ==,
	    0);
	g_assert_cmpint(md_sla_parse_date("0d", f->tz, TUE_10), ==, 0);
	g_assert_cmpint(md_sla_parse_date("tomorrow", f->tz, TUE_10), ==, 0);
	g_assert_cmpint(md_sla_parse_date("", f->tz, TUE_10), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, \
	fixture_tear_down)
	ADD("/sla/pauses", test_pauses);
	ADD("/sla/lower-bound", test_lower_bound);
	ADD("/sla/index", test_index);
	ADD("/sla/parse-date", test_parse_date);
	return g_test_run();
}
