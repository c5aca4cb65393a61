/* SPDX-License-Identifier: MIT */
/*
 * Service levels of a ticket (see sla.h): the clocks, the pauses while
 * the ticket waits, the pending date, and the due index kept in step in
 * the caller's write transaction.  Counts wall-clock seconds only; the
 * business-hours answer needs a calendar, which only escalate and the
 * commands that show due times build.
 */
#include <stdio.h>
#include <string.h>

#include "maildesk/error.h"
#include "maildesk/record.h"
#include "maildesk/sla.h"

#define DUE_KEY_LEN 17
/*
 * The due index's second part: clocks escalated and not yet met, by due
 * time with the top bit set, so that escalate's walk (which stops at
 * the first time after now) never reaches them and ticket list finds
 * them without a scan.
 */
#define OVERDUE (G_GUINT64_CONSTANT(1) << 63)
/* Pauses older than every running clock are dropped beyond this many. */
#define MAX_PAUSES 32

static const char *const target_names[MD_SLA_N_TARGETS] = {
	"first-response", "next-update", "solution"
};

const char *
md_sla_target_name(MdSlaTarget target)
{
	g_return_val_if_fail(target < MD_SLA_N_TARGETS, "");
	return target_names[target];
}

void
md_sla_free(MdSla *sla)
{
	if (sla == NULL)
		return;
	g_clear_pointer(&sla->pauses, g_array_unref);
	g_free(sla);
}

static MdSla *
sla_new(guint64 number, MdStatus status)
{
	MdSla *sla = g_new0(MdSla, 1);

	sla->ticket = number;
	sla->status = status;
	sla->pauses = g_array_new(FALSE, FALSE, sizeof(MdSlaPause));
	return sla;
}

MdSla *
md_sla_load(MdTxn *txn, guint64 number, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(GVariantDict) d = NULL;
	g_autoptr(GVariant) pauses = NULL, clocks = NULL;
	g_autoptr(MdSla) sla = NULL;
	guint8 key[8], status = 0;
	MDB_val v;

	md_key_be64(key, number);
	if (!md_store_get(txn, MD_DB_SLA, key, 8, &v, &e)) {
		if (g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND))
			return NULL;
		g_propagate_error(error, g_steal_pointer(&e));
		return NULL;
	}
	d = md_record_open(v.mv_data, v.mv_size, "sla", error);
	if (d == NULL)
		return NULL;
	g_variant_dict_lookup(d, "status", "y", &status);
	sla = sla_new(number, status <= MD_STATUS_CLOSED ? status :
	    MD_STATUS_OPEN);
	g_variant_dict_lookup(d, "pending-until", "x", &sla->pending_until);
	g_variant_dict_lookup(d, "pending-close", "b", &sla->pending_close);
	g_variant_dict_lookup(d, "pending-indexed", "x",
	    &sla->pending_indexed);
	pauses = g_variant_dict_lookup_value(d, "pauses",
	    G_VARIANT_TYPE("a(xx)"));
	for (gsize i = 0; pauses && i < g_variant_n_children(pauses); i++) {
		MdSlaPause p;

		g_variant_get_child(pauses, i, "(xx)", &p.from, &p.to);
		g_array_append_val(sla->pauses, p);
	}
	clocks = g_variant_dict_lookup_value(d, "clocks",
	    G_VARIANT_TYPE("a(xxxxy)"));
	for (gsize i = 0; clocks && i < g_variant_n_children(clocks) &&
	    i < MD_SLA_N_TARGETS; i++) {
		MdSlaClock *c = &sla->clocks[i];

		g_variant_get_child(clocks, i, "(xxxxy)", &c->start,
		    &c->budget_s, &c->met, &c->indexed, &c->sent);
	}
	return g_steal_pointer(&sla);
}

static void
due_key(guint8 key[DUE_KEY_LEN], gint64 time, guint64 ticket, MdSlaDue kind)
{
	md_key_be64(key, (guint64)time);
	md_key_be64(key + 8, ticket);
	key[16] = (guint8)kind;
}

