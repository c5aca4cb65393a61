/* SPDX-License-Identifier: MIT */
/*
 * search and reindex: the full-text index for people and scripts.  A
 * search that may show restricted customers' tickets is audited.
 */
#include <string.h>

#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/json-out.h"
#include "maildesk/privacy.h"
#include "maildesk/search.h"
#include "maildesk/term.h"

#define DEFAULT_LIMIT 20

static void
add_json(JsonBuilder *b, const MdSearchResult *r)
{
	g_autofree char *date = md_json_time(r->date, r->date_offset_s);

	json_builder_begin_object(b);
	md_json_add_int(b, "ticket", (gint64)r->ticket);
	md_json_add_int(b, "message", r->seq);
	json_builder_set_member_name(b, "score");
	json_builder_add_double_value(b, r->score);
	md_json_add_string(b, "status", r->status);
	md_json_add_string(b, "queue", r->queue);
	md_json_add_string(b, "subject", r->subject);
	json_builder_set_member_name(b, "customer");
	if (r->customer != NULL) {
		json_builder_begin_object(b);
		md_json_add_string(b, "email", r->customer);
		md_json_add_string(b, "name", r->customer_name);
		json_builder_end_object(b);
	} else
		json_builder_add_null_value(b);
	md_json_add_string(b, "date", date);
	md_json_add_string(b, "snippet", r->snippet);
	md_json_add_bool(b, "restricted", r->restricted);
	json_builder_end_object(b);
}

static void
print_text(const MdSearchResult *r)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(r->date +
	    r->date_offset_s);
	g_autofree char *day = dt ? g_date_time_format(dt, "%Y-%m-%d") :
	    g_strdup("-");
	g_autofree char *who = r->customer_name != NULL ?
	    g_strdup_printf("%s <%s>", r->customer_name, r->customer) :
	    g_strdup(r->customer ? r->customer : "-");

	md_out("%6" G_GUINT64_FORMAT "  %-8s  %-10s  %s  %s%s\n", r->ticket,
	    r->status, r->queue, who, r->subject,
	    r->restricted ? "  [restricted]" : "");
	md_out("        message %u, %s: %s\n", r->seq, day, r->snippet);
}

/* The audit of a search that may show restricted customers' tickets. */
static gboolean
audit(MdContext *ctx, GPtrArray *results, GError **error)
{
	g_autoptr(GArray) shown = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_autofree char *detail = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;

	for (guint i = 0; i < results->len; i++) {
		MdSearchResult *r = g_ptr_array_index(results, i);

		if (r->restricted)
			g_array_append_val(shown, r->ticket);
	}
	/* The query itself may name a person: it is not kept. */
	detail = g_strdup_printf("%u results, %u of restricted customers",
	    results->len, shown->len);
	return md_store_begin(ctx->store, MD_TXN_WRITE, &txn, error) &&
	    md_privacy_audit(&txn, "search-restricted", NULL, shown, detail,
	    g_get_real_time() / G_USEC_PER_SEC, error) &&
	    md_store_commit(&txn, error);
}

gboolean
md_cmd_search(MdContext *ctx, int argc, char **argv, GError **error)
{
	gboolean json = FALSE, restricted = FALSE;
	gint limit = DEFAULT_LIMIT;
	GOptionEntry entries[] = {
		{ "limit", 0, 0, G_OPTION_ARG_INT, &limit,
		  "at most N tickets (default 20)", "N" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON output",
		  NULL },
		{ "include-restricted", 0, 0, G_OPTION_ARG_NONE, &restricted,
		  "restricted customers' tickets too (audited)", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "QUERY - search every ticket");
	g_autoptr(GPtrArray) results = NULL;
	g_autofree char *query = NULL;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (argc < 2) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "usage: search QUERY [--limit N] [--json] "
		    "[--include-restricted]");
		return FALSE;
	}
	if (limit < 1 || limit > 10000) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "--limit: %d is not from 1 to 10000", limit);
		return FALSE;
	}
	/* The words of the query, as one would type them at a prompt. */
	query = g_strjoinv(" ", argv + 1);
	if (!g_utf8_validate(query, -1, NULL)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "the query is not UTF-8");
		return FALSE;
	}
	results = md_search_run(ctx->store, ctx->config, query, restricted,
	    (guint)limit, error);
	if (results == NULL)
		return FALSE;
	if (restricted && !audit(ctx, results, error))
		return FALSE;
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();

		json_builder_begin_array(b);
		for (guint i = 0; i < results->len; i++)
			add_json(b, g_ptr_array_index(results, i));
		json_builder_end_array(b);
		md_json_print(b);
		return TRUE;
	}
	for (guint i = 0; i < results->len; i++)
		print_text(g_ptr_array_index(results, i));
	if (results->len == 0)
		md_out("no ticket matches\n");
	return TRUE;
}

gboolean
md_cmd_reindex(MdContext *ctx, int argc, char **argv, GError **error)
{
	guint64 documents = 0;

	if (!md_cmd_no_args(argc, argv, error))
		return FALSE;
	if (!md_search_reindex(ctx->store, ctx->config, &documents, error))
		return FALSE;
	md_out("reindex: %" G_GUINT64_FORMAT " messages indexed\n",
	    documents);
	return TRUE;
}
