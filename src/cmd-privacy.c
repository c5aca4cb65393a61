/* SPDX-License-Identifier: MIT */
/*
 * The data-protection officer's commands: customer list|set|export|
 * restrict|hold|erase, expire, compact, audit.  Every one that touches a
 * person's data writes an audit entry in the same transaction.
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
	GError *error;
} ListScan;

static gboolean
list_one(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	ListScan *l = user_data;
	g_autoptr(MdCustomer) c = md_record_to_customer(data->mv_data,
	    data->mv_size, &l->error);
	g_autoptr(GArray) tickets = NULL;

	if (c == NULL)
		return FALSE;
	tickets = md_customer_tickets(l->txn, c->id, &l->error);
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
	ListScan l = { NULL, &txn, NULL };

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !md_store_begin(ctx->store, MD_TXN_READ, &txn, error))
		return FALSE;
	if (json) {
		b = json_builder_new();
		json_builder_begin_array(b);
		l.b = b;
	}
	if (!md_store_foreach(&txn, MD_DB_CUSTOMERS, NULL, 0, list_one, &l,
	    error))
		return FALSE;
	if (l.error != NULL) {
		g_propagate_error(error, l.error);
		return FALSE;
	}
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

static GArray *
tickets_of(MdTxn *txn, const MdCustomer *c)
{
	GArray *t = md_customer_tickets(txn, c->id, NULL);

	return t ? t : g_array_new(FALSE, FALSE, sizeof(guint64));
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
	if (strcmp(field, "first_name") == 0 ||
	    strcmp(field, "last_name") == 0) {
		char **slot = field[0] == 'f' ? &c->first_name : &c->last_name;

		g_free(*slot);
		*slot = value[0] ? g_strdup(value) : NULL;
		/* A hand-set name is final: mail never overwrites it. */
		c->flags |= MD_CUSTOMER_NAME_MANUAL;
	} else if (strcmp(field, "email") == 0) {
		g_autofree char *old = md_customer_address_key(c->email);
		g_autoptr(MdCustomer) other = NULL;
		g_autoptr(GError) e = NULL;

		other = md_customer_find_by_email(&txn, value, &e);
		if (other != NULL && other->id != c->id) {
			g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
			    "another customer has the address %s", value);
			return FALSE;
		}
		if (!md_store_del(&txn, MD_DB_CUSTOMER_EMAIL, old, strlen(old),
		    NULL, 0, error))
			return FALSE;
		/* Kept so that an erasure still finds mail from it. */
		g_ptr_array_add(c->former, c->email);
		c->email = g_strdup(value);
	} else if (value[0] == '\0')
		g_hash_table_remove(c->fields, field);
	else
		g_hash_table_replace(c->fields, g_strdup(field),
		    g_strdup(value));
	tickets = tickets_of(&txn, c);
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
	tickets = tickets_of(&txn, c);
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
		tickets = tickets_of(&txn, c);
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
	tickets = tickets_of(&txn, c);
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

static void
print_report(const MdEraseReport *r, gboolean dry_run)
{
	g_autoptr(GString) nums = g_string_new(NULL);

	for (guint i = 0; i < r->tickets->len; i++)
		g_string_append_printf(nums, " %" G_GUINT64_FORMAT,
		    g_array_index(r->tickets, guint64, i));
	md_out("%s: %u tickets (%s), %u messages, %u of their messages in "
	    "other tickets, %u index entries, %u outbox entries, %u rate "
	    "counters, %u customer profiles\n", dry_run ? "would remove" :
	    "removed", r->tickets->len, nums->len ? nums->str + 1 : "none",
	    r->messages, r->participant_messages, r->index_entries,
	    r->outbox_entries, r->counters, r->customers);
	for (guint i = 0; i < r->kept->len; i++)
		md_out("kept for a legal hold: %s\n",
		    (char *)g_ptr_array_index(r->kept, i));
}

/*
 * After an erase, expire or replay: out of the search index at once, then
 * (unless @no_compact) the compacting copies of the index and the store,
 * which take the removed bytes out of the files.
 */
gboolean
md_cmd_compact_after(MdContext *ctx, gboolean no_compact, GError **error)
{
	if (no_compact) {
		if (!md_search_catch_up(ctx->store, ctx->config, NULL, error)) {
			g_prefix_error(error, "removed, but still in the "
			    "search index (run maildesk compact): ");
			return FALSE;
		}
		md_out("not compacted: the removed bytes stay in the store "
		    "and search index files until `maildesk compact` runs\n");
		return TRUE;
	}
	if (!md_search_compact(ctx->store, ctx->config, error) ||
	    !md_store_compact(ctx->store, error)) {
		g_prefix_error(error, "removed, but not yet compacted (run "
		    "maildesk compact): ");
		return FALSE;
	}
	md_out("compacted: the removed bytes are gone from the store and "
	    "search index files\n");
	return TRUE;
}

/*
 * An earlier erase or expire was stopped between its commit and the end of
 * its compaction: compact now.  Says what it did; FALSE when it failed.
 */