/* Moves the index entry of @kind from *@indexed to @time (0: none). */
static gboolean
reindex(MdTxn *txn, guint64 ticket, MdSlaDue kind, gint64 *indexed,
    gint64 time, GError **error)
{
	guint8 key[DUE_KEY_LEN];

	if (*indexed == time)
		return TRUE;
	if (*indexed != 0) {
		due_key(key, *indexed, ticket, kind);
		if (!md_store_del(txn, MD_DB_DUE, key, sizeof key, NULL, 0,
		    error))
			return FALSE;
	}
	*indexed = time;
	if (time == 0)
		return TRUE;
	due_key(key, time, ticket, kind);
	return md_store_put(txn, MD_DB_DUE, key, sizeof key, "", 0, 0, error);
}

gboolean
md_sla_remove_entry(MdTxn *txn, gint64 time, guint64 ticket, MdSlaDue kind,
    GError **error)
{
	guint8 key[DUE_KEY_LEN];

	due_key(key, time, ticket, kind);
	return md_store_del(txn, MD_DB_DUE, key, sizeof key, NULL, 0, error);
}

static gint64
between(const MdCalendar *cal, gint64 from, gint64 to)
{
	if (cal != NULL)
		return md_calendar_between(cal, from, to);
	return to > from ? to - from : 0;
}

static gint64
add(const MdCalendar *cal, gint64 start, gint64 seconds)
{
	if (cal != NULL)
		return md_calendar_add(cal, start, seconds);
	return start + MAX(seconds, 0);
}

gint64
md_sla_clock_at(const MdSla *sla, MdSlaTarget target, gint64 business_s,
    const MdCalendar *cal)
{
	const MdSlaClock *c = &sla->clocks[target];
	gint64 cur = c->start, remaining = business_s;

	if (c->start == 0)
		return G_MAXINT64;
	for (guint i = 0; i < sla->pauses->len; i++) {
		const MdSlaPause *p = &g_array_index(sla->pauses, MdSlaPause,
		    i);

		if (p->to != 0 && p->to <= cur)
			continue;
		if (p->from > cur) {
			gint64 run = between(cal, cur, p->from);

			if (remaining <= run)
				return add(cal, cur, remaining);
			remaining -= run;
		}
		if (p->to == 0)
			return G_MAXINT64;
		cur = MAX(cur, p->to);
	}
	return add(cal, cur, remaining);
}

gint64
md_sla_due(const MdSla *sla, MdSlaTarget target, const MdCalendar *cal)
{
	const MdSlaClock *c = &sla->clocks[target];
	gint64 t;

	if (c->start == 0 || c->met != 0)
		return 0;
	t = md_sla_clock_at(sla, target, c->budget_s, cal);
	return t == G_MAXINT64 ? 0 : t;
}

gint64
md_sla_next_due(const MdSla *sla, const MdCalendar *cal, MdSlaTarget *target)
{
	gint64 best = 0;

	for (guint k = 0; k < MD_SLA_N_TARGETS; k++) {
		gint64 t = md_sla_due(sla, k, cal);

		if (t != 0 && (best == 0 || t < best)) {
			best = t;
			if (target != NULL)
				*target = k;
		}
	}
	return best;
}

/* When escalate next has to look at clock @k: warning, then escalation. */
static gint64
next_look(const MdConfig *config, const MdSla *sla, MdSlaTarget k,
    const MdCalendar *cal)
{
	const MdSlaClock *c = &sla->clocks[k];
	gint64 amount, t;

	if (c->start == 0 || c->met != 0)
		return 0;
	amount = c->sent & MD_SLA_SENT_WARNING ? c->budget_s :
	    c->budget_s * config->sla_warning_percent / 100;
	if (c->sent & MD_SLA_SENT_ESCALATION)
		amount = c->budget_s;
	t = md_sla_clock_at(sla, k, amount, cal);
	if (t == G_MAXINT64)
		return 0;
	/* Escalated and not met: listed as overdue, past escalate's walk. */
	if (c->sent & MD_SLA_SENT_ESCALATION)
		return (gint64)(OVERDUE | (guint64)MAX(t, 1));
	return MAX(t, 1);
}

