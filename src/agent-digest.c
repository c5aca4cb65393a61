/* SPDX-License-Identifier: MIT */
/*
 * The agents' digest.  One pass over the open-tickets index sorts each
 * open ticket to its owner, or, when it has none (or its owner is no
 * agent any more), to its queue; an agent's digest is then their own list
 * and the lists of their queues.  What is due comes from the service
 * levels' due index, read up to now only: escalated clocks, pending dates
 * that have come, targets that may have passed.  Full ticket and service
 * level records are read only for the tickets a mail lists.
 */
#include <string.h>

#include "maildesk/agent-digest.h"
#include "maildesk/agent.h"
#include "maildesk/calendar.h"
#include "maildesk/compose.h"
#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/open-tickets.h"
#include "maildesk/sla.h"
#include "maildesk/ticket.h"
#include "maildesk/token.h"

static const char *const section_titles[] = {
	[MD_DIGEST_ESCALATED] = "Escalated",
	[MD_DIGEST_PENDING_DUE] = "Pending, their date has come",
	[MD_DIGEST_OWN] = "Open, assigned to you",
	[MD_DIGEST_UNASSIGNED] = "Unassigned in your queues",
};

void
md_agent_digest_free(MdAgentDigest *d)
{
	if (d == NULL)
		return;
	g_free(d->agent);
	g_array_unref(d->items);
	g_free(d);
}

gint
md_agent_digest_compare(gconstpointer a, gconstpointer b)
{
	const MdDigestItem *x = a, *y = b;

	if (x->section != y->section)
		return x->section < y->section ? -1 : 1;
	/* A due time first, the earliest (most overdue) first. */
	if ((x->due_at != 0) != (y->due_at != 0))
		return x->due_at != 0 ? -1 : 1;
	if (x->due_at != y->due_at)
		return x->due_at < y->due_at ? -1 : 1;
	if (x->created_at != y->created_at)
		return x->created_at < y->created_at ? -1 : 1;
	return x->number < y->number ? -1 : x->number > y->number;
}

static GArray *
item_array(void)
{
	return g_array_new(FALSE, FALSE, sizeof(MdDigestItem));
}

/* What the due index says of one ticket. */
typedef struct {
	gint64 due;		/* the earliest due time, 0: none yet */
	gboolean escalated;	/* a clock escalated and not met */
	gboolean pending_due;	/* its pending date has come */
} Due;

/* The tickets of one owner or one queue. */
typedef struct {
	GArray *items;		/* of MdDigestItem; sorted and cut at the end */
	guint total[MD_DIGEST_SECTIONS];	/* all, before the cut */
} List;

static void
list_free(gpointer p)
{
	List *l = p;

	g_array_unref(l->items);
	g_free(l);
}

typedef struct {
	GHashTable *agents;	/* address -> GPtrArray of queue names */
	GHashTable *own;	/* address -> List */
	GHashTable *queued;	/* queue -> List */
	GHashTable *due;	/* ticket number (gint64 *) -> Due */
	gint64 now;
} Collect;

static Due *
due_of(Collect *c, guint64 ticket)
{
	Due *d = g_hash_table_lookup(c->due, &ticket);

	if (d == NULL) {
		gint64 *k = g_new(gint64, 1);

		*k = (gint64)ticket;
		d = g_new0(Due, 1);
		g_hash_table_insert(c->due, k, d);
	}
	return d;
}

static void
note_due(Due *d, gint64 time)
{
	if (d->due == 0 || time < d->due)
		d->due = time;
}

static gboolean
escalated_one(gint64 time, guint64 ticket, MdSlaDue kind, gpointer user_data)
{
	Due *d = due_of(user_data, ticket);

	(void)kind;
	d->escalated = TRUE;
	note_due(d, time);
	return TRUE;
}

static gboolean
due_one(gint64 time, guint64 ticket, MdSlaDue kind, gpointer user_data)
{
	Due *d = due_of(user_data, ticket);

	if (kind == MD_SLA_DUE_PENDING)
		d->pending_due = TRUE;
	else
		note_due(d, time);
	return TRUE;
}

/*
 * The due index up to now: escalated clocks, pending dates that have come,
 * targets whose time may have come (the index holds a moment no later
 * than the real one; the mail shows the real one).
 */
