/* SPDX-License-Identifier: MIT */
/*
 * expire, compact, audit: storage limitation, the compacting copy that
 * makes an erasure physical, and the audit log; with what erase shares
 * (the report of what was removed, the compaction after it).
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

void
md_cmd_print_erase_report(const MdEraseReport *r, gboolean dry_run)
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
gboolean
md_cmd_pay_owed_compaction(MdContext *ctx, gboolean no_compact)
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
	md_privacy_report_init(&r);
	ok = md_privacy_expire(&txn, ctx->config, now_s(), &r, error);
	any = r.tickets->len > 0 || r.customers > 0;
	if (ok && any && !dry_run)
		ok = md_privacy_audit(&txn, "expire", NULL, r.tickets, NULL,
		    now_s(), error);
	if (ok)
		md_cmd_print_erase_report(&r, dry_run);
	if (ok && !dry_run)
		md_info("expire tickets=%u messages=%u customers=%u kept=%u",
		    r.tickets->len, r.messages, r.customers, r.kept->len);
	md_privacy_report_clear(&r);
	if (!ok)
		return FALSE;
	if (dry_run)
		return TRUE;
	if (!any) {
		md_txn_clear(&txn);
		(void)md_cmd_pay_owed_compaction(ctx, no_compact);
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
	md_json_add_string(a->b, "time", when);
	md_json_add_string(a->b, "actor", e->actor);
	md_json_add_string(a->b, "action", e->action);
	md_json_add_string(a->b, "subject", e->subject);
	json_builder_set_member_name(a->b, "tickets");
	json_builder_begin_array(a->b);
	for (guint i = 0; i < e->tickets->len; i++)
		json_builder_add_int_value(a->b,
		    (gint64)g_array_index(e->tickets, guint64, i));
	json_builder_end_array(a->b);
	md_json_add_string(a->b, "detail", e->detail);
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
