/* SPDX-License-Identifier: MIT */
/*
 * Reports.  One walk over the ticket records in one read transaction;
 * the messages of a ticket are read only when it was opened or resolved
 * in the period, to find its first agent answer.  The backlog of a past
 * day is what the records say now: a ticket reopened since counts as
 * open from its creation until its last resolution.
 */
#include <stdio.h>
#include <string.h>

#include "maildesk/calendar.h"
#include "maildesk/error.h"
#include "maildesk/report.h"
#include "maildesk/sla.h"
#include "maildesk/ticket.h"

static MdReportGroup *
group_new(const char *name)
{
	MdReportGroup *g = g_new0(MdReportGroup, 1);

	g->name = g_strdup(name);
	g->first_response_s = g_array_new(FALSE, FALSE, sizeof(gint64));
	g->resolution_s = g_array_new(FALSE, FALSE, sizeof(gint64));
	return g;
}

static void
group_free(gpointer p)
{
	MdReportGroup *g = p;

	if (g == NULL)
		return;
	g_free(g->name);
	g_array_unref(g->first_response_s);
	g_array_unref(g->resolution_s);
	g_free(g);
}

void
md_report_free(MdReport *r)
{
	if (r == NULL)
		return;
	g_free(r->queue);
	if (r->tz != NULL)
		g_time_zone_unref(r->tz);
	group_free(r->total);
	g_ptr_array_unref(r->queues);
	g_ptr_array_unref(r->agents);
	g_array_unref(r->days);
	g_free(r);
}

static gint
cmp_gint64(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

gint64
md_report_percentile(const GArray *values, guint pct)
{
	g_autoptr(GArray) v = NULL;
	guint rank;

	g_return_val_if_fail(pct <= 100, -1);
	if (values->len == 0)
		return -1;
	v = g_array_sized_new(FALSE, FALSE, sizeof(gint64), values->len);
	g_array_append_vals(v, values->data, values->len);
	g_array_sort(v, cmp_gint64);
	/* Nearest rank: ceil(pct / 100 * n), at least 1. */
	rank = (pct * v->len + 99) / 100;
	if (rank == 0)
		rank = 1;
	return g_array_index(v, gint64, rank - 1);
}

void
md_report_backlog(const gint64 *created, const gint64 *closed, gsize n,
    const gint64 *ends, gsize n_ends, guint *out)
{
	for (gsize d = 0; d < n_ends; d++) {
		out[d] = 0;
		for (gsize i = 0; i < n; i++)
			if (created[i] <= ends[d] &&
			    (closed[i] == 0 || closed[i] > ends[d]))
				out[d]++;
	}
}

void
md_report_csv_field(GString *line, const char *field)
{
	if (field == NULL)
		field = "";
	if (strpbrk(field, ",\"\r\n") == NULL) {
		g_string_append(line, field);
		return;
	}
	g_string_append_c(line, '"');
	for (const char *p = field; *p != '\0'; p++) {
		if (*p == '"')
			g_string_append_c(line, '"');
		g_string_append_c(line, *p);
	}
	g_string_append_c(line, '"');
}

gboolean
md_report_parse_day(const char *s, GTimeZone *tz, const char *what,
    gint64 *out, GError **error)
{
	g_autoptr(GDateTime) dt = NULL;
	int y, m, d;
	char end;

	if (s != NULL && strlen(s) == 10 && strspn(s, "0123456789-") == 10 &&
	    s[4] == '-' && s[7] == '-' &&
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &end) == 3 &&
	    g_date_valid_dmy(d, m, y))
		dt = g_date_time_new(tz, y, m, d, 0, 0, 0);
	if (dt == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "%s: \"%s\" is no "
		    "date (YYYY-MM-DD)", what, s ? s : "");
		return FALSE;
	}
	*out = g_date_time_to_unix(dt);
	return TRUE;
}

typedef struct {
	MdTxn *txn;
	const MdConfig *config;
	MdReport *r;
	GHashTable *queues;	/* name -> MdReportGroup (borrowed) */
	GHashTable *agents;
	GHashTable *calendars;	/* queue -> MdCalendar */
	GArray *created;	/* of gint64, for the backlog */
	GArray *closed;
	GError *error;
} Walk;

static MdReportGroup *
group_of(GHashTable *h, GPtrArray *all, const char *name)
{
	MdReportGroup *g = g_hash_table_lookup(h, name);

	if (g == NULL) {
		g = group_new(name);
		g_ptr_array_add(all, g);
		g_hash_table_insert(h, g->name, g);
	}
	return g;
}

/* @queue's calendar, loaded once (borrowed); NULL with w->error set. */
static MdCalendar *
calendar_of(Walk *w, const char *queue)
{
	MdCalendar *cal = g_hash_table_lookup(w->calendars, queue);

	if (cal == NULL) {
		cal = md_calendar_new(w->config, queue, &w->error);
		if (cal == NULL)
			return NULL;
		g_hash_table_insert(w->calendars, g_strdup(queue), cal);
	}
	return cal;
}

