/* SPDX-License-Identifier: MIT */
/*
 * customer list|show|set|restrict|hold|export|erase: a person's profile
 * and the data-protection officer's duties towards them.  Every one that
 * touches a person's data writes an audit entry in the same transaction.
 */
#include <stdio.h>
#include <string.h>

#include "maildesk/term.h"
#include "maildesk/cmd.h"
#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/export.h"
#include "maildesk/json-out.h"
#include "maildesk/language.h"
#include "maildesk/log.h"
#include "maildesk/privacy.h"
#include "maildesk/search.h"
#include "maildesk/search-queue.h"
#include "maildesk/record.h"
#include "maildesk/ticket.h"

static gint64
now_s(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

static gboolean
need_args(int argc, int want, const char *usage, GError **error)
{
	if (argc != want) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "usage: %s",
		    usage);
		return FALSE;
	}
	return TRUE;
}

typedef struct {
	JsonBuilder *b;
	MdTxn *txn;
} ListScan;

/* One line, or one JSON object, for customer @c. */
static gboolean
list_one(MdCustomer *c, gpointer data, GError **error)
{
	ListScan *l = data;
	g_autoptr(GArray) tickets = md_customer_tickets(l->txn, c->id, error);

	if (tickets == NULL)
		return FALSE;
	if (l->b != NULL)
		md_json_add_customer(l->b, c, tickets);
	else {
		/* Columns by what a terminal shows, not by bytes: "Jürgen"
		 * is six columns and seven bytes. */
		g_autofree char *email = md_term_pad(c->email, 36);
		g_autofree char *first = md_term_fit(c->first_name ?
		    c->first_name : "-", 16);
		g_autofree char *last = md_term_fit(c->last_name ?
		    c->last_name : "-", 16);

		md_out("%s  %s  %s  %4u%s%s\n", email, first, last,
		    tickets->len, c->flags & MD_CUSTOMER_RESTRICTED ?
		    "  restricted" : "", c->hold_until > now_s() ?
		    "  held" : "");
	}
	return TRUE;
}

gboolean
md_cmd_customer_list(MdContext *ctx, int argc, char **argv, GError **error)
{
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON output", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("- list customers");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(JsonBuilder) b = NULL;
	ListScan l = { .txn = &txn };

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !md_store_begin(ctx->store, MD_TXN_READ, &txn, error))
		return FALSE;
	if (json) {
		b = json_builder_new();
		json_builder_begin_array(b);
		l.b = b;
	}
	if (!md_customer_foreach(&txn, list_one, &l, error))
		return FALSE;
	if (json) {
		json_builder_end_array(b);
		md_json_print(b);
	}
	return TRUE;
}

/*
 * Opens a write transaction and finds the customer: the common start.
 * An address that cannot be one is refused before the store is touched.
 */
static MdCustomer *
begin_with_customer(MdContext *ctx, MdTxn *txn, const char *address,
    GError **error)
{
	if (!md_customer_check_address(address, error) ||
	    !md_store_begin(ctx->store, MD_TXN_WRITE, txn, error))
		return NULL;
	return md_customer_find_by_email(txn, address, error);
}

gboolean
md_cmd_customer_set(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GArray) tickets = NULL;
	const char *field, *value;
	g_autofree char *detail = NULL;

	if (!need_args(argc, 4, "customer set ADDR FIELD VALUE", error))
		return FALSE;
	field = argv[2];
	value = argv[3];
	if (!md_customer_check_field(field, value, error))
		return FALSE;
	/* One spelling of each language: the code we answer in. */
	if (strcmp(field, "language") == 0 && value[0] != '\0')
		value = md_language_find(value);
	c = begin_with_customer(ctx, &txn, argv[1], error);
	if (c == NULL)
		return FALSE;
	if (!md_customer_set_field(&txn, c, field, value, error))
		return FALSE;
	tickets = md_customer_tickets(&txn, c->id, error);
	if (tickets == NULL)
		return FALSE;
	/* The audit names the field, never the value. */
	detail = g_strdup_printf("field %s", field);
	/* Names and addresses are in the search documents of their tickets. */
	if (!md_customer_save(&txn, c, error) ||
	    !md_search_queue_mark_customer(&txn, c->id, error) ||
	    !md_privacy_audit(&txn, "correct", c->email, tickets, detail,
	    now_s(), error) ||
	    !md_store_commit(&txn, error))
		return FALSE;
	md_out("customer %s: %s set\n", c->email, field);
	return TRUE;
}