/* Pauses that end before every clock that may still run are history. */
static void
prune_pauses(MdSla *sla)
{
	gint64 oldest = G_MAXINT64;

	if (sla->pauses->len <= MAX_PAUSES)
		return;
	for (guint k = 0; k < MD_SLA_N_TARGETS; k++)
		if (sla->clocks[k].start != 0 && sla->clocks[k].met == 0)
			oldest = MIN(oldest, sla->clocks[k].start);
	while (sla->pauses->len > 0) {
		MdSlaPause *p = &g_array_index(sla->pauses, MdSlaPause, 0);

		if (p->to == 0 || p->to > oldest)
			break;
		g_array_remove_index(sla->pauses, 0);
	}
}

gboolean
md_sla_save(MdTxn *txn, const MdConfig *config, MdSla *sla,
    const MdCalendar *cal, GError **error)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
	GVariantBuilder pauses, clocks;
	g_autoptr(GBytes) rec = NULL;
	guint8 key[8];
	gsize len;
	const void *data;

	for (guint k = 0; k < MD_SLA_N_TARGETS; k++)
		if (!reindex(txn, sla->ticket, (MdSlaDue)k,
		    &sla->clocks[k].indexed, next_look(config, sla, k, cal),
		    error))
			return FALSE;
	if (!reindex(txn, sla->ticket, MD_SLA_DUE_PENDING,
	    &sla->pending_indexed, sla->status == MD_STATUS_PENDING ?
	    sla->pending_until : 0, error))
		return FALSE;
	prune_pauses(sla);
	g_variant_builder_init(&pauses, G_VARIANT_TYPE("a(xx)"));
	for (guint i = 0; i < sla->pauses->len; i++) {
		MdSlaPause *p = &g_array_index(sla->pauses, MdSlaPause, i);

		g_variant_builder_add(&pauses, "(xx)", p->from, p->to);
	}
	g_variant_builder_init(&clocks, G_VARIANT_TYPE("a(xxxxy)"));
	for (guint k = 0; k < MD_SLA_N_TARGETS; k++) {
		MdSlaClock *c = &sla->clocks[k];

		g_variant_builder_add(&clocks, "(xxxxy)", c->start,
		    c->budget_s, c->met, c->indexed, c->sent);
	}
	g_variant_dict_insert(&d, "status", "y", (guint8)sla->status);
	g_variant_dict_insert(&d, "pending-until", "x", sla->pending_until);
	g_variant_dict_insert(&d, "pending-close", "b", sla->pending_close);
	g_variant_dict_insert(&d, "pending-indexed", "x",
	    sla->pending_indexed);
	g_variant_dict_insert_value(&d, "pauses",
	    g_variant_builder_end(&pauses));
	g_variant_dict_insert_value(&d, "clocks",
	    g_variant_builder_end(&clocks));
	rec = md_record_close(&d);
	data = g_bytes_get_data(rec, &len);
	md_key_be64(key, sla->ticket);
	return md_store_put(txn, MD_DB_SLA, key, 8, data, len, 0, error);
}

static gboolean
waits(MdStatus status)
{
	return status == MD_STATUS_PENDING || status == MD_STATUS_RESOLVED ||
	    status == MD_STATUS_CLOSED;
}

static gboolean
done(MdStatus status)
{
	return status == MD_STATUS_RESOLVED || status == MD_STATUS_CLOSED;
}

/*
 * Follows the ticket's status at @when: a pause begins or ends, the
 * solution is met, and a ticket no longer pending loses its date.
 */
static void
follow_status(MdSla *sla, MdStatus status, gint64 when)
{
	MdSlaClock *solution = &sla->clocks[MD_SLA_SOLUTION];

	if (!waits(sla->status) && waits(status)) {
		MdSlaPause p = { when, 0 };

		g_array_append_val(sla->pauses, p);
	} else if (waits(sla->status) && !waits(status)) {
		for (guint i = sla->pauses->len; i > 0; i--) {
			MdSlaPause *p = &g_array_index(sla->pauses,
			    MdSlaPause, i - 1);

			if (p->to != 0)
				continue;
			p->to = MAX(when, p->from);
			if (p->to == p->from)
				g_array_remove_index(sla->pauses, i - 1);
			break;
		}
	}
	if (done(status) && !done(sla->status) && solution->start != 0 &&
	    solution->met == 0)
		solution->met = when;
	if (status != MD_STATUS_PENDING) {
		sla->pending_until = 0;
		sla->pending_close = FALSE;
	}
	sla->status = status;
}

