/* SPDX-License-Identifier: MIT */
/*
 * report: the figures of a period for team leads, as text, JSON or CSV.
 * Times are business seconds (JSON, CSV) or hours and minutes (text).
 */
#include <stdio.h>

#include <json-glib/json-glib.h>

#include "maildesk/calendar.h"
#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/json-out.h"
#include "maildesk/report.h"
#include "maildesk/term.h"

static char *
day_name(GTimeZone *tz, gint64 t)
{
	g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(t);
	g_autoptr(GDateTime) dt = utc ? g_date_time_to_timezone(utc, tz) :
	    NULL;

	return dt ? g_date_time_format(dt, "%Y-%m-%d") : g_strdup("-");
}

static char *
duration(gint64 s)
{
	if (s < 0)
		return g_strdup("-");
	return g_strdup_printf("%" G_GINT64_FORMAT "h %02" G_GINT64_FORMAT
	    "m", s / 3600, s / 60 % 60);
}

static void
json_times(JsonBuilder *b, const char *name, const GArray *v)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	md_json_add_int(b, "count", v->len);
	json_builder_set_member_name(b, "median_s");
	if (v->len > 0)
		json_builder_add_int_value(b, md_report_percentile(v, 50));
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "p90_s");
	if (v->len > 0)
		json_builder_add_int_value(b, md_report_percentile(v, 90));
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
}

/* The targets as JSON members and CSV column prefixes. */
static const char *const sla_names[MD_SLA_N_TARGETS] = {
	[MD_SLA_FIRST_RESPONSE] = "first_response",
	[MD_SLA_NEXT_UPDATE] = "next_update",
	[MD_SLA_SOLUTION] = "solution",
};

static void
json_share(JsonBuilder *b, const char *name, guint targeted, guint within)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	md_json_add_int(b, "tickets", targeted);
	md_json_add_int(b, "within", within);
	json_builder_set_member_name(b, "share");
	if (targeted > 0)
		json_builder_add_double_value(b, (double)within / targeted);
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
}

static void
json_group(JsonBuilder *b, const MdReportGroup *g, gboolean named)
{
	if (named)
		md_json_add_string(b, "name", g->name);
	md_json_add_int(b, "opened", g->opened);
	md_json_add_int(b, "resolved", g->resolved);
	md_json_add_int(b, "open", g->open);
	json_times(b, "first_response", g->first_response_s);
	json_times(b, "resolution", g->resolution_s);
	json_builder_set_member_name(b, "sla");
	json_builder_begin_object(b);
	for (int k = 0; k < MD_SLA_N_TARGETS; k++)
		json_share(b, sla_names[k], g->sla_tickets[k],
		    g->sla_within[k]);
	json_builder_end_object(b);
}

static void
json_groups(JsonBuilder *b, const char *name, GPtrArray *groups)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (guint i = 0; i < groups->len; i++) {
		json_builder_begin_object(b);
		json_group(b, g_ptr_array_index(groups, i), TRUE);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
print_json(const MdReport *r)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *since = day_name(r->tz, r->since);
	g_autofree char *until = day_name(r->tz, r->until - 1);

	json_builder_begin_object(b);
	md_json_add_string(b, "since", since);
	md_json_add_string(b, "until", until);
	md_json_add_string(b, "queue", r->queue);
	json_group(b, r->total, FALSE);
	json_builder_set_member_name(b, "days");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->days->len; i++) {
		const MdReportDay *d = &g_array_index(r->days, MdReportDay, i);
		g_autofree char *day = day_name(r->tz, d->start);

		json_builder_begin_object(b);
		md_json_add_string(b, "date", day);
		md_json_add_int(b, "opened", d->opened);
		md_json_add_int(b, "resolved", d->resolved);
		md_json_add_int(b, "backlog", d->backlog);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_groups(b, "queues", r->queues);
	json_groups(b, "agents", r->agents);
	json_builder_end_object(b);
	md_json_print(b);
}

static void
csv_number(GString *line, gint64 v)
{
	g_string_append_c(line, ',');
	if (v >= 0)
		g_string_append_printf(line, "%" G_GINT64_FORMAT, v);
}

