/* SPDX-License-Identifier: MIT */
/*
 * ticket list|show|raw|set|reply|note: reading tickets back, for people
 * and scripts, and writing into them from the command line (an answer
 * relayed to the customer, or an internal note) as a trusted agent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maildesk/term.h"
#include "maildesk/agent.h"
#include "maildesk/cmd.h"
#include "maildesk/compose.h"
#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/json-out.h"
#include "maildesk/merge.h"
#include "maildesk/participants.h"
#include "maildesk/sla-view.h"
#include "maildesk/textmodule.h"
#include "maildesk/ticket.h"
#include "maildesk/ticket-query.h"

static char *
short_time(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t);

	return dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M") : g_strdup("-");
}

static char *
customer_label(const MdCustomer *c)
{
	g_autofree char *name = md_customer_display_name(c);

	if (c == NULL)
		return g_strdup("-");
	if (name != NULL)
		return g_strdup_printf("%s <%s>", name, c->email);
	return g_strdup(c->email);
}

typedef struct {
	MdTxn *txn;
	MdSlaView *view;
	gint64 due_by;		/* --overdue, --due-within: due by then */
	JsonBuilder *json;
	GString *text;
	GError *error;
	guint count;
} ListState;

static gboolean
print_one(MdTicket *t, ListState *s)
{
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(MdSla) sla = NULL;
	MdSlaTarget target;
	gint64 due;

	if (t->customer_id != 0) {
		c = md_customer_load(s->txn, t->customer_id, &s->error);
		if (c == NULL)
			return FALSE;
	}
	if (!md_sla_view_load(s->view, s->txn, t, &sla, &due, &target,
	    &s->error))
		return FALSE;
	/* The index gave candidates; the calendar says which are due. */
	if (s->due_by != 0 && (due == 0 || due > s->due_by))
		return TRUE;
	s->count++;
	if (s->json != NULL) {
		json_builder_begin_object(s->json);
		md_json_add_ticket(s->json, t, c);
		md_sla_view_json(s->view, s->json, t, sla, FALSE);
		json_builder_end_object(s->json);
	} else {
		g_autofree char *label = customer_label(c);
		g_autofree char *who = md_term_fit(label, 32);
		g_autofree char *subj = md_term_fit(t->subject, 40);
		g_autofree char *upd = short_time(t->updated_at);
		g_autofree char *when = due ? short_time(due) : g_strdup("-");
		g_autofree char *queue = md_term_pad(t->queue, 10);

		g_string_append_printf(s->text, "%6" G_GUINT64_FORMAT
		    "  %-8s  %s  %s  %-16s  %s  %4u  %s\n", t->number,
		    md_ticket_status_name(t->status), queue, upd, when, who,
		    t->message_count, subj);
	}
	return TRUE;
}