gboolean
md_cmd_customer_restrict(MdContext *ctx, int argc, char **argv,
    GError **error)
{
	gboolean lift = FALSE;
	GOptionEntry entries[] = {
		{ "lift", 0, 0, G_OPTION_ARG_NONE, &lift,
		  "end the restriction", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "ADDR - restrict processing (Art. 18, 21)");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GArray) tickets = NULL;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !need_args(argc, 2, "customer restrict ADDR [--lift]", error))
		return FALSE;
	c = begin_with_customer(ctx, &txn, argv[1], error);
	if (c == NULL)
		return FALSE;
	if (lift)
		c->flags &= ~MD_CUSTOMER_RESTRICTED;
	else
		c->flags |= MD_CUSTOMER_RESTRICTED;
	tickets = md_customer_tickets(&txn, c->id, error);
	if (tickets == NULL)
		return FALSE;
	/* Their tickets are found only with --include-restricted now. */
	if (!md_customer_save(&txn, c, error) ||
	    !md_search_queue_mark_customer(&txn, c->id, error) ||
	    !md_privacy_audit(&txn, lift ? "restrict-lift" : "restrict",
	    c->email, tickets, NULL, now_s(), error) ||
	    !md_store_commit(&txn, error))
		return FALSE;
	md_out("customer %s: %s\n", c->email, lift ? "restriction lifted" :
	    "restricted: no automatic mail, new mail flagged");
	return TRUE;
}

/* A date (YYYY-MM-DD: its end, local time) or an ISO 8601 time. */
static gboolean
parse_date(const char *s, gint64 *out, GError **error)
{
	g_autoptr(GDateTime) dt = NULL;
	int y, m, d;
	char rest;

	if (sscanf(s, "%d-%d-%d%c", &y, &m, &d, &rest) == 3)
		dt = g_date_time_new_local(y, m, d, 23, 59, 59);
	else
		dt = g_date_time_new_from_iso8601(s, NULL);
	if (dt == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "--until: \"%s\" is not a date (YYYY-MM-DD)", s);
		return FALSE;
	}
	*out = g_date_time_to_unix(dt);
	return TRUE;
}

gboolean
md_cmd_customer_hold(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *until = NULL, *reason = NULL, *number = NULL;
	gint64 until_s = 0;
	guint64 ticket = 0;
	gboolean lift = FALSE;
	GOptionEntry entries[] = {
		{ "ticket", 0, 0, G_OPTION_ARG_STRING, &number,
		  "hold this ticket instead of a customer", "N" },
		{ "until", 0, 0, G_OPTION_ARG_STRING, &until,
		  "the end of the retention duty", "DATE" },
		{ "reason", 0, 0, G_OPTION_ARG_STRING, &reason,
		  "why (the law or the case)", "TEXT" },
		{ "lift", 0, 0, G_OPTION_ARG_NONE, &lift, "end the hold",
		  NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "ADDR|--ticket N - a legal hold");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GArray) tickets = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_autofree char *detail = NULL;
	const char *address = NULL;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if ((number == NULL) != (argc == 2) || (!lift && (until == NULL ||
	    reason == NULL || reason[0] == '\0'))) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "usage: customer "
		    "hold ADDR|--ticket N --until DATE --reason TEXT | --lift");
		return FALSE;
	}
	if ((number != NULL && !md_cmd_parse_number(number, "--ticket",
	    &ticket, error)) || (number == NULL &&
	    !md_customer_check_address(argv[1], error)))
		return FALSE;
	if (!lift && !parse_date(until, &until_s, error))
		return FALSE;
	/* A duty that has ended protects nothing: a typo in the year. */
	if (!lift && until_s <= now_s()) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "--until: %s is in the past", until);
		return FALSE;
	}
	if (!md_store_begin(ctx->store, MD_TXN_WRITE, &txn, error))
		return FALSE;
	if (ticket != 0) {
		g_autoptr(MdTicket) t = md_ticket_load(&txn, ticket, error);

		if (t == NULL)
			return FALSE;
		t->hold_until = lift ? 0 : until_s;
		g_free(t->hold_reason);
		t->hold_reason = lift ? NULL : g_strdup(reason);
		g_array_append_val(tickets, t->number);
		if (!md_ticket_save(&txn, t, error))
			return FALSE;
	} else {
		g_autoptr(MdCustomer) c = md_customer_find_by_email(&txn,
		    argv[1], error);

		if (c == NULL)
			return FALSE;
		c->hold_until = lift ? 0 : until_s;
		g_free(c->hold_reason);
		c->hold_reason = lift ? NULL : g_strdup(reason);
		g_array_unref(tickets);
		tickets = md_customer_tickets(&txn, c->id, error);
		if (tickets == NULL)
			return FALSE;
		address = argv[1];
		if (!md_customer_save(&txn, c, error))
			return FALSE;
	}
	detail = lift ? NULL : g_strdup_printf("until %s", until);
	if (!md_privacy_audit(&txn, lift ? "hold-lift" : "hold", address,
	    tickets, detail, now_s(), error) ||
	    !md_store_commit(&txn, error))
		return FALSE;
	if (ticket != 0)
		md_out("ticket %" G_GUINT64_FORMAT ": %s\n", ticket,
		    lift ? "hold lifted" : "on hold");
	else
		md_out("customer %s: %s\n", argv[1], lift ? "hold lifted" :
		    "on hold");
	return TRUE;
}