static gboolean
read_due(MdTxn *txn, Collect *c, GError **error)
{
	return md_sla_foreach_overdue(txn, escalated_one, c, error) &&
	    md_sla_foreach_due(txn, c->now, due_one, c, error);
}

static void
add_agent_queue(Collect *c, const char *agent, const char *queue)
{
	GPtrArray *qs = g_hash_table_lookup(c->agents, agent);

	if (qs == NULL) {
		qs = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(c->agents, g_strdup(agent), qs);
	}
	if (queue == NULL)
		return;
	for (guint i = 0; i < qs->len; i++)
		if (strcmp(g_ptr_array_index(qs, i), queue) == 0)
			return;
	g_ptr_array_add(qs, g_strdup(queue));
}

static void
append_to(GHashTable *h, const char *key, const MdDigestItem *it)
{
	List *l = g_hash_table_lookup(h, key);

	if (l == NULL) {
		l = g_new0(List, 1);
		l->items = item_array();
		g_hash_table_insert(h, g_strdup(key), l);
	}
	g_array_append_vals(l->items, it, 1);
	l->total[it->section]++;
}

static gboolean
collect_one(const MdOpenTicket *o, gpointer user_data)
{
	Collect *c = user_data;
	gint64 number = (gint64)o->number;
	const Due *d = g_hash_table_lookup(c->due, &number);
	MdDigestItem it = { o->number, MD_DIGEST_OWN, o->created_at,
	    d ? d->due : 0 };
	gboolean owned = o->owner[0] != '\0' &&
	    g_hash_table_contains(c->agents, o->owner);

	if (d != NULL && d->escalated)
		it.section = MD_DIGEST_ESCALATED;
	else if (o->status == MD_STATUS_PENDING) {
		/* Waiting for the customer: only once its date has come. */
		if (d == NULL || !d->pending_due)
			return TRUE;
		it.section = MD_DIGEST_PENDING_DUE;
	} else if (!owned)
		it.section = MD_DIGEST_UNASSIGNED;
	if (owned)
		append_to(c->own, o->owner, &it);
	else
		append_to(c->queued, o->queue, &it);
	return TRUE;
}

/* Sorts every list of @h and keeps its first @max items. */
static void
sort_and_cut(GHashTable *h, guint max)
{
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, h);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		List *l = value;

		g_array_sort(l->items, md_agent_digest_compare);
		if (l->items->len > max)
			g_array_set_size(l->items, max);
	}
}

static gboolean
agents_of(MdTxn *txn, const MdConfig *config, Collect *c, GError **error)
{
	g_autoptr(GPtrArray) stored = md_agent_list(txn, error);

	if (stored == NULL)
		return FALSE;
	for (guint i = 0; i < stored->len; i++) {
		MdAgent *a = g_ptr_array_index(stored, i);

		add_agent_queue(c, a->email, NULL);
		for (char **q = a->queues; q != NULL && *q != NULL; q++)
			add_agent_queue(c, a->email, *q);
	}
	for (guint i = 0; i < config->queues->len; i++) {
		const MdQueue *q = g_ptr_array_index(config->queues, i);

		for (char **a = q->agents; a != NULL && *a != NULL; a++)
			add_agent_queue(c, *a, q->name);
	}
	return TRUE;
}

static void
add_list(MdAgentDigest *d, const List *l)
{
	if (l == NULL)
		return;
	g_array_append_vals(d->items, l->items->data, l->items->len);
	for (int s = 0; s < MD_DIGEST_SECTIONS; s++)
		d->total[s] += l->total[s];
}

/*
 * @agent's digest: their own list and the lists of their queues, each
 * sorted and cut already (the first @max_items of the union are among
 * the first @max_items of each).  NULL when there is nothing.
 */
static MdAgentDigest *
digest_of(Collect *c, const char *agent, guint max_items)
{
	g_autoptr(MdAgentDigest) d = g_new0(MdAgentDigest, 1);
	GPtrArray *qs = g_hash_table_lookup(c->agents, agent);

	d->agent = g_strdup(agent);
	d->items = item_array();
	add_list(d, g_hash_table_lookup(c->own, agent));
	for (guint i = 0; qs != NULL && i < qs->len; i++)
		add_list(d, g_hash_table_lookup(c->queued,
		    g_ptr_array_index(qs, i)));
	if (d->items->len == 0)
		return NULL;
	g_array_sort(d->items, md_agent_digest_compare);
	if (d->items->len > max_items)
		g_array_set_size(d->items, max_items);
	return g_steal_pointer(&d);
}