/* Business seconds between @from and @to in @queue's calendar. */
static gboolean
business_between(Walk *w, const char *queue, gint64 from, gint64 to,
    gint64 *out)
{
	MdCalendar *cal = calendar_of(w, queue);

	if (cal == NULL)
		return FALSE;
	*out = md_calendar_between(cal, from, to);
	return TRUE;
}

static void
add_time(GArray *a, gint64 s)
{
	g_array_append_val(a, s);
}

/*
 * Counts the service levels of @t (opened in the period) into @groups:
 * each target its record has, once decided by the period's end (met, or
 * its due time passed), and whether it was met in time.  The clocks are
 * the ones escalate runs: business time in the queue's calendar, pending
 * time left out.  @first is the agent who answered first (nullable),
 * @who the agent the ticket is counted for otherwise (nullable).
 */
static gboolean
count_targets(Walk *w, const MdTicket *t, const char *queue,
    MdReportGroup *q, const char *first, const char *who)
{
	g_autoptr(MdSla) sla = md_sla_load(w->txn, t->number, &w->error);
	MdCalendar *cal;

	if (sla == NULL)
		return w->error == NULL;
	if ((cal = calendar_of(w, queue)) == NULL)
		return FALSE;
	for (int k = 0; k < MD_SLA_N_TARGETS; k++) {
		const MdSlaClock *c = &sla->clocks[k];
		const char *agent = k == MD_SLA_FIRST_RESPONSE ? first : who;
		MdReportGroup *groups[3] = { w->r->total, q, NULL };
		gint64 due;
		gboolean within;

		if (c->start == 0 || c->budget_s <= 0)
			continue;
		due = md_sla_clock_at(sla, k, c->budget_s, cal);
		if (c->met == 0 && (due == G_MAXINT64 || due >= w->r->until))
			continue;	/* still running at the end */
		within = c->met != 0 && c->met <= due;
		if (agent != NULL)
			groups[2] = group_of(w->agents, w->r->agents, agent);
		for (int i = 0; i < 3 && groups[i] != NULL; i++) {
			groups[i]->sla_tickets[k]++;
			groups[i]->sla_within[k] += within;
		}
	}
	return TRUE;
}

typedef struct {
	gint64 at;
	char *by;
} Answer;

/*
 * Whether message record @data is an agent's answer, and when and by whom.
 * Reads three fields of the record in place (the report reads one record
 * of every ticket it counts; parsing the whole message would dominate).
 */
static gboolean
answer_one(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Answer *a = user_data;
	g_autoptr(GVariant) v = NULL;
	g_autoptr(GVariant) dict = NULL;
	const char *kind = NULL, *dir = NULL, *name = NULL, *email = NULL;

	if (key->mv_size != 12)
		return TRUE;
	v = g_variant_ref_sink(g_variant_new_from_data(
	    G_VARIANT_TYPE("(ya{sv})"), data->mv_data, data->mv_size, FALSE,
	    NULL, NULL));
	dict = g_variant_get_child_value(v, 1);
	if (!g_variant_lookup(dict, "kind", "&s", &kind) ||
	    strcmp(kind, "agent") != 0 ||
	    !g_variant_lookup(dict, "direction", "&s", &dir) ||
	    strcmp(dir, "out") != 0 ||
	    !g_variant_lookup(dict, "received", "x", &a->at))
		return TRUE;
	if (g_variant_lookup(dict, "from", "(&s&s)", &name, &email) &&
	    email[0] != '\0')
		a->by = g_ascii_strdown(email, -1);
	return FALSE;
}

/* The first agent answer in @t: when (0: none) and by whom. */
static gboolean
first_answer(MdTxn *txn, const MdTicket *t, gint64 *at, char **by,
    GError **error)
{
	Answer a = { 0, NULL };
	guint8 prefix[8];

	md_key_be64(prefix, t->number);
	if (!md_store_foreach(txn, MD_DB_MESSAGES, prefix, 8, answer_one, &a,
	    error)) {
		g_free(a.by);
		return FALSE;
	}
	*at = a.at;
	*by = a.by;
	return TRUE;
}

static MdReportDay *
day_of(MdReport *r, gint64 t)
{
	for (guint i = 0; i < r->days->len; i++) {
		MdReportDay *d = &g_array_index(r->days, MdReportDay, i);

		if (t >= d->start && t < d->end)
			return d;
	}
	return NULL;
}