gboolean
md_cmd_ticket_list(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *status = NULL, *queue = NULL, *customer = NULL;
	g_autofree char *owner = NULL, *older = NULL, *within = NULL;
	gboolean json = FALSE, all = FALSE, overdue = FALSE;
	g_autoptr(GOptionContext) oc = g_option_context_new("- list tickets");
	GOptionEntry entries[] = {
		{ "status", 0, 0, G_OPTION_ARG_STRING, &status,
		  "only tickets in this status", "S" },
		{ "queue", 0, 0, G_OPTION_ARG_STRING, &queue,
		  "only tickets of this queue", "Q" },
		{ "customer", 0, 0, G_OPTION_ARG_STRING, &customer,
		  "only tickets of this customer", "ADDR" },
		{ "owner", 0, 0, G_OPTION_ARG_STRING, &owner,
		  "only tickets this agent owns (none: unowned)", "ADDR" },
		{ "older-than", 0, 0, G_OPTION_ARG_STRING, &older,
		  "only tickets untouched for more than DAYS days", "DAYS" },
		{ "all", 0, 0, G_OPTION_ARG_NONE, &all,
		  "closed tickets too", NULL },
		{ "overdue", 0, 0, G_OPTION_ARG_NONE, &overdue,
		  "only tickets past a service-level target", NULL },
		{ "due-within", 0, 0, G_OPTION_ARG_STRING, &within,
		  "only tickets due within HOURS hours, or overdue", "HOURS" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON output",
		  NULL },
		{ NULL }
	};
	g_autoptr(MdSlaView) view = md_sla_view_new(ctx->config);
	g_autoptr(GArray) only = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	guint64 hours = 0;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GPtrArray) matches = NULL;
	g_autoptr(JsonBuilder) b = NULL;
	g_autoptr(GString) text = g_string_new(NULL);
	ListState s = { 0 };
	MdTicketQuery q = { 0 };
	guint64 days = 0;
	MdStatus st;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !md_cmd_no_args(argc, argv, error))
		return FALSE;
	if (status != NULL && !md_ticket_status_from_name(status, &st)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "--status: \"%s\" is not new, open, pending, resolved "
		    "or closed", status);
		return FALSE;
	}
	if (older != NULL && !g_ascii_string_to_unsigned(older, 10, 0, 36500,
	    &days, NULL)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "--older-than: "
		    "\"%s\" is not a number of days from 0 to 36500", older);
		return FALSE;
	}
	if (within != NULL && !g_ascii_string_to_unsigned(within, 10, 0,
	    87600, &hours, NULL)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "--due-within: "
		    "\"%s\" is not a number of hours from 0 to 87600", within);
		return FALSE;
	}
	if (within != NULL && overdue) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "--overdue and "
		    "--due-within: give one of them");
		return FALSE;
	}
	if (customer != NULL && !md_customer_check_address(customer, error)) {
		g_prefix_error(error, "--customer: ");
		return FALSE;
	}
	if (owner != NULL && strcmp(owner, "none") != 0 &&
	    !md_customer_check_address(owner, error)) {
		g_prefix_error(error, "--owner: ");
		return FALSE;
	}
	if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error))
		return FALSE;
	s.txn = &txn;
	s.text = text;
	q.status = status;
	q.queue = queue;
	q.owner = owner;
	q.customer = customer;
	s.view = view;
	if (overdue)
		s.due_by = now;
	else if (within != NULL)
		s.due_by = now + (gint64)hours * 3600;
	/* Closed is done for good: shown when asked for. */
	q.hide_closed = status == NULL && !all;
	if (older != NULL)
		q.older_than = g_get_real_time() / G_USEC_PER_SEC -
		    (gint64)days * 86400;
	if (json) {
		b = json_builder_new();
		json_builder_begin_array(b);
		s.json = b;
	}
	/* The due index names the candidates: no scan of the store. */
	if (s.due_by != 0 && (only = md_sla_view_candidates(&txn,
	    s.due_by, error)) == NULL)
		return FALSE;
	q.only = only;
	matches = md_ticket_query(&txn, &q, error);
	if (matches == NULL)
		return FALSE;
	for (guint i = 0; i < matches->len && s.error == NULL; i++)
		print_one(g_ptr_array_index(matches, i), &s);
	if (s.error != NULL) {
		g_propagate_error(error, s.error);
		return FALSE;
	}
	if (json) {
		json_builder_end_array(b);
		md_json_print(b);
	} else {
		md_out("%6s  %-8s  %-10s  %-16s  %-16s  %-32s  %4s  %s\n",
		    "TICKET", "STATUS", "QUEUE", "UPDATED", "DUE", "CUSTOMER",
		    "MSGS", "SUBJECT");
		md_out_str(text->str);
	}
	return TRUE;
}

static gboolean
number_arg(int argc, char **argv, int index, const char *what,
    guint64 *out, GError **error)
{
	if (argc <= index) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "%s missing",
		    what);
		return FALSE;
	}
	return md_cmd_parse_number(argv[index], what, out, error);
}