gboolean
md_cmd_customer_export(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *dir = NULL;
	GOptionEntry entries[] = {
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &dir,
		  "directory to write (default: maildesk-export-<address>)",
		  "DIR" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "ADDR - everything stored about a person (Art. 15, 20)");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GArray) tickets = NULL;
	gint64 now = now_s();

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !need_args(argc, 2, "customer export ADDR [-o DIR]", error))
		return FALSE;
	c = begin_with_customer(ctx, &txn, argv[1], error);
	if (c == NULL)
		return FALSE;
	if (dir == NULL)
		dir = g_strdup_printf("maildesk-export-%s", c->email);
	tickets = md_customer_tickets(&txn, c->id, error);
	if (tickets == NULL)
		return FALSE;
	/* The export is audited in the transaction that reads it. */
	if (!md_privacy_audit(&txn, "export", c->email, tickets, NULL, now,
	    error) ||
	    !md_export_customer(&txn, ctx->config, c, dir, now, error) ||
	    !md_store_commit(&txn, error))
		return FALSE;
	md_out("exported %s: %u tickets to %s/\n", c->email, tickets->len,
	    dir);
	return TRUE;
}

gboolean
md_cmd_customer_erase(MdContext *ctx, int argc, char **argv, GError **error)
{
	gboolean dry_run = FALSE, yes = FALSE, no_compact = FALSE;
	GOptionEntry entries[] = {
		{ "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run,
		  "say what would be removed", NULL },
		{ "yes", 0, 0, G_OPTION_ARG_NONE, &yes, "really erase", NULL },
		{ "no-compact", 0, 0, G_OPTION_ARG_NONE, &no_compact,
		  "skip the compacting copy", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "ADDR - erase a person (Art. 17)");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdCustomer) c = NULL;
	MdEraseReport r;
	gboolean ok;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !need_args(argc, 2, "customer erase ADDR [--dry-run] [--yes] "
	    "[--no-compact]", error))
		return FALSE;
	if (!dry_run && !yes) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "erase removes "
		    "everything about %s for good: see --dry-run, then add "
		    "--yes", argv[1]);
		return FALSE;
	}
	c = begin_with_customer(ctx, &txn, argv[1], error);
	if (c == NULL) {
		/* Erased before, but killed before the compaction: do it. */
		md_txn_clear(&txn);
		if (!dry_run && error != NULL && g_error_matches(*error,
		    MD_ERROR, MD_ERROR_NOT_FOUND))
			md_cmd_pay_owed_compaction(ctx, no_compact);
		return FALSE;
	}
	md_privacy_report_init(&r);
	ok = md_privacy_erase(&txn, c, now_s(), &r, error) &&
	    (dry_run || md_privacy_audit(&txn, "erase", c->email, r.tickets,
	    NULL, now_s(), error));
	if (ok)
		md_cmd_print_erase_report(&r, dry_run);
	md_privacy_report_clear(&r);
	if (!ok)
		return FALSE;
	if (dry_run)
		return TRUE;	/* the transaction is aborted */
	if (!md_store_owe_compaction(&txn, error) ||
	    !md_store_commit(&txn, error))
		return FALSE;
	md_cmd_copy_ledger(ctx);
	return md_cmd_compact_after(ctx, no_compact, error);
}

gboolean
md_cmd_customer_show(MdContext *ctx, int argc, char **argv, GError **error)
{
	gboolean json = FALSE;
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "ADDR - show a customer");
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON output",
		  NULL },
		{ NULL }
	};
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GArray) tickets = NULL;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (argc != 2) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "usage: customer show ADDR [--json]");
		return FALSE;
	}
	if (!md_customer_check_address(argv[1], error) ||
	    !md_store_begin(ctx->store, MD_TXN_READ, &txn, error))
		return FALSE;
	c = md_customer_find_by_email(&txn, argv[1], error);
	if (c == NULL)
		return FALSE;
	tickets = md_customer_tickets(&txn, c->id, error);
	if (tickets == NULL)
		return FALSE;
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();

		md_json_add_customer(b, c, tickets);
		md_json_print(b);
		return TRUE;
	}
	md_out("Email:      %s\n", c->email);
	md_out("First name: %s\n", c->first_name ? c->first_name : "-");
	md_out("Last name:  %s\n", c->last_name ? c->last_name : "-");
	{
		g_autofree char *created = md_json_time(c->created_at, 0);
		GHashTableIter it;
		gpointer k, v;

		md_out("Created:    %s\n", created);
		g_hash_table_iter_init(&it, c->fields);
		while (g_hash_table_iter_next(&it, &k, &v))
			md_out("%-11s %s\n", (char *)k, (char *)v);
	}
	if (c->flags & MD_CUSTOMER_RESTRICTED)
		md_out("Restricted: yes (no automatic mail)\n");
	if (c->flags & MD_CUSTOMER_BOUNCING)
		md_out("Bouncing:   yes\n");
	if (c->hold_until != 0) {
		g_autofree char *until = md_json_time(c->hold_until, 0);

		md_out("Legal hold: until %s: %s\n", until,
		    c->hold_reason ? c->hold_reason : "");
	}
	for (guint i = 0; i < c->former->len; i++)
		md_out("Formerly:   %s\n", (char *)g_ptr_array_index(c->former,
		    i));
	md_out("Tickets:   ");
	for (guint i = 0; i < tickets->len; i++)
		md_out(" %" G_GUINT64_FORMAT, g_array_index(tickets, guint64,
		    i));
	md_out("\n");
	return TRUE;
}