static gboolean
walk_one(MdTicket *t, gpointer user_data)
{
	Walk *w = user_data;
	MdReport *r = w->r;
	gboolean done = t->status == MD_STATUS_RESOLVED ||
	    t->status == MD_STATUS_CLOSED;
	gint64 closed = done ? t->closed_at : 0;
	gboolean opened = t->created_at >= r->since && t->created_at < r->until;
	gboolean resolved = done && closed >= r->since && closed < r->until;
	gboolean open = t->created_at < r->until &&
	    (closed == 0 || closed >= r->until);
	MdReportGroup *q;
	g_autofree char *by = NULL;
	gint64 answered = 0, s;
	const char *queue = t->queue ? t->queue : "";

	if (r->queue != NULL && g_strcmp0(t->queue, r->queue) != 0)
		return TRUE;
	if (t->created_at >= r->until || (done && closed < r->since))
		return TRUE;
	g_array_append_val(w->created, t->created_at);
	g_array_append_val(w->closed, closed);
	q = group_of(w->queues, r->queues, queue);
	if ((opened || resolved) &&
	    !first_answer(w->txn, t, &answered, &by, &w->error))
		return FALSE;
	if (opened) {
		MdReportDay *d = day_of(r, t->created_at);

		r->total->opened++;
		q->opened++;
		if (d != NULL)
			d->opened++;
		if (answered != 0) {
			if (!business_between(w, queue, t->created_at,
			    answered, &s))
				return FALSE;
			add_time(r->total->first_response_s, s);
			add_time(q->first_response_s, s);
			if (by != NULL)
				add_time(group_of(w->agents, r->agents,
				    by)->first_response_s, s);
		}
		if (!count_targets(w, t, queue, q, by, t->owner ? t->owner :
		    by))
			return FALSE;
	}
	if (resolved) {
		MdReportDay *d = day_of(r, closed);
		const char *who = t->owner ? t->owner : by;

		if (!business_between(w, queue, t->created_at, closed, &s))
			return FALSE;
		r->total->resolved++;
		q->resolved++;
		if (d != NULL)
			d->resolved++;
		add_time(r->total->resolution_s, s);
		add_time(q->resolution_s, s);
		if (who != NULL) {
			MdReportGroup *a = group_of(w->agents, r->agents, who);

			a->resolved++;
			add_time(a->resolution_s, s);
		}
	}
	if (open) {
		r->total->open++;
		q->open++;
		if (t->owner != NULL)
			group_of(w->agents, r->agents, t->owner)->open++;
	}
	return TRUE;
}

static gint
cmp_group(gconstpointer a, gconstpointer b)
{
	const MdReportGroup *x = *(MdReportGroup *const *)a;
	const MdReportGroup *y = *(MdReportGroup *const *)b;

	return strcmp(x->name, y->name);
}

/* The days of [@since, @until), midnight to midnight in @tz. */
static GArray *
days_of(GTimeZone *tz, gint64 since, gint64 until)
{
	GArray *days = g_array_new(FALSE, TRUE, sizeof(MdReportDay));
	g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(since);
	g_autoptr(GDateTime) at = utc ? g_date_time_to_timezone(utc, tz) :
	    NULL;

	while (at != NULL && g_date_time_to_unix(at) < until) {
		GDateTime *next = g_date_time_add_days(at, 1);
		MdReportDay d = { 0 };

		d.start = g_date_time_to_unix(at);
		d.end = MIN(g_date_time_to_unix(next), until);
		g_array_append_val(days, d);
		g_date_time_unref(at);
		at = next;
	}
	return days;
}

MdReport *
md_report_compute(MdTxn *txn, const MdConfig *config, GTimeZone *tz,
    gint64 since, gint64 until, const char *queue, GError **error)
{
	g_autoptr(MdReport) r = g_new0(MdReport, 1);
	g_autoptr(GHashTable) queues = g_hash_table_new(g_str_hash,
	    g_str_equal);
	g_autoptr(GHashTable) agents = g_hash_table_new(g_str_hash,
	    g_str_equal);
	g_autoptr(GHashTable) calendars = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, (GDestroyNotify)md_calendar_free);
	g_autoptr(GArray) created = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GArray) closed = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autofree gint64 *ends = NULL;
	g_autofree guint *backlog = NULL;
	Walk w = { txn, config, r, queues, agents, calendars, created, closed,
	    NULL };

	r->since = since;
	r->until = until;
	r->queue = g_strdup(queue);
	r->tz = g_time_zone_ref(tz);
	r->total = group_new("");
	r->queues = g_ptr_array_new_with_free_func(group_free);
	r->agents = g_ptr_array_new_with_free_func(group_free);
	r->days = days_of(tz, since, until);
	if (!md_ticket_foreach(txn, walk_one, &w, error))
		return NULL;
	if (w.error != NULL) {
		g_propagate_error(error, w.error);
		return NULL;
	}
	g_ptr_array_sort(r->queues, cmp_group);
	g_ptr_array_sort(r->agents, cmp_group);
	ends = g_new(gint64, r->days->len + 1);
	backlog = g_new0(guint, r->days->len + 1);
	/* Open at the day's end: created before its last second. */
	for (guint i = 0; i < r->days->len; i++)
		ends[i] = g_array_index(r->days, MdReportDay, i).end - 1;
	md_report_backlog((gint64 *)created->data, (gint64 *)closed->data,
	    created->len, ends, r->days->len, backlog);
	for (guint i = 0; i < r->days->len; i++)
		g_array_index(r->days, MdReportDay, i).backlog = backlog[i];
	return g_steal_pointer(&r);
}