static void
start_clock(const MdConfig *config, MdSla *sla, const char *queue,
    MdSlaTarget k, gint64 now)
{
	MdSlaClock *c = &sla->clocks[k];
	gint64 budget = md_config_sla_seconds(config, queue, k);

	if (budget <= 0)
		return;
	c->start = now;
	c->budget_s = budget;
	c->met = 0;
	c->sent = 0;
}

static gboolean
has_targets(const MdConfig *config, const char *queue)
{
	for (guint k = 0; k < MD_SLA_N_TARGETS; k++)
		if (md_config_sla_seconds(config, queue, k) > 0)
			return TRUE;
	return FALSE;
}

/*
 * The record of @t, or a new one when it has none; NULL without an
 * error when it has none and @create is FALSE.
 */
static MdSla *
load_or_new(MdTxn *txn, const MdTicket *t, gboolean create, gboolean *fresh,
    GError **error)
{
	g_autoptr(GError) e = NULL;
	MdSla *sla = md_sla_load(txn, t->number, &e);

	*fresh = FALSE;
	if (sla != NULL || e != NULL) {
		if (e != NULL)
			g_propagate_error(error, g_steal_pointer(&e));
		return sla;
	}
	if (!create)
		return NULL;
	*fresh = TRUE;
	/* Its status so far is the one it has now: no pause to close. */
	return sla_new(t->number, t->status == MD_STATUS_NEW ||
	    waits(t->status) ? MD_STATUS_OPEN : t->status);
}

gboolean
md_sla_note(MdTxn *txn, const MdConfig *config, const MdTicket *t,
    MdSlaEvent event, gint64 now, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(MdSla) sla = NULL;
	MdSlaClock *first = NULL, *update = NULL;
	gboolean targets = has_targets(config, t->queue);
	gboolean fresh;

	/* A ticket this mail opened has no record yet: deliver's hot path
	 * pays nothing without targets. */
	if (!targets && event == MD_SLA_EVENT_CUSTOMER &&
	    t->message_count <= 1)
		return TRUE;
	sla = load_or_new(txn, t, targets, &fresh, &e);
	if (sla == NULL) {
		if (e != NULL)
			g_propagate_error(error, g_steal_pointer(&e));
		return e == NULL;
	}
	first = &sla->clocks[MD_SLA_FIRST_RESPONSE];
	update = &sla->clocks[MD_SLA_NEXT_UPDATE];
	/* First response and solution count from the ticket's start, or,
	 * for a ticket from before the targets, from now. */
	if (fresh) {
		start_clock(config, sla, t->queue, MD_SLA_FIRST_RESPONSE, now);
		start_clock(config, sla, t->queue, MD_SLA_SOLUTION, now);
	}
	follow_status(sla, t->status, now);
	switch (event) {
	case MD_SLA_EVENT_CUSTOMER:
		/* After an answer, the customer waits for the next one. */
		if ((first->met != 0 || update->met != 0) &&
		    (update->start == 0 || update->met != 0))
			start_clock(config, sla, t->queue,
			    MD_SLA_NEXT_UPDATE, now);
		break;
	case MD_SLA_EVENT_ANSWER:
		if (first->start != 0 && first->met == 0)
			first->met = now;
		if (update->start != 0 && update->met == 0)
			update->met = now;
		/* Without a first-response target, the answer still has to
		 * be remembered for the next update. */
		if (first->start == 0 && first->met == 0)
			first->met = now;
		break;
	case MD_SLA_EVENT_NONE:
		break;
	}
	return md_sla_save(txn, config, sla, NULL, error);
}