static void
csv_times(GString *line, const GArray *v)
{
	csv_number(line, v->len);
	csv_number(line, md_report_percentile(v, 50));
	csv_number(line, md_report_percentile(v, 90));
}

static void
csv_group(const char *scope, const MdReportGroup *g)
{
	g_autoptr(GString) line = g_string_new(scope);

	g_string_append_c(line, ',');
	md_report_csv_field(line, g->name);
	g_string_append_c(line, ',');
	csv_number(line, g->opened);
	csv_number(line, g->resolved);
	csv_number(line, g->open);
	g_string_append_c(line, ',');
	csv_times(line, g->first_response_s);
	csv_times(line, g->resolution_s);
	for (int k = 0; k < MD_SLA_N_TARGETS; k++) {
		csv_number(line, g->sla_tickets[k]);
		csv_number(line, g->sla_within[k]);
	}
	/* Written as it is: md_out would clean the quoting's characters. */
	fputs(line->str, stdout);
	fputs("\r\n", stdout);
}

static void
print_csv(const MdReport *r)
{
	fputs("scope,name,date,opened,resolved,open,backlog,"
	    "first_response_count,first_response_median_s,"
	    "first_response_p90_s,resolution_count,resolution_median_s,"
	    "resolution_p90_s", stdout);
	for (int k = 0; k < MD_SLA_N_TARGETS; k++)
		fprintf(stdout, ",%s_sla_tickets,%s_sla_within", sla_names[k],
		    sla_names[k]);
	fputs("\r\n", stdout);
	csv_group("total", r->total);
	for (guint i = 0; i < r->queues->len; i++)
		csv_group("queue", g_ptr_array_index(r->queues, i));
	for (guint i = 0; i < r->agents->len; i++)
		csv_group("agent", g_ptr_array_index(r->agents, i));
	for (guint i = 0; i < r->days->len; i++) {
		const MdReportDay *d = &g_array_index(r->days, MdReportDay, i);
		g_autofree char *day = day_name(r->tz, d->start);

		fprintf(stdout, "day,,%s,%u,%u,,%u,,,,,,,,,,,,\r\n", day,
		    d->opened,
		    d->resolved, d->backlog);
	}
}

static const char *const sla_short[MD_SLA_N_TARGETS] = {
	[MD_SLA_FIRST_RESPONSE] = "1st",
	[MD_SLA_NEXT_UPDATE] = "upd",
	[MD_SLA_SOLUTION] = "sol",
};

static void
text_group(const MdReportGroup *g, const char *name)
{
	g_autofree char *n = md_term_pad(name, 28);
	g_autofree char *fm = duration(md_report_percentile(
	    g->first_response_s, 50));
	g_autofree char *fp = duration(md_report_percentile(
	    g->first_response_s, 90));
	g_autofree char *rm = duration(md_report_percentile(
	    g->resolution_s, 50));
	g_autofree char *rp = duration(md_report_percentile(
	    g->resolution_s, 90));

	md_out("%s %6u %8u %6u  %9s %9s  %9s %9s", n, g->opened,
	    g->resolved, g->open, fm, fp, rm, rp);
	for (int k = 0; k < MD_SLA_N_TARGETS; k++)
		if (g->sla_tickets[k] > 0)
			md_out("  %s %u/%u", sla_short[k], g->sla_within[k],
			    g->sla_tickets[k]);
	md_out("\n");
}