GPtrArray *
md_agent_digest_collect(MdTxn *txn, const MdConfig *config, const char *only,
    guint max_items, gint64 now, GError **error)
{
	g_autoptr(GHashTable) agents = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
	g_autoptr(GHashTable) own = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, list_free);
	g_autoptr(GHashTable) queued = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, list_free);
	g_autoptr(GHashTable) due = g_hash_table_new_full(g_int64_hash,
	    g_int64_equal, g_free, g_free);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_agent_digest_free);
	g_autofree char *only_lc = only ? g_ascii_strdown(only, -1) : NULL;
	g_autoptr(GList) names = NULL;
	Collect c = { agents, own, queued, due, now };

	if (!agents_of(txn, config, &c, error))
		return NULL;
	if (only_lc != NULL && !g_hash_table_contains(agents, only_lc)) {
		g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND,
		    "%s is no agent", only);
		return NULL;
	}
	if (!read_due(txn, &c, error) ||
	    !md_open_tickets_foreach(txn, collect_one, &c, error))
		return NULL;
	sort_and_cut(own, max_items);
	sort_and_cut(queued, max_items);
	names = g_list_sort(g_hash_table_get_keys(agents),
	    (GCompareFunc)strcmp);
	for (GList *l = names; l != NULL; l = l->next) {
		MdAgentDigest *d;

		if (only_lc != NULL && strcmp(l->data, only_lc) != 0)
			continue;
		/* Nothing to do: no mail. */
		if ((d = digest_of(&c, l->data, max_items)) != NULL)
			g_ptr_array_add(out, d);
	}
	return g_steal_pointer(&out);
}

const char *
md_agent_digest_from(const MdConfig *config)
{
	const char *from = md_config_address_of(config,
	    config->default_queue);

	if (from == NULL && config->addresses->len > 0)
		from = ((MdAddress *)g_ptr_array_index(config->addresses,
		    0))->address;
	return from;
}

char *
md_agent_digest_age(gint64 seconds)
{
	gint64 m = seconds < 0 ? 0 : seconds / 60;

	if (m >= 24 * 60)
		return g_strdup_printf("%" G_GINT64_FORMAT "d %" G_GINT64_FORMAT
		    "h", m / (24 * 60), m / 60 % 24);
	if (m >= 60)
		return g_strdup_printf("%" G_GINT64_FORMAT "h %" G_GINT64_FORMAT
		    "m", m / 60, m % 60);
	return g_strdup_printf("%" G_GINT64_FORMAT "m", m);
}

static char *
zoned_time(GTimeZone *tz, gint64 t, const char *format)
{
	g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(t);
	g_autoptr(GDateTime) dt = utc ? g_date_time_to_timezone(utc, tz) :
	    NULL;

	return dt ? g_date_time_format(dt, format) : g_strdup("-");
}

/*
 * mailto: the agent's own signed reply address of the ticket, with the
 * ticket's subject: what a mail client answers with.
 */
static char *
reply_link(const MdConfig *config, GBytes *secret, const MdTicket *t,
    const char *agent, gint64 now)
{
	const char *ours = md_config_address_of(config, t->queue);
	g_autofree char *to = NULL, *subject = NULL, *esc = NULL;

	if (ours == NULL)
		ours = md_agent_digest_from(config);
	if (ours == NULL)
		return NULL;
	to = md_token_reply_address(secret, ours,
	    md_config_reply_delimiter(config), t->number, agent, now);
	subject = g_strdup_printf("Re: [%s%" G_GUINT64_FORMAT "] %s",
	    config->tag, t->number, t->subject);
	esc = g_uri_escape_string(subject, NULL, FALSE);
	return g_strdup_printf("mailto:%s?subject=%s", to, esc);
}

/*
 * ", first-response due 2026-03-02 13:00 (overdue)", or the pending date,
 * from @t's service levels in its queue's calendar (cached in @cals).
 */