static void
print_message(GString *out, guint32 seq, const MdMessage *m)
{
	g_autofree char *when = short_time(m->received_at);
	g_auto(GStrv) flags = md_message_flag_names(m->flags);
	g_autofree char *flagstr = g_strjoinv(",", flags);

	g_string_append_printf(out, "\n--- %u  %s %s  %s%s%s%s\n", seq,
	    m->direction == MD_DIR_OUT ? "out" : "in",
	    md_message_kind_name(m->kind), when,
	    flagstr[0] ? "  [" : "", flagstr, flagstr[0] ? "]" : "");
	if (m->from != NULL)
		g_string_append_printf(out, "From: %s%s<%s>\n",
		    m->from->name ? m->from->name : "",
		    m->from->name ? " " : "",
		    m->from->email ? m->from->email : "");
	for (guint i = 0; i < m->to->len; i++) {
		MdMailbox *mb = g_ptr_array_index(m->to, i);

		g_string_append_printf(out, "%s%s", i == 0 ? "To: " : ", ",
		    mb->email);
	}
	if (m->to->len > 0)
		g_string_append_c(out, '\n');
	if (m->subject != NULL)
		g_string_append_printf(out, "Subject: %s\n", m->subject);
	for (guint i = 0; i < m->attachments->len; i++) {
		MdAttachment *a = g_ptr_array_index(m->attachments, i);

		g_string_append_printf(out, "Attachment: %s (%s, %"
		    G_GUINT64_FORMAT " bytes)\n",
		    a->filename ? a->filename : "(unnamed)", a->content_type,
		    a->size);
	}
	g_string_append_c(out, '\n');
	if (m->text != NULL) {
		g_string_append(out, m->text);
		if (!g_str_has_suffix(m->text, "\n"))
			g_string_append_c(out, '\n');
	} else if (m->kind == MD_KIND_UNPARSED)
		g_string_append_printf(out, "(unparsed mail of %"
		    G_GUINT64_FORMAT " bytes; see ticket raw)\n", m->raw_size);
}

/*
 * Who else is in ticket @t (their addresses) and which tickets continue it:
 * the links a person reading the ticket needs and the record does not
 * hold.
 */
static gboolean
ticket_links(MdTxn *txn, const MdTicket *t, GPtrArray *participants,
    GArray **continued, GError **error)
{
	g_autoptr(GArray) ids = md_ticket_participants(txn, t, error);

	if (ids == NULL)
		return FALSE;
	for (guint i = 0; i < ids->len; i++) {
		g_autoptr(MdCustomer) p = md_customer_load(txn,
		    g_array_index(ids, guint64, i), error);
		g_autofree char *label = NULL;

		if (p == NULL)
			return FALSE;
		label = customer_label(p);
		g_ptr_array_add(participants, md_participants_has(t, p->id) ?
		    g_strconcat(label, " (in Cc)", NULL) :
		    g_steal_pointer(&label));
	}
	*continued = md_ticket_continued_in(txn, t->number, error);
	return *continued != NULL;
}

