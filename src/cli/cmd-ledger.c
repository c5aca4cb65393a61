/* SPDX-License-Identifier: MIT */
/*
 * ledger export and ledger replay: the erasure ledger out of one store and
 * into a copy of it.  They parse and print; ledger-file.c and replay.c do
 * the work.
 */
#include <stdio.h>
#include <string.h>

#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/ledger-file.h"
#include "maildesk/log.h"
#include "maildesk/replay.h"
#include "maildesk/term.h"

gboolean
md_cmd_ledger_export(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *out = NULL;
	GOptionEntry entries[] = {
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
		  "write to FILE (made 0600, replaced whole)", "FILE" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "- the erasure ledger as JSON");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autofree char *text = NULL;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (argc != 1) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "usage: ledger export [-o FILE]");
		return FALSE;
	}
	if (out != NULL)
		return md_ledger_file_save(ctx->store, out, error);
	if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error))
		return FALSE;
	text = md_ledger_file_export(&txn, error);
	if (text == NULL)
		return FALSE;
	fputs(text, stdout);
	return TRUE;
}

void
md_cmd_copy_ledger(MdContext *ctx)
{
	g_autoptr(GError) e = NULL;
	const char *path = ctx->config->backup_ledger_copy;

	if (path[0] == '\0')
		return;
	/* What was erased is erased; only the copy is behind. */
	if (!md_ledger_file_save(ctx->store, path, &e))
		md_warn("the erasure ledger was not copied to [backup] "
		    "ledger-copy %s: %s (run maildesk ledger export -o %s)",
		    path, e->message, path);
}

gboolean
md_cmd_ledger_replay(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "FILE - forget here what another copy of this store erased");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GPtrArray) entries = NULL;
	g_autoptr(GBytes) secret = NULL;
	g_autofree char *tag = NULL, *ours = NULL;
	MdReplayReport r;
	gboolean ok, owed = FALSE;

	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (argc != 2) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "usage: ledger replay FILE");
		return FALSE;
	}
	entries = md_ledger_file_load(argv[1], &tag, error);
	if (entries == NULL ||
	    !md_store_begin(ctx->store, MD_TXN_WRITE, &txn, error))
		return FALSE;
	secret = md_store_secret(&txn, error);
	if (secret == NULL)
		return FALSE;
	ours = md_ledger_store_tag(secret);
	if (strcmp(ours, tag) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "%s is the "
		    "erasure ledger of another store (not a copy of this one)",
		    argv[1]);
		return FALSE;
	}
	md_replay_report_init(&r);
	ok = md_replay_apply(&txn, entries, &r, error) &&
	    md_store_commit(&txn, error);
	if (ok) {
		md_out("erasure ledger: %u entries replayed, %u known "
		    "already; removed %u customers, %u tickets, %u messages "
		    "in other tickets\n", r.applied, r.known,
		    r.removed.customers, r.removed.tickets->len,
		    r.removed.participant_messages);
		md_info("ledger replay applied=%u tickets=%u", r.applied,
		    r.removed.tickets->len);
	}
	md_replay_report_clear(&r);
	if (!ok)
		return FALSE;
	md_cmd_copy_ledger(ctx);
	if (!md_store_compaction_owed(ctx->store, &owed, error))
		return FALSE;
	return !owed || md_cmd_compact_after(ctx, FALSE, error);
}
