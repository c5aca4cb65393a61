/* SPDX-License-Identifier: MIT */
/*
 * Service levels for people and scripts (see sla-view.h): due times in
 * business hours, as text and JSON, and the tickets due by a time from
 * the due index.  Reads only; builds each queue's calendar once.
 */
#include <string.h>

#include "maildesk/error.h"
#include "maildesk/json-out.h"
#include "maildesk/sla-view.h"

struct _MdSlaView {
	const MdConfig *config;	/* borrowed */
	GHashTable *calendars;	/* owned: queue -> MdCalendar */
	MdCalendar *fallback;	/* owned: the default calendar */
};

MdSlaView *
md_sla_view_new(const MdConfig *config)
{
	MdSlaView *v = g_new0(MdSlaView, 1);

	v->config = config;
	v->calendars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)md_calendar_free);
	return v;
}

void
md_sla_view_free(MdSlaView *v)
{
	if (v == NULL)
		return;
	g_hash_table_unref(v->calendars);
	md_calendar_free(v->fallback);
	g_free(v);
}

const MdCalendar *
md_sla_view_calendar(MdSlaView *v, const char *queue, GError **error)
{
	MdCalendar *cal;

	if (queue == NULL) {
		if (v->fallback == NULL)
			v->fallback = md_calendar_new(v->config, NULL, error);
		return v->fallback;
	}
	cal = g_hash_table_lookup(v->calendars, queue);
	if (cal != NULL)
		return cal;
	cal = md_calendar_new(v->config, queue, error);
	if (cal != NULL)
		g_hash_table_insert(v->calendars, g_strdup(queue), cal);
	return cal;
}

gboolean
md_sla_view_load(MdSlaView *v, MdTxn *txn, const MdTicket *t, MdSla **sla,
    gint64 *due, MdSlaTarget *target, GError **error)
{
	g_autoptr(GError) e = NULL;
	const MdCalendar *cal;

	*due = 0;
	*sla = md_sla_load(txn, t->number, &e);
	if (*sla == NULL) {
		if (e != NULL)
			g_propagate_error(error, g_steal_pointer(&e));
		return e == NULL;
	}
	cal = md_sla_view_calendar(v, t->queue, error);
	if (cal == NULL) {
		g_clear_pointer(sla, md_sla_free);
		return FALSE;
	}
	*due = md_sla_next_due(*sla, cal, target);
	return TRUE;
}

static gboolean
add_candidate(gint64 time, guint64 ticket, MdSlaDue kind, gpointer data)
{
	if (kind != MD_SLA_DUE_PENDING)
		g_array_append_val((GArray *)data, ticket);
	return TRUE;
}

static gint
compare_number(gconstpointer a, gconstpointer b)
{
	guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

	return x < y ? -1 : x > y;
}

GArray *
md_sla_view_candidates(MdTxn *txn, gint64 until, GError **error)
{
	g_autoptr(GArray) found = g_array_new(FALSE, FALSE, sizeof(guint64));
	GArray *out = g_array_new(FALSE, FALSE, sizeof(guint64));

	if (!md_sla_foreach_due(txn, until, add_candidate, found, error) ||
	    !md_sla_foreach_overdue(txn, add_candidate, found, error)) {
		g_array_unref(out);
		return NULL;
	}
	g_array_sort(found, compare_number);
	for (guint i = 0; i < found->len; i++)
		if (i == 0 || g_array_index(found, guint64, i) !=
		    g_array_index(found, guint64, i - 1))
			g_array_append_val(out, g_array_index(found, guint64,
			    i));
	return out;
}

void
md_sla_view_json(MdSlaView *v, JsonBuilder *b, const MdTicket *t,
    const MdSla *sla, gboolean full)
{
	const MdCalendar *cal = sla != NULL ?
	    md_sla_view_calendar(v, t->queue, NULL) : NULL;
	MdSlaTarget target = MD_SLA_FIRST_RESPONSE;
	gint64 due = cal != NULL ? md_sla_next_due(sla, cal, &target) : 0;

	md_json_add_local_time(b, "due", due);
	json_builder_set_member_name(b, "due_target");
	if (due != 0)
		json_builder_add_string_value(b, md_sla_target_name(target));
	else
		json_builder_add_null_value(b);
	md_json_add_local_time(b, "pending_until", sla != NULL &&
	    t->status == MD_STATUS_PENDING ? sla->pending_until : 0);
	md_json_add_bool(b, "pending_close",
	    sla != NULL && t->status == MD_STATUS_PENDING &&
	    sla->pending_until != 0 && sla->pending_close);
	if (!full)
		return;
	json_builder_set_member_name(b, "sla");
	json_builder_begin_object(b);
	for (guint k = 0; sla != NULL && k < MD_SLA_N_TARGETS; k++) {
		const MdSlaClock *c = &sla->clocks[k];
		gint64 at = cal != NULL ? md_sla_clock_at(sla, k, c->budget_s,
		    cal) : G_MAXINT64;

		if (c->start == 0)
			continue;
		json_builder_set_member_name(b, md_sla_target_name(k));
		json_builder_begin_object(b);
		md_json_add_local_time(b, "started", c->start);
		/* While the ticket waits, the clock has no due time. */
		md_json_add_local_time(b, "due", at == G_MAXINT64 ? 0 : at);
		md_json_add_local_time(b, "met", c->met);
		md_json_add_int(b, "target_minutes", c->budget_s / 60);
		md_json_add_bool(b, "warned",
		    (c->sent & MD_SLA_SENT_WARNING) != 0);
		md_json_add_bool(b, "escalated",
		    (c->sent & MD_SLA_SENT_ESCALATION) != 0);
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
}

static char *
show_time(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t);

	return dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M") : g_strdup("-");
}

void
md_sla_view_text(MdSlaView *v, GString *out, const MdTicket *t,
    const MdSla *sla)
{
	const MdCalendar *cal;

	if (sla == NULL)
		return;
	cal = md_sla_view_calendar(v, t->queue, NULL);
	for (guint k = 0; cal != NULL && k < MD_SLA_N_TARGETS; k++) {
		const MdSlaClock *c = &sla->clocks[k];
		gint64 due = md_sla_clock_at(sla, k, c->budget_s, cal);
		g_autofree char *when = NULL;

		if (c->start == 0)
			continue;
		if (c->met != 0) {
			when = show_time(c->met);
			g_string_append_printf(out, "SLA %s: met %s\n",
			    md_sla_target_name(k), when);
			continue;
		}
		when = due == G_MAXINT64 ? g_strdup("paused") :
		    show_time(due);
		g_string_append_printf(out, "SLA %s: due %s%s\n",
		    md_sla_target_name(k), when,
		    c->sent & MD_SLA_SENT_ESCALATION ? " (escalated)" :
		    c->sent & MD_SLA_SENT_WARNING ? " (warned)" : "");
	}
	if (t->status == MD_STATUS_PENDING && sla->pending_until != 0) {
		g_autofree char *when = show_time(sla->pending_until);

		g_string_append_printf(out, "Pending until: %s (%s)\n", when,
		    sla->pending_close ? "then closed" : "then a reminder");
	}
}