gboolean
md_cmd_ticket_show(MdContext *ctx, int argc, char **argv, GError **error)
{
	gboolean json = FALSE;
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "N - show a ticket");
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON output",
		  NULL },
		{ NULL }
	};
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(JsonBuilder) b = NULL;
	g_autoptr(GPtrArray) participants = g_ptr_array_new_with_free_func(
	    g_free);
	g_autoptr(GArray) continued = NULL;
	g_autoptr(MdSlaView) view = NULL;
	g_autoptr(MdSla) sla = NULL;
	MdSlaTarget target = MD_SLA_FIRST_RESPONSE;
	gint64 due = 0;
	g_autoptr(GPtrArray) people = NULL;
	guint64 number;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !number_arg(argc, argv, 1, "ticket number", &number, error))
		return FALSE;
	if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error))
		return FALSE;
	t = md_ticket_load(&txn, number, error);
	if (t == NULL)
		return FALSE;
	if (t->customer_id != 0) {
		c = md_customer_load(&txn, t->customer_id, error);
		if (c == NULL)
			return FALSE;
	}
	/* The JSON is the record (an export holds the same); the links
	 * name other people and are read for a person only. */
	if (!json && !ticket_links(&txn, t, participants, &continued, error))
		return FALSE;
	view = md_sla_view_new(ctx->config);
	if (!md_sla_view_load(view, &txn, t, &sla, &due, &target, error))
		return FALSE;
	if (json) {
		b = json_builder_new();
		json_builder_begin_object(b);
		md_json_add_ticket(b, t, c);
		md_sla_view_json(view, b, t, sla, TRUE);
		/* Who gets the answers in Cc: named in the customer's mail. */
		people = md_participants_load(&txn, t, error);
		if (people == NULL)
			return FALSE;
		md_json_add_participants(b, people);
		json_builder_set_member_name(b, "messages");
		json_builder_begin_array(b);
	} else {
		g_autofree char *label = customer_label(c);
		g_autofree char *created = short_time(t->created_at);

		g_string_append_printf(out, "Ticket %" G_GUINT64_FORMAT
		    ": %s\nStatus: %s   Queue: %s   Created: %s\n"
		    "Customer: %s\nOwner: %s\n", t->number, t->subject,
		    md_ticket_status_name(t->status), t->queue, created,
		    label, t->owner ? t->owner : "none");
		for (guint i = 0; i < participants->len; i++)
			g_string_append_printf(out, "Participant: %s\n",
			    (char *)g_ptr_array_index(participants, i));
		if (t->merged_into != 0)
			g_string_append_printf(out, "Merged into: ticket %"
			    G_GUINT64_FORMAT "\n", t->merged_into);
		if (t->linked_to != 0)
			g_string_append_printf(out, "Continues: ticket %"
			    G_GUINT64_FORMAT "\n", t->linked_to);
		for (guint i = 0; i < continued->len; i++)
			g_string_append_printf(out, "Continued in: ticket %"
			    G_GUINT64_FORMAT "\n", g_array_index(continued,
			    guint64, i));
		if (t->hold_until != 0) {
			g_autofree char *until = short_time(t->hold_until);

			g_string_append_printf(out, "Legal hold: until %s: "
			    "%s\n", until, t->hold_reason ? t->hold_reason :
			    "");
		}
		if (c != NULL && (c->flags & MD_CUSTOMER_RESTRICTED))
			g_string_append(out, "Customer restricted: no "
			    "automatic mail\n");
		if (t->cited != 0)
			g_string_append_printf(out, "Cited: ticket %"
			    G_GUINT64_FORMAT " (sender is not its customer)\n",
			    t->cited);
		if (due != 0) {
			g_autofree char *when = short_time(due);

			g_string_append_printf(out, "Due: %s (%s)\n", when,
			    md_sla_target_name(target));
		}
		md_sla_view_text(view, out, t, sla);
	}
	for (guint32 s = 1; s <= t->message_count; s++) {
		g_autoptr(MdMessage) m = md_ticket_load_message(&txn,
		    t->number, s, error);

		if (m == NULL)
			return FALSE;
		if (json)
			md_json_add_message(b, m);
		else
			print_message(out, s, m);
	}
	if (json) {
		json_builder_end_array(b);
		json_builder_end_object(b);
		md_json_print(b);
	} else
		md_out_str(out->str);
	return TRUE;
}

