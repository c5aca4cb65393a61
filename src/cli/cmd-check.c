/* SPDX-License-Identifier: MIT */
/*
 * check: report store inconsistencies, data an erasure recorded in the
 * ledger should have removed, and messages the search index lacks or has
 * too many of, without changing anything; --repair rebuilds the store's
 * indexes and the search index first.
 */
#include <stdio.h>
#include <string.h>

#include "maildesk/term.h"
#include "maildesk/check.h"
#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/search.h"

gboolean
md_cmd_check(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	gboolean owed;
	guint64 tickets = 0, messages = 0, documents = 0, due = 0;
	guint ledger = 0;

	if (argc == 2 && strcmp(argv[1], "--repair") == 0) {
		guint64 entries = 0;

		if (!md_check_repair(ctx->store, ctx->config, &entries, error))
			return FALSE;
		md_out("repaired: %" G_GUINT64_FORMAT " index entries "
		    "rebuilt from the records\n", entries);
		if (!md_search_reindex(ctx->store, ctx->config, &documents,
		    error))
			return FALSE;
		md_out("repaired: search index rebuilt, %" G_GUINT64_FORMAT
		    " messages\n", documents);
	} else if (argc > 1) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "usage: check [--repair]");
		return FALSE;
	}
	if (!md_check_store(ctx->store, problems, &tickets, &messages,
	    error) ||
	    !md_check_ledger(ctx->store, problems, &ledger, error) ||
	    !md_search_check(ctx->store, ctx->config, problems, &documents,
	    &due, error))
		return FALSE;
	for (guint i = 0; i < problems->len; i++)
		md_out("problem: %s\n", (char *)g_ptr_array_index(problems, i));
	md_out("%" G_GUINT64_FORMAT " tickets, %" G_GUINT64_FORMAT
	    " messages, %" G_GUINT64_FORMAT " indexed, %" G_GUINT64_FORMAT
	    " tickets due for indexing, %u erasure ledger entries, %u "
	    "problems\n", tickets, messages, documents, due, ledger,
	    problems->len);
	/* Not a problem of consistency, but of erased bytes left behind. */
	if (md_store_compaction_owed(ctx->store, &owed, NULL) && owed)
		md_out("note: an erase or expire stopped before its "
		    "compaction; run maildesk compact\n");
	if (problems->len > 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "%u problems found", problems->len);
		return FALSE;
	}
	return TRUE;
}
