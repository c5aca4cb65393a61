/* SPDX-License-Identifier: MIT */
/*
 * maildesk escalate: walks the due index up to now.  A service-level
 * entry is looked at in business hours: early (the index holds a lower
 * bound) it moves to the exact moment; at the warning share a warning
 * goes out, past the target an escalation, each once per start of the
 * clock.  A pending date reopens the ticket with a reminder, or closes
 * it.  Mails go to the owner, else the queue's agents, with a reply
 * address signed for each, through the outbox in the same transaction.
 */
#include <string.h>

#include "maildesk/agent.h"
#include "maildesk/compose.h"
#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/escalate.h"
#include "maildesk/log.h"
#include "maildesk/loop.h"
#include "maildesk/outbox.h"
#include "maildesk/sla-view.h"
#include "maildesk/sla.h"
#include "maildesk/template.h"
#include "maildesk/ticket.h"
#include "maildesk/token.h"

/* Entries handled per write transaction. */
#define BATCH 256

typedef struct {
	gint64 time;
	guint64 ticket;
	MdSlaDue kind;
} Entry;

typedef struct {
	MdTxn *txn;
	const MdConfig *config;
	MdSlaView *view;
	GBytes *secret;
	char *mark;		/* our X-Loop */
	gint64 now;
	MdEscalateReport *r;
} Run;

void
md_escalate_report_clear(MdEscalateReport *r)
{
	g_clear_pointer(&r->outbox_ids, g_array_unref);
}

static gboolean
collect(gint64 time, guint64 ticket, MdSlaDue kind, gpointer data)
{
	GArray *entries = data;
	Entry e = { time, ticket, kind };

	g_array_append_val(entries, e);
	return entries->len < BATCH;
}

/* The target's name in @language, for the templates. */
static const char *
target_words(MdSlaTarget k, const char *language)
{
	static const char *const en[] = {
		"first response", "next update", "solution"
	};
	static const char *const de[] = {
		"Erste Reaktion", "Nächste Antwort", "Lösung"
	};

	return g_strcmp0(language, "de") == 0 ? de[k] : en[k];
}

static char *
local_time(const MdCalendar *cal, gint64 t)
{
	g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(t);
	g_autoptr(GDateTime) local = utc ? g_date_time_to_timezone(utc,
	    md_calendar_time_zone(cal)) : NULL;

	return local ? g_date_time_format(local, "%Y-%m-%d %H:%M %Z") :
	    g_strdup("-");
}

/*
 * Queues @template about @t to its owner, else the agents of its queue,
 * and (@lead) to the queue's escalate-to address.
 */