gboolean
md_cmd_ticket_raw(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GBytes) raw = NULL;
	guint64 number, index = 1;
	gsize len;
	const guint8 *data;

	if (!number_arg(argc, argv, 1, "ticket number", &number, error))
		return FALSE;
	if (argc > 2 && !md_cmd_parse_number(argv[2], "message index",
	    &index, error))
		return FALSE;
	if (index > G_MAXUINT32) {
		g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND,
		    "no message %" G_GUINT64_FORMAT, index);
		return FALSE;
	}
	if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error))
		return FALSE;
	raw = md_ticket_load_raw(&txn, number, (guint32)index, error);
	if (raw == NULL)
		return FALSE;
	data = g_bytes_get_data(raw, &len);
	/* The exact bytes are for a file or a pipe; a terminal gets them
	 * without the control characters a stranger may have put in. */
	if (isatty(STDOUT_FILENO)) {
		g_autofree char *clean = md_term_clean((const char *)data,
		    (gssize)len);

		md_out_str(clean);
		return TRUE;
	}
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, data, len);

		if (n <= 0) {
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "writing to standard output failed");
			return FALSE;
		}
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* ticket set N cc add|remove ADDR: who gets the answers in Cc. */
static gboolean
set_cc(MdContext *ctx, guint64 number, const char *verb, const char *address,
    gint64 now, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdTicket) t = NULL;
	MdMailbox mb = { NULL, (char *)address };
	const char *why = NULL;

	if (strcmp(verb, "add") != 0 && strcmp(verb, "remove") != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "cc \"%s\" is "
		    "not add or remove", verb);
		return FALSE;
	}
	if (!md_customer_check_address(address, error)) {
		g_prefix_error(error, "cc: ");
		return FALSE;
	}
	if (!md_store_begin(ctx->store, MD_TXN_WRITE, &txn, error))
		return FALSE;
	t = md_ticket_load(&txn, number, error);
	if (t == NULL)
		return FALSE;
	if (strcmp(verb, "add") == 0) {
		if (!md_participants_add(&txn, ctx->config, t, &mb, now, &why,
		    error))
			return FALSE;
		if (why != NULL) {
			g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "cc: %s "
			    "is not added: %s", address, why);
			return FALSE;
		}
	} else if (!md_participants_remove(&txn, t, address, error))
		return FALSE;
	t->updated_at = now;
	if (!md_ticket_save(&txn, t, error) || !md_store_commit(&txn, error))
		return FALSE;
	md_out("ticket %" G_GUINT64_FORMAT ": cc %s %s\n", number, verb,
	    address);
	return TRUE;
}

gboolean
md_cmd_ticket_set(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdTicket) t = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gint64 until = 0;
	guint64 number;
	MdStatus status;

	if (!number_arg(argc, argv, 1, "ticket number", &number, error))
		return FALSE;
	if (argc == 5 && strcmp(argv[2], "cc") == 0)
		return set_cc(ctx, number, argv[3], argv[4], now, error);
	if (argc != 4) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "usage: ticket "
		    "set N status open|pending|resolved|closed | owner "
		    "ADDR|none | queue NAME | pending|pending-close DATE | "
		    "cc add|remove ADDR");
		return FALSE;
	}
	if (!md_store_begin(ctx->store, MD_TXN_WRITE, &txn, error))
		return FALSE;
	t = md_ticket_load(&txn, number, error);
	if (t == NULL)
		return FALSE;
	if (strcmp(argv[2], "status") == 0) {
		if (!md_ticket_status_from_name(argv[3], &status) ||
		    status == MD_STATUS_NEW) {
			g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
			    "status \"%s\" is not open, pending, resolved "
			    "or closed", argv[3]);
			return FALSE;
		}
		md_ticket_set_status(t, status, now);
	} else if (strcmp(argv[2], "pending") == 0 ||
	    strcmp(argv[2], "pending-close") == 0) {
		g_autoptr(GTimeZone) tz = md_calendar_zone(ctx->config,
		    t->queue, error);

		if (tz == NULL)
			return FALSE;
		until = md_sla_parse_date(argv[3], tz, now);
		if (until <= now) {
			g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "%s: "
			    "\"%s\" is not a date to come (2026-12-24, "
			    "2026-12-24T14:00, 3d or 12h)", argv[2], argv[3]);
			return FALSE;
		}
		md_ticket_set_status(t, MD_STATUS_PENDING, now);
	} else if (strcmp(argv[2], "owner") == 0) {
		g_autoptr(MdAgent) agent = NULL;
		g_autoptr(GError) e = NULL;

		if (strcmp(argv[3], "none") != 0 &&
		    !md_customer_check_address(argv[3], error)) {
			g_prefix_error(error, "owner: ");
			return FALSE;
		}
		/* An owner answers for the ticket: one of our agents. */
		if (strcmp(argv[3], "none") != 0 && (agent = md_agent_find(
		    &txn, ctx->config, argv[3], &e)) == NULL) {
			if (e != NULL)
				g_propagate_error(error, g_steal_pointer(&e));
			else
				g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
				    "owner %s is no agent (see agent add)",
				    argv[3]);
			return FALSE;
		}
		g_free(t->owner);
		t->owner = strcmp(argv[3], "none") == 0 ? NULL :
		    g_ascii_strdown(argv[3], -1);
		t->updated_at = now;
	} else if (strcmp(argv[2], "queue") == 0) {
		if (!md_config_has_queue(ctx->config, argv[3])) {
			g_autofree char *known = md_config_queue_names(
			    ctx->config);

			g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "queue "
			    "\"%s\" is not a queue of the config (%s)",
			    argv[3], known);
			return FALSE;
		}
		g_free(t->queue);
		t->queue = g_strdup(argv[3]);
		t->updated_at = now;
	} else {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "\"%s\" is not status, owner, queue, pending or "
		    "pending-close",
		    argv[2]);
		return FALSE;
	}
	if (!md_sla_note(&txn, ctx->config, t, MD_SLA_EVENT_NONE, now,
	    error) || (until != 0 && !md_sla_set_pending(&txn, ctx->config,
	    t, until, strcmp(argv[2], "pending-close") == 0, now, error)) ||
	    !md_ticket_save(&txn, t, error) || !md_store_commit(&txn, error))
		return FALSE;
	md_out("ticket %" G_GUINT64_FORMAT ": %s %s\n", number, argv[2],
	    argv[3]);
	return TRUE;
}