static gboolean
pay_owed(MdContext *ctx, gboolean no_compact)
{
	g_autoptr(GError) e = NULL;
	gboolean owed;

	if (no_compact || !md_store_compaction_owed(ctx->store, &owed, &e) ||
	    !owed)
		return e == NULL;
	md_out("an earlier erasure was not compacted; compacting now\n");
	if (!md_cmd_compact_after(ctx, FALSE, &e)) {
		md_warn("%s", e->message);
		return FALSE;
	}
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
			pay_owed(ctx, no_compact);
		return FALSE;
	}
	md_erase_report_init(&r);
	ok = md_privacy_erase(&txn, c, now_s(), &r, error) &&
	    (dry_run || md_privacy_audit(&txn, "erase", c->email, r.tickets,
	    NULL, now_s(), error));
	if (ok)
		print_report(&r, dry_run);
	md_erase_report_clear(&r);
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
md_cmd_expire(MdContext *ctx, int argc, char **argv, GError **error)
{
	gboolean dry_run = FALSE, no_compact = FALSE;
	GOptionEntry entries[] = {
		{ "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run,
		  "say what would be removed", NULL },
		{ "no-compact", 0, 0, G_OPTION_ARG_NONE, &no_compact,
		  "skip the compacting copy", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "- delete what is no longer needed (Art. 5(1)(e))");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	MdEraseReport r;
	gboolean ok, any;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !md_store_begin(ctx->store, MD_TXN_WRITE, &txn, error))
		return FALSE;
	md_erase_report_init(&r);
	ok = md_privacy_expire(&txn, ctx->config, now_s(), &r, error);
	any = r.tickets->len > 0 || r.customers > 0;
	if (ok && any && !dry_run)
		ok = md_privacy_audit(&txn, "expire", NULL, r.tickets, NULL,
		    now_s(), error);
	if (ok)
		print_report(&r, dry_run);
	if (ok && !dry_run)
		md_info("expire tickets=%u messages=%u customers=%u kept=%u",
		    r.tickets->len, r.messages, r.customers, r.kept->len);
	md_erase_report_clear(&r);
	if (!ok)
		return FALSE;
	if (dry_run)
		return TRUE;
	if (!any) {
		md_txn_clear(&txn);
		(void)pay_owed(ctx, no_compact);
		return TRUE;
	}
	if (!md_store_owe_compaction(&txn, error) ||
	    !md_store_commit(&txn, error))
		return FALSE;
	md_cmd_copy_ledger(ctx);
	return md_cmd_compact_after(ctx, no_compact, error);
}

gboolean
md_cmd_compact(MdContext *ctx, int argc, char **argv, GError **error)
{
	return md_cmd_compact_after(ctx, FALSE, error);
}

typedef struct {
	JsonBuilder *b;
	const char *subject;	/* nullable: only entries about this hash */
} AuditList;

static gboolean
audit_one(const MdAuditEntry *e, gpointer user_data)
{
	AuditList *a = user_data;
	g_autofree char *when = md_json_time(e->time, 0);
	g_autoptr(GString) nums = g_string_new(NULL);

	if (a->subject != NULL && g_strcmp0(a->subject, e->subject) != 0)
		return TRUE;
	for (guint i = 0; i < e->tickets->len; i++)
		g_string_append_printf(nums, "%s%" G_GUINT64_FORMAT,
		    nums->len ? "," : "", g_array_index(e->tickets, guint64,
		    i));
	if (a->b == NULL) {
		md_out("%s  %-14s  %-12s  %s  tickets=%s%s%s\n", when,
		    e->action, e->actor, e->subject ? e->subject : "-",
		    nums->len ? nums->str : "-", e->detail ? "  " : "",
		    e->detail ? e->detail : "");
		return TRUE;
	}
	json_builder_begin_object(a->b);
	json_builder_set_member_name(a->b, "time");
	json_builder_add_string_value(a->b, when);
	json_builder_set_member_name(a->b, "actor");
	json_builder_add_string_value(a->b, e->actor);
	json_builder_set_member_name(a->b, "action");
	json_builder_add_string_value(a->b, e->action);
	json_builder_set_member_name(a->b, "subject");
	if (e->subject)
		json_builder_add_string_value(a->b, e->subject);
	else
		json_builder_add_null_value(a->b);
	json_builder_set_member_name(a->b, "tickets");
	json_builder_begin_array(a->b);
	for (guint i = 0; i < e->tickets->len; i++)
		json_builder_add_int_value(a->b,
		    (gint64)g_array_index(e->tickets, guint64, i));
	json_builder_end_array(a->b);
	json_builder_set_member_name(a->b, "detail");
	if (e->detail)
		json_builder_add_string_value(a->b, e->detail);
	else
		json_builder_add_null_value(a->b);
	json_builder_end_object(a->b);
	return TRUE;
}

gboolean
md_cmd_audit(MdContext *ctx, int argc, char **argv, GError **error)
{
	gboolean json = FALSE;
	g_autofree char *address = NULL, *hash = NULL;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON output", NULL },
		{ "address", 0, 0, G_OPTION_ARG_STRING, &address,
		  "only entries about this address (also after its erasure)",
		  "ADDR" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "- the audit trail (Art. 5(2))");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(JsonBuilder) b = NULL;
	AuditList a = { NULL, NULL };

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (address != NULL && !md_customer_check_address(address, error)) {
		g_prefix_error(error, "--address: ");
		return FALSE;
	}
	if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error))
		return FALSE;
	if (address != NULL) {
		g_autoptr(GBytes) secret = md_store_secret(&txn, error);

		if (secret == NULL)
			return FALSE;
		hash = md_privacy_subject_hash(secret, address);
		a.subject = hash;
	}
	if (json) {
		b = json_builder_new();
		json_builder_begin_array(b);
		a.b = b;
	}
	if (!md_privacy_audit_foreach(&txn, audit_one, &a, error))
		return FALSE;
	if (json) {
		json_builder_end_array(b);
		md_json_print(b);
	}
	return TRUE;
}