static gboolean
tell(Run *run, const MdTicket *t, const char *template, const char *what,
    MdSlaTarget k, gint64 due, gboolean lead, GError **error)
{
	const MdQueue *q = md_config_queue(run->config, t->queue);
	const char *from = md_config_address_of(run->config, t->queue);
	const MdCalendar *cal = md_sla_view_calendar(run->view, t->queue,
	    error);
	g_autoptr(GHashTable) vars = g_hash_table_new_full(g_str_hash,
	    g_str_equal, NULL, g_free);
	g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GError) e = NULL;
	g_autofree char *body = NULL, *subject = NULL;

	if (cal == NULL)
		return FALSE;
	if (from == NULL && run->config->addresses->len > 0)
		from = ((MdAddress *)g_ptr_array_index(
		    run->config->addresses, 0))->address;
	if (t->owner != NULL)
		g_ptr_array_add(to, g_strdup(t->owner));
	else {
		g_auto(GStrv) agents = md_agent_of_queue(run->txn,
		    run->config, t->queue, error);

		if (agents == NULL)
			return FALSE;
		for (char **a = agents; *a != NULL; a++)
			g_ptr_array_add(to, g_strdup(*a));
	}
	if (lead && q->escalate_to != NULL)
		g_ptr_array_add(to, g_strdup(q->escalate_to));
	if (t->customer_id != 0) {
		c = md_customer_load(run->txn, t->customer_id, &e);
		if (c == NULL && !g_error_matches(e, MD_ERROR,
		    MD_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&e));
			return FALSE;
		}
	}
	g_hash_table_insert(vars, (gpointer)"ticket", g_strdup_printf("%"
	    G_GUINT64_FORMAT, t->number));
	g_hash_table_insert(vars, (gpointer)"tag", g_strdup_printf("[%s%"
	    G_GUINT64_FORMAT "]", run->config->tag, t->number));
	g_hash_table_insert(vars, (gpointer)"subject", g_strdup(t->subject));
	g_hash_table_insert(vars, (gpointer)"queue", g_strdup(t->queue));
	g_hash_table_insert(vars, (gpointer)"owner", g_strdup(t->owner ?
	    t->owner : "none"));
	g_hash_table_insert(vars, (gpointer)"email", g_strdup(c ? c->email :
	    "-"));
	g_hash_table_insert(vars, (gpointer)"name", c && (c->first_name ||
	    c->last_name) ? g_strstrip(g_strjoin(" ", c->first_name ?
	    c->first_name : "", c->last_name ? c->last_name : "", NULL)) :
	    g_strdup(c ? c->email : "-"));
	g_hash_table_insert(vars, (gpointer)"target",
	    g_strdup(target_words(k, q->language)));
	g_hash_table_insert(vars, (gpointer)"due", local_time(cal, due));
	g_hash_table_insert(vars, (gpointer)"percent", g_strdup_printf("%u",
	    run->config->sla_warning_percent));
	body = md_template_render(run->config, template, q->language, vars,
	    error);
	if (body == NULL)
		return FALSE;
	subject = g_strdup_printf("[%s%" G_GUINT64_FORMAT "] %s: %s",
	    run->config->tag, t->number, what, t->subject);
	if (from == NULL) {
		md_warn("escalate ticket=%" G_GUINT64_FORMAT " no mail: no "
		    "address of ours in the config", t->number);
		return TRUE;
	}
	for (guint i = 0; i < to->len; i++) {
		const char *rcpt = g_ptr_array_index(to, i);
		g_autofree char *msgid = NULL, *reply_to = NULL;
		g_autoptr(GBytes) data = NULL;
		MdComposeSpec spec = { 0 };
		gboolean again = FALSE;

		for (guint j = 0; j < i && !again; j++)
			again = g_ascii_strcasecmp(g_ptr_array_index(to, j),
			    rcpt) == 0;
		if (again)
			continue;
		msgid = md_token_message_id(run->secret, t->number, from,
		    rcpt);
		reply_to = md_token_reply_address(run->secret, from,
		    md_config_reply_delimiter(run->config), t->number, rcpt,
		    run->now);
		spec.from_address = from;
		spec.to_address = rcpt;
		spec.subject = subject;
		spec.reply_to = reply_to;
		spec.message_id = msgid;
		spec.auto_submitted = "auto-generated";
		spec.x_loop = run->mark;
		spec.text = body;
		data = md_compose(&spec, run->now);
		if (data == NULL)
			continue;
		/* Indexed with the latest message, the one that waits: a
		 * reply that names this mail threads to the ticket. */
		if (!md_outbox_queue(run->txn, run->config, template,
		    t->number, t->message_count, 0, from, rcpt, msgid, data,
		    run->now, run->r->outbox_ids, error))
			return FALSE;
		run->r->mails++;
	}
	return TRUE;
}

/* A service-level entry: warn, escalate, or move to the exact time. */
static gboolean
look_at_target(Run *run, MdTicket *t, MdSla *sla, MdSlaTarget k,
    GError **error)
{
	MdSlaClock *c = &sla->clocks[k];
	const MdCalendar *cal = md_sla_view_calendar(run->view, t->queue,
	    error);
	gint64 warn_at, due;
	const char *name = md_sla_target_name(k);

	if (cal == NULL)
		return FALSE;
	if (c->start != 0 && c->met == 0) {
		warn_at = md_sla_clock_at(sla, k, c->budget_s *
		    run->config->sla_warning_percent / 100, cal);
		due = md_sla_clock_at(sla, k, c->budget_s, cal);
		if (due <= run->now && !(c->sent & MD_SLA_SENT_ESCALATION)) {
			/* Missed: one mail, and no late warning. */
			g_autofree char *what = g_strdup_printf("%s missed",
			    name);

			c->sent |= MD_SLA_SENT_WARNING |
			    MD_SLA_SENT_ESCALATION;
			run->r->escalations++;
			md_ticket_add_event(t, run->now, what);
			md_info("escalate ticket=%" G_GUINT64_FORMAT
			    " target=%s result=escalated", t->number, name);
			if (!tell(run, t, "sla-escalation",
			    what, k, due, TRUE, error))
				return FALSE;
		} else if (warn_at <= run->now &&
		    !(c->sent & MD_SLA_SENT_WARNING)) {
			g_autofree char *what = g_strdup_printf("%s due soon",
			    name);

			c->sent |= MD_SLA_SENT_WARNING;
			run->r->warnings++;
			md_ticket_add_event(t, run->now, what);
			md_info("escalate ticket=%" G_GUINT64_FORMAT
			    " target=%s result=warned", t->number, name);
			if (!tell(run, t, "sla-warning", what,
			    k, due, TRUE, error))
				return FALSE;
		}
	}
	return md_sla_save(run->txn, run->config, sla, cal, error);
}