/* The text of an answer: stdin, or $EDITOR when stdin is a terminal. */
static char *
answer_text(GError **error)
{
	g_autoptr(GString) s = g_string_new(NULL);
	char buf[8192];
	ssize_t n;

	if (isatty(STDIN_FILENO)) {
		const char *editor = g_getenv("VISUAL") ? g_getenv("VISUAL") :
		    g_getenv("EDITOR") ? g_getenv("EDITOR") : "vi";
		g_autofree char *path = NULL;
		g_autofree char *cmd = NULL;
		char *text = NULL;
		int fd = g_file_open_tmp("maildesk-XXXXXX.txt", &path, error);
		int status;

		if (fd < 0)
			return NULL;
		close(fd);
		cmd = g_strdup_printf("%s %s", editor, path);
		status = system(cmd);
		if (status != 0 || !g_file_get_contents(path, &text, NULL,
		    error)) {
			unlink(path);
			if (status != 0)
				g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
				    "the editor failed; nothing sent");
			return NULL;
		}
		unlink(path);
		return text;
	}
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		g_string_append_len(s, buf, n);
	return g_strdup(s->str);
}

/* USAGE unless the site has text module @name for ticket @t. */
static gboolean
module_exists(const MdConfig *config, const MdTicket *t, const char *name,
    GError **error)
{
	const MdQueue *q = md_config_queue(config, t->queue);
	g_autoptr(GHashTable) vars = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GError) e = NULL;
	g_autofree char *text = md_textmodule_render(config, name,
	    q ? q->language : NULL, vars, &e);

	if (text != NULL)
		return TRUE;
	g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "--template: %s",
	    e->message);
	return FALSE;
}

gboolean
md_cmd_ticket_merge(MdContext *ctx, int argc, char **argv, GError **error)
{
	gboolean force = FALSE;
	GOptionEntry entries[] = {
		{ "force", 0, 0, G_OPTION_ARG_NONE, &force,
		  "merge tickets of different customers", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "FROM INTO - move ticket FROM into ticket INTO");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdTicket) from = NULL, into = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	guint64 a, b;
	guint32 moved;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !number_arg(argc, argv, 1, "ticket number FROM", &a, error) ||
	    !number_arg(argc, argv, 2, "ticket number INTO", &b, error))
		return FALSE;
	if (argc != 3) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "usage: ticket merge FROM INTO [--force]");
		return FALSE;
	}
	if (!md_store_begin(ctx->store, MD_TXN_WRITE, &txn, error))
		return FALSE;
	from = md_ticket_load(&txn, a, error);
	if (from == NULL)
		return FALSE;
	into = md_ticket_load(&txn, b, error);
	if (into == NULL)
		return FALSE;
	moved = from->message_count;
	if (!md_merge(&txn, from, into, force, now, error) ||
	    !md_store_commit(&txn, error))
		return FALSE;
	md_out("ticket %" G_GUINT64_FORMAT ": merged into ticket %"
	    G_GUINT64_FORMAT " (%u messages moved)\n", a, b, moved);
	return TRUE;
}