static void
print_text(const MdReport *r)
{
	g_autofree char *since = day_name(r->tz, r->since);
	g_autofree char *until = day_name(r->tz, r->until - 1);
	g_autofree char *head = md_term_pad("", 28);

	md_out("Report %s to %s%s%s\n\n", since, until,
	    r->queue ? ", queue " : "", r->queue ? r->queue : "");
	md_out("%u opened, %u resolved, %u still open\n\n", r->total->opened,
	    r->total->resolved, r->total->open);
	md_out("DATE        OPENED  RESOLVED  BACKLOG\n");
	for (guint i = 0; i < r->days->len; i++) {
		const MdReportDay *d = &g_array_index(r->days, MdReportDay, i);
		g_autofree char *day = day_name(r->tz, d->start);

		md_out("%s  %6u  %8u  %7u\n", day, d->opened, d->resolved,
		    d->backlog);
	}
	md_out("\nBusiness hours: first response and resolution, median and "
	    "90th percentile;\nwithin the service-level targets (1st "
	    "response, next update, solution), where set\n");
	md_out("%s %6s %8s %6s  %9s %9s  %9s %9s\n", head, "OPENED",
	    "RESOLVED", "OPEN", "1ST MED", "1ST P90", "RES MED", "RES P90");
	text_group(r->total, "all");
	for (guint i = 0; i < r->queues->len; i++) {
		const MdReportGroup *g = g_ptr_array_index(r->queues, i);
		g_autofree char *name = g_strdup_printf("queue %s", g->name);

		text_group(g, name);
	}
	for (guint i = 0; i < r->agents->len; i++) {
		const MdReportGroup *g = g_ptr_array_index(r->agents, i);

		text_group(g, g->name);
	}
}

gboolean
md_cmd_report(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *since_s = NULL, *until_s = NULL, *queue = NULL;
	gboolean json = FALSE, csv = FALSE;
	GOptionEntry entries[] = {
		{ "since", 0, 0, G_OPTION_ARG_STRING, &since_s,
		  "first day (default: six days before the last)", "DATE" },
		{ "until", 0, 0, G_OPTION_ARG_STRING, &until_s,
		  "last day, included (default: today)", "DATE" },
		{ "queue", 0, 0, G_OPTION_ARG_STRING, &queue,
		  "only this queue", "Q" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON", NULL },
		{ "csv", 0, 0, G_OPTION_ARG_NONE, &csv, "print CSV", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "- tickets opened, resolved and open; response times");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdReport) r = NULL;
	g_autoptr(GDateTime) last = NULL, first = NULL, after = NULL;
	g_autoptr(MdCalendar) cal = NULL;
	GTimeZone *tz;
	gint64 day;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !md_cmd_no_args(argc, argv, error))
		return FALSE;
	if (json && csv) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "--json and --csv: choose one");
		return FALSE;
	}
	if (queue != NULL && !md_config_has_queue(ctx->config, queue)) {
		g_autofree char *known = md_config_queue_names(ctx->config);

		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "--queue: \"%s\" "
		    "is not a queue of the config (%s)", queue, known);
		return FALSE;
	}
	/* Days begin at midnight in the zone of the business hours. */
	cal = md_calendar_new(ctx->config, queue, error);
	if (cal == NULL)
		return FALSE;
	tz = md_calendar_time_zone(cal);
	if (until_s != NULL) {
		g_autoptr(GDateTime) utc = NULL;

		if (!md_report_parse_day(until_s, tz, "--until", &day, error))
			return FALSE;
		utc = g_date_time_new_from_unix_utc(day);
		last = g_date_time_to_timezone(utc, tz);
	} else {
		g_autoptr(GDateTime) now = g_date_time_new_now(tz);

		last = g_date_time_new(tz, g_date_time_get_year(now),
		    g_date_time_get_month(now),
		    g_date_time_get_day_of_month(now), 0, 0, 0);
	}
	after = g_date_time_add_days(last, 1);
	if (since_s != NULL) {
		g_autoptr(GDateTime) utc = NULL;

		if (!md_report_parse_day(since_s, tz, "--since", &day, error))
			return FALSE;
		utc = g_date_time_new_from_unix_utc(day);
		first = g_date_time_to_timezone(utc, tz);
	} else
		first = g_date_time_add_days(last, -6);
	if (g_date_time_compare(first, after) >= 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "--since is after --until");
		return FALSE;
	}
	if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error) ||
	    (r = md_report_compute(&txn, ctx->config, tz,
	    g_date_time_to_unix(first), g_date_time_to_unix(after), queue,
	    error)) == NULL)
		return FALSE;
	if (json)
		print_json(r);
	else if (csv)
		print_csv(r);
	else
		print_text(r);
	return TRUE;
}