static gboolean
append_due(MdTxn *txn, const MdConfig *config, GHashTable *cals,
    GTimeZone *tz, const MdTicket *t, gint64 now, GString *out,
    GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(MdSla) sla = md_sla_load(txn, t->number, &e);
	const char *queue = t->queue ? t->queue : "";
	MdCalendar *cal;
	MdSlaTarget target;
	gint64 due;

	if (sla == NULL) {
		if (e == NULL)
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	}
	cal = g_hash_table_lookup(cals, queue);
	if (cal == NULL) {
		cal = md_calendar_new(config, queue, error);
		if (cal == NULL)
			return FALSE;
		g_hash_table_insert(cals, g_strdup(queue), cal);
	}
	if (t->status == MD_STATUS_PENDING && sla->pending_until != 0) {
		g_autofree char *when = zoned_time(tz, sla->pending_until,
		    "%Y-%m-%d %H:%M");

		g_string_append_printf(out, ", pending until %s", when);
		return TRUE;
	}
	due = md_sla_next_due(sla, cal, &target);
	if (due != 0 && due != G_MAXINT64) {
		g_autofree char *when = zoned_time(tz, due, "%Y-%m-%d %H:%M");

		g_string_append_printf(out, ", %s due %s%s",
		    md_sla_target_name(target), when,
		    due <= now ? " (overdue)" : "");
	}
	return TRUE;
}

static gboolean
render_item(MdTxn *txn, const MdConfig *config, GBytes *secret,
    GTimeZone *tz, GHashTable *cals, const char *agent,
    const MdDigestItem *it, gint64 now, GString *out, GError **error)
{
	g_autoptr(MdTicket) t = md_ticket_load(txn, it->number, error);
	g_autofree char *who = NULL, *age = NULL, *link = NULL;
	g_autofree char *subject = NULL;

	if (t == NULL)
		return FALSE;
	if (t->customer_id != 0) {
		g_autoptr(MdCustomer) c = md_customer_load(txn,
		    t->customer_id, NULL);

		who = md_customer_label(c);
	} else
		who = md_customer_label(NULL);
	age = md_agent_digest_age(now - t->created_at);
	link = reply_link(config, secret, t, agent, now);
	subject = md_compose_clean_header(t->subject[0] ? t->subject :
	    "(no subject)");
	g_string_append_printf(out, "#%" G_GUINT64_FORMAT "  %s\n  %s\n"
	    "  %s, age %s", t->number, subject, who, t->queue, age);
	if (!append_due(txn, config, cals, tz, t, now, out, error))
		return FALSE;
	g_string_append_c(out, '\n');
	if (link != NULL)
		g_string_append_printf(out, "  %s\n", link);
	g_string_append_c(out, '\n');
	return TRUE;
}

char *
md_agent_digest_render(MdTxn *txn, const MdConfig *config, GBytes *secret,
    GTimeZone *tz, const MdAgentDigest *d, gint64 now, char **subject,
    GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GHashTable) cals = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, (GDestroyNotify)md_calendar_free);
	g_autofree char *day = NULL;
	guint all = 0, shown = 0;
	int section = -1;

	for (int s = 0; s < MD_DIGEST_SECTIONS; s++)
		all += d->total[s];
	day = zoned_time(tz, now, "%Y-%m-%d");
	g_string_append_printf(out, "Tickets waiting for you on %s: %u.\n"
	    "Answer a ticket by writing to the link below it.\n\n", day,
	    all);
	for (guint i = 0; i < d->items->len; i++) {
		const MdDigestItem *it = &g_array_index(d->items, MdDigestItem,
		    i);

		if ((int)it->section != section) {
			section = it->section;
			g_string_append_printf(out, "== %s (%u) ==\n\n",
			    section_titles[section], d->total[section]);
		}
		if (!render_item(txn, config, secret, tz, cals, d->agent, it,
		    now, out, error))
			return NULL;
		shown++;
	}
	if (shown < all)
		g_string_append_printf(out, "... and %u more: maildesk ticket "
		    "list shows them all.\n", all - shown);
	*subject = g_strdup_printf("Your tickets on %s: %u waiting", day, all);
	return g_string_free(g_steal_pointer(&out), FALSE);
}