gboolean
md_sla_set_pending(MdTxn *txn, const MdConfig *config, const MdTicket *t,
    gint64 until, gboolean close, gint64 now, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(MdSla) sla = NULL;
	gboolean fresh;

	g_return_val_if_fail(t->status == MD_STATUS_PENDING, FALSE);
	sla = load_or_new(txn, t, TRUE, &fresh, &e);
	if (sla == NULL) {
		g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	}
	follow_status(sla, t->status, now);
	sla->pending_until = until;
	sla->pending_close = close;
	return md_sla_save(txn, config, sla, NULL, error);
}

gboolean
md_sla_drop(MdTxn *txn, guint64 number, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(MdSla) sla = md_sla_load(txn, number, &e);
	guint8 key[8];

	if (sla == NULL) {
		if (e != NULL)
			g_propagate_error(error, g_steal_pointer(&e));
		return e == NULL;
	}
	for (guint k = 0; k < MD_SLA_N_TARGETS; k++)
		if (!reindex(txn, number, (MdSlaDue)k,
		    &sla->clocks[k].indexed, 0, error))
			return FALSE;
	if (!reindex(txn, number, MD_SLA_DUE_PENDING, &sla->pending_indexed,
	    0, error))
		return FALSE;
	md_key_be64(key, number);
	return md_store_del(txn, MD_DB_SLA, key, 8, NULL, 0, error);
}

typedef struct {
	gint64 until;
	gboolean overdue;
	MdSlaDueFunc fn;
	gpointer user_data;
} DueWalk;

static gboolean
each_due(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	DueWalk *w = user_data;
	const guint8 *k = key->mv_data;
	gint64 time;

	if (key->mv_size != DUE_KEY_LEN)
		return TRUE;
	if (md_key_read_be64(k) & OVERDUE) {
		if (!w->overdue)
			return FALSE;
		time = (gint64)(md_key_read_be64(k) & ~OVERDUE);
	} else if ((time = (gint64)md_key_read_be64(k)) > w->until)
		return FALSE;
	return w->fn(time, md_key_read_be64(k + 8), (MdSlaDue)k[16],
	    w->user_data);
}

gboolean
md_sla_foreach_due(MdTxn *txn, gint64 until, MdSlaDueFunc fn,
    gpointer user_data, GError **error)
{
	DueWalk w = { until, FALSE, fn, user_data };

	return md_store_foreach(txn, MD_DB_DUE, NULL, 0, each_due, &w, error);
}

gboolean
md_sla_foreach_overdue(MdTxn *txn, MdSlaDueFunc fn, gpointer user_data,
    GError **error)
{
	DueWalk w = { G_MAXINT64, TRUE, fn, user_data };
	guint8 prefix = 0x80;

	return md_store_foreach(txn, MD_DB_DUE, &prefix, 1, each_due, &w,
	    error);
}

typedef struct {
	MdTxn *txn;
	GPtrArray *problems;
	GError *error;
} CheckWalk;

/* Each due entry must be the one its ticket's record names. */
static gboolean
check_entry(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	CheckWalk *w = user_data;
	const guint8 *k = key->mv_data;
	g_autoptr(MdSla) sla = NULL;
	guint64 ticket;
	gint64 indexed;

	if (key->mv_size != DUE_KEY_LEN || k[16] > MD_SLA_DUE_PENDING) {
		g_ptr_array_add(w->problems, g_strdup("due index: an entry "
		    "of unknown form"));
		return TRUE;
	}
	ticket = md_key_read_be64(k + 8);
	sla = md_sla_load(w->txn, ticket, &w->error);
	if (w->error != NULL)
		return FALSE;
	indexed = sla == NULL ? 0 : k[16] == MD_SLA_DUE_PENDING ?
	    sla->pending_indexed : sla->clocks[k[16]].indexed;
	if ((guint64)indexed != md_key_read_be64(k))
		g_ptr_array_add(w->problems, g_strdup_printf("due index: "
		    "ticket %" G_GUINT64_FORMAT ": an entry its record does "
		    "not name", ticket));
	return TRUE;
}