/* ticket reply and note: an agent's mail made on the command line. */
static gboolean
agent_says(MdContext *ctx, int argc, char **argv, gboolean note,
    GError **error)
{
	g_autofree char *from = NULL, *text = NULL, *body = NULL;
	g_autofree char *subject = NULL, *module = NULL;
	GOptionEntry entries[] = {
		{ "from", 0, 0, G_OPTION_ARG_STRING, &from,
		  "the agent (default: the owner, or $MAILDESK_AGENT)",
		  "AGENT" },
		{ "template", 0, 0, G_OPTION_ARG_STRING, &module,
		  "insert text module NAME above the text", "NAME" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(note ?
	    "N - add an internal note" : "N - answer the customer");
	g_autoptr(MdTicket) t = NULL;
	MdComposeSpec spec = { 0 };
	MdDeliverOptions opts = { 0 };
	MdDeliverResult r = { 0 };
	const char *to;
	guint64 number;
	gboolean ok;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !number_arg(argc, argv, 1, "ticket number", &number, error))
		return FALSE;
	{
		g_auto(MdTxn) txn = MD_TXN_INIT;

		if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error))
			return FALSE;
		t = md_ticket_load(&txn, number, error);
		if (t == NULL)
			return FALSE;
	}
	if (from == NULL)
		from = g_strdup(g_getenv("MAILDESK_AGENT") ?
		    g_getenv("MAILDESK_AGENT") : t->owner);
	if (from == NULL || strchr(from, '@') == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "who writes? give --from AGENT");
		return FALSE;
	}
	{
		g_auto(MdTxn) txn = MD_TXN_INIT;
		g_autoptr(MdAgent) agent = NULL;
		g_autoptr(GError) e = NULL;

		if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error))
			return FALSE;
		agent = md_agent_find(&txn, ctx->config, from, &e);
		if (agent == NULL) {
			if (e != NULL)
				g_propagate_error(error, g_steal_pointer(&e));
			else
				g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
				    "%s is no agent (see agent add)", from);
			return FALSE;
		}
	}
	if (module != NULL && !note && !module_exists(ctx->config, t,
	    module, error))
		return FALSE;
	/* With a text module, the text of one's own is optional. */
	text = module != NULL && !note && isatty(STDIN_FILENO) ?
	    g_strdup("") : answer_text(error);
	if (text == NULL)
		return FALSE;
	if (strspn(text, " \t\r\n") == strlen(text) &&
	    (module == NULL || note)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "empty text; nothing sent");
		return FALSE;
	}
	body = note ? g_strconcat("#note\n", text, NULL) : module != NULL ?
	    g_strconcat("#template ", module, "\n\n", text, NULL) :
	    g_strdup(text);
	to = md_config_address_of(ctx->config, t->queue);
	if (to == NULL)
		to = "maildesk@localhost";
	subject = g_strdup_printf("[%s%" G_GUINT64_FORMAT "] %s",
	    ctx->config->tag, number, t->subject);
	spec.from_address = from;
	spec.to_address = to;
	spec.subject = subject;
	spec.text = body;
	opts.recipient = to;
	opts.agent = from;
	opts.ticket = number;
	ok = md_cmd_deliver_composed(ctx, &spec, "cli", &opts, &r, error);
	/* A merged ticket's answer is stored where it lives now. */
	if (ok)
		md_out("ticket %" G_GUINT64_FORMAT ": %s stored%s\n",
		    r.ticket ? r.ticket : number, note ? "note" : "answer", r.outbox_ids->len ?
		    ", mail queued" : "");
	md_deliver_result_clear(&r);
	return ok;
}

gboolean
md_cmd_ticket_reply(MdContext *ctx, int argc, char **argv, GError **error)
{
	return agent_says(ctx, argc, argv, FALSE, error);
}

gboolean
md_cmd_ticket_note(MdContext *ctx, int argc, char **argv, GError **error)
{
	return agent_says(ctx, argc, argv, TRUE, error);
}