/* The pending date has come: a reminder and open, or closed. */
static gboolean
look_at_pending(Run *run, MdTicket *t, MdSla *sla, GError **error)
{
	gint64 until = sla->pending_until;
	gboolean close = sla->pending_close;

	if (t->status != MD_STATUS_PENDING || until == 0 || until > run->now)
		return md_sla_save(run->txn, run->config, sla, NULL, error);
	if (close) {
		md_ticket_set_status(t, MD_STATUS_CLOSED, until);
		md_ticket_add_event(t, run->now, "closed: the pending date "
		    "came and the customer had not written");
		run->r->closed++;
	} else {
		md_ticket_set_status(t, MD_STATUS_OPEN, until);
		md_ticket_add_event(t, run->now, "open again: the pending "
		    "date came");
		run->r->reminders++;
	}
	t->updated_at = run->now;
	md_info("escalate ticket=%" G_GUINT64_FORMAT " result=%s", t->number,
	    close ? "closed" : "reminded");
	/* Time counts again from the pending date, not from this run. */
	if (!md_sla_note(run->txn, run->config, t, MD_SLA_EVENT_NONE, until,
	    error))
		return FALSE;
	if (!close && !tell(run, t, "pending-reminder",
	    "pending date reached", MD_SLA_FIRST_RESPONSE, until, FALSE,
	    error))
		return FALSE;
	return TRUE;
}

/*
 * One entry.  It is taken out of the index first and put back by
 * md_sla_save() wherever the record now says: so an entry the record
 * does not know (left by a crash of an older version) goes away too.
 */
static gboolean
look_at(Run *run, const Entry *e, GError **error)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(MdSla) sla = md_sla_load(run->txn, e->ticket, &err);
	gint64 *indexed = NULL;
	MdStatus status;
	guint events;

	run->r->looked++;
	if (err != NULL) {
		g_propagate_error(error, g_steal_pointer(&err));
		return FALSE;
	}
	if (sla != NULL)
		indexed = e->kind == MD_SLA_DUE_PENDING ? &sla->pending_indexed :
		    e->kind < MD_SLA_DUE_PENDING ? &sla->clocks[e->kind].indexed :
		    NULL;
	if (!md_sla_remove_entry(run->txn, e->time, e->ticket, e->kind,
	    error))
		return FALSE;
	if (indexed != NULL && *indexed == e->time)
		*indexed = 0;
	if (sla == NULL || indexed == NULL)
		return TRUE;
	t = md_ticket_load(run->txn, e->ticket, &err);
	if (t == NULL) {
		if (!g_error_matches(err, MD_ERROR, MD_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&err));
			return FALSE;
		}
		/* A record without its ticket: nothing to tell anyone. */
		return md_sla_drop(run->txn, e->ticket, error);
	}
	events = t->events->len;
	status = t->status;
	if (e->kind == MD_SLA_DUE_PENDING) {
		if (!look_at_pending(run, t, sla, error))
			return FALSE;
	} else if (!look_at_target(run, t, sla, (MdSlaTarget)e->kind, error))
		return FALSE;
	/* An entry only moved to its exact time leaves the ticket alone
	 * (and out of the search index's queue). */
	if (t->events->len == events && t->status == status)
		return TRUE;
	return md_ticket_save(run->txn, t, error);
}

gboolean
md_escalate_run(MdStore *store, const MdConfig *config, gint64 now,
    MdEscalateReport *r, GError **error)
{
	g_autoptr(MdSlaView) view = md_sla_view_new(config);
	g_autoptr(GBytes) secret = NULL;
	g_autofree char *mark = NULL;
	Run run = { NULL, config, view, NULL, NULL, now, r };

	if (r->outbox_ids == NULL)
		r->outbox_ids = g_array_new(FALSE, FALSE, sizeof(guint64));
	for (;;) {
		g_auto(MdTxn) txn = MD_TXN_INIT;
		g_autoptr(GArray) entries = g_array_new(FALSE, FALSE,
		    sizeof(Entry));

		if (!md_store_begin(store, MD_TXN_WRITE, &txn, error))
			return FALSE;
		if (secret == NULL) {
			secret = md_store_secret(&txn, error);
			if (secret == NULL)
				return FALSE;
			mark = md_loop_mark(config, secret);
			run.secret = secret;
			run.mark = mark;
		}
		run.txn = &txn;
		if (!md_sla_foreach_due(&txn, now, collect, entries, error))
			return FALSE;
		for (guint i = 0; i < entries->len; i++)
			if (!look_at(&run, &g_array_index(entries, Entry, i),
			    error))
				return FALSE;
		if (!md_store_commit(&txn, error))
			return FALSE;
		if (entries->len < BATCH)
			return TRUE;
	}
}