static gboolean
check_record(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	CheckWalk *w = user_data;
	guint64 ticket = md_key_read_be64(key->mv_data);
	g_autoptr(MdSla) sla = md_sla_load(w->txn, ticket, &w->error);
	guint8 due[DUE_KEY_LEN];
	MDB_val v;

	if (sla == NULL)
		return w->error == NULL;
	for (guint k = 0; k <= MD_SLA_DUE_PENDING; k++) {
		gint64 t = k == MD_SLA_DUE_PENDING ? sla->pending_indexed :
		    sla->clocks[k].indexed;

		if (t == 0)
			continue;
		due_key(due, t, ticket, (MdSlaDue)k);
		if (!md_store_get(w->txn, MD_DB_DUE, due, sizeof due, &v,
		    NULL))
			g_ptr_array_add(w->problems, g_strdup_printf(
			    "due index: ticket %" G_GUINT64_FORMAT ": its %s "
			    "entry is missing", ticket, k == MD_SLA_DUE_PENDING ?
			    "pending" : target_names[k]));
	}
	if (!md_store_get(w->txn, MD_DB_TICKETS, key->mv_data, 8, &v, NULL))
		g_ptr_array_add(w->problems, g_strdup_printf("service "
		    "levels of ticket %" G_GUINT64_FORMAT ", which is gone",
		    ticket));
	return TRUE;
}

gboolean
md_sla_check(MdTxn *txn, GPtrArray *problems, GError **error)
{
	CheckWalk w = { txn, problems, NULL };

	if (!md_store_foreach(txn, MD_DB_DUE, NULL, 0, check_entry, &w,
	    error) || w.error != NULL ||
	    !md_store_foreach(txn, MD_DB_SLA, NULL, 0, check_record, &w,
	    error) || w.error != NULL) {
		if (w.error != NULL)
			g_propagate_error(error, w.error);
		return FALSE;
	}
	return TRUE;
}

static gboolean
each_record(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	guint64 n = md_key_read_be64(key->mv_data);

	g_array_append_val((GArray *)user_data, n);
	return TRUE;
}

gboolean
md_sla_rebuild_index(MdTxn *txn, const MdConfig *config, GError **error)
{
	g_autoptr(GArray) numbers = g_array_new(FALSE, FALSE,
	    sizeof(guint64));

	if (!md_store_clear(txn, MD_DB_DUE, error) ||
	    !md_store_foreach(txn, MD_DB_SLA, NULL, 0, each_record, numbers,
	    error))
		return FALSE;
	for (guint i = 0; i < numbers->len; i++) {
		g_autoptr(MdSla) sla = md_sla_load(txn,
		    g_array_index(numbers, guint64, i), error);

		if (sla == NULL)
			return FALSE;
		sla->pending_indexed = 0;
		for (guint k = 0; k < MD_SLA_N_TARGETS; k++)
			sla->clocks[k].indexed = 0;
		if (!md_sla_save(txn, config, sla, NULL, error))
			return FALSE;
	}
	return TRUE;
}

gint64
md_sla_parse_date(const char *text, GTimeZone *tz, gint64 now)
{
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	g_autoptr(GDateTime) dt = NULL;
	guint64 n;
	gsize len = text != NULL ? strlen(text) : 0;
	guint y, mo, d, h = 0, mi = 0;
	char tail;

	if (len >= 2 && len <= 5 && (text[len - 1] == 'd' ||
	    text[len - 1] == 'h')) {
		g_autofree char *digits = g_strndup(text, len - 1);

		if (!g_ascii_string_to_unsigned(digits, 10, 1, 9999, &n, NULL))
			return 0;
		return now + (gint64)n * (text[len - 1] == 'd' ? 86400 : 3600);
	}
	if (len == 10 && sscanf(text, "%4u-%2u-%2u%c", &y, &mo, &d,
	    &tail) == 3)
		;
	else if (len == 16 && sscanf(text, "%4u-%2u-%2uT%2u:%2u%c", &y, &mo,
	    &d, &h, &mi, &tail) == 5 && h < 24 && mi < 60)
		;
	else
		return 0;
	if (!g_date_valid_dmy(d, mo, y))
		return 0;
	dt = g_date_time_new(tz != NULL ? tz : utc, y, mo, d, h, mi, 0);
	return dt != NULL ? g_date_time_to_unix(dt) : 0;
}
