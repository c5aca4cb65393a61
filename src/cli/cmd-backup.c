/* SPDX-License-Identifier: MIT */
/*
 * backup, restore and handover: the commands that copy a store out, bring
 * a copy back (with the erasures made since), and hand a standby's mail
 * back to the primary.  They parse and print; backup.c, restore.c and
 * handover.c do the work.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "maildesk/backup.h"
#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/handover.h"
#include "maildesk/json-out.h"
#include "maildesk/ledger-file.h"
#include "maildesk/log.h"
#include "maildesk/restore.h"
#include "maildesk/term.h"

static void
print_manifest(FILE *out, const char *where, const MdManifest *m)
{
	guint64 bytes = 0;
	g_autofree char *when = md_json_time(m->created, 0);
	g_autofree char *keys = m->encrypted_to ?
	    g_strjoinv(", ", m->encrypted_to) : NULL;

	for (guint i = 0; i < m->files->len; i++)
		bytes += ((MdManifestFile *)g_ptr_array_index(m->files,
		    i))->size;
	fprintf(out, "backup %s taken %s: %" G_GUINT64_FORMAT " tickets, %"
	    G_GUINT64_FORMAT " messages, %" G_GUINT64_FORMAT " customers, %"
	    G_GUINT64_FORMAT " erasure ledger entries, %" G_GUINT64_FORMAT
	    " bytes%s%s\n", where, when, m->tickets, m->messages,
	    m->customers, m->ledger, bytes, keys ? ", encrypted to " : "",
	    keys ? keys : "");
}

gboolean
md_cmd_backup(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "DIR|- - a consistent, compacted copy of the store");
	g_autoptr(MdManifest) m = NULL;
	gboolean stream;

	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (argc != 2) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "usage: backup DIR|-");
		return FALSE;
	}
	stream = strcmp(argv[1], "-") == 0;
	if (stream && isatty(STDOUT_FILENO)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "-: "
		    "standard output is a terminal; redirect it to a file "
		    "or a pipe");
		return FALSE;
	}
	m = stream ? md_backup_stream(ctx->store, ctx->config, STDOUT_FILENO,
	    error) : md_backup_write(ctx->store, ctx->config, argv[1], error);
	if (m == NULL)
		return FALSE;
	md_cmd_copy_ledger(ctx);
	/* On a stream, standard output is the backup: report on stderr. */
	print_manifest(stream ? stderr : stdout, argv[1], m);
	md_info("backup tickets=%" G_GUINT64_FORMAT " messages=%"
	    G_GUINT64_FORMAT " encrypted=%s", m->tickets, m->messages,
	    m->encrypted_to ? "yes" : "no");
	return TRUE;
}

/*
 * The erasures to replay: from --ledger FILE, or from the store the
 * config names (it may be the target itself).  *@tag is the ledger's
 * store, NULL when it is of no concern (nothing to replay).
 */
static GPtrArray *
ledger_entries(MdContext *ctx, const char *file, gboolean none, char **tag,
    GError **error)
{
	g_autoptr(MdStore) live = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GBytes) secret = NULL;
	g_autofree char *data = NULL;

	*tag = NULL;
	if (none)
		return g_ptr_array_new();
	if (file != NULL)
		return md_ledger_file_load(file, tag, error);
	data = g_build_filename(ctx->config->store_path, "data.mdb", NULL);
	if (!g_file_test(data, G_FILE_TEST_EXISTS)) {
		const char *copy = ctx->config->backup_ledger_copy;

		/* The store is lost: its last copied ledger stands in. */
		if (copy[0] != '\0' && g_file_test(copy, G_FILE_TEST_EXISTS)) {
			md_out("no store at %s: replaying the ledger copy %s\n",
			    ctx->config->store_path, copy);
			return md_ledger_file_load(copy, tag, error);
		}
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "no store at %s "
		    "to take the erasure ledger from: give --ledger FILE "
		    "(maildesk ledger export writes one), or --no-ledger",
		    ctx->config->store_path);
		return NULL;
	}
	live = md_store_open(ctx->config->store_path,
	    ctx->config->map_size_bytes, error);
	if (live == NULL || !md_store_begin(live, MD_TXN_READ, &txn, error))
		goto fail;
	entries = md_ledger_load(&txn, error);
	secret = entries ? md_store_secret(&txn, error) : NULL;
	if (secret == NULL)
		goto fail;
	/* Another store's empty ledger (a fresh init) asks nothing. */
	if (entries->len > 0)
		*tag = md_ledger_store_tag(secret);
	return g_steal_pointer(&entries);
fail:
	g_prefix_error(error, "the erasure ledger of %s: ",
	    ctx->config->store_path);
	return NULL;
}

gboolean
md_cmd_restore(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *to = NULL, *ledger = NULL, *tag = NULL;
	gboolean force = FALSE, no_ledger = FALSE;
	gint64 next = 0;
	GOptionEntry entries[] = {
		{ "to", 0, 0, G_OPTION_ARG_FILENAME, &to,
		  "the store directory to restore into", "DIR" },
		{ "ledger", 0, 0, G_OPTION_ARG_FILENAME, &ledger,
		  "replay this erasure ledger file", "FILE" },
		{ "no-ledger", 0, 0, G_OPTION_ARG_NONE, &no_ledger,
		  "replay no erasure ledger (none survived)", NULL },
		{ "force", 0, 0, G_OPTION_ARG_NONE, &force,
		  "replace a store that has data", NULL },
		{ "next-ticket", 0, 0, G_OPTION_ARG_INT64, &next,
		  "number new tickets from N on (a standby)", "N" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "BACKUP --to DIR - a backup as a store, without what was erased "
	    "since");
	g_autoptr(GPtrArray) replay = NULL;
	MdRestoreOptions o = { 0 };
	MdRestoreResult r;
	MdEraseReport *gone;
	g_autofree char *when = NULL;
	gboolean ok;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (argc != 2 || to == NULL || (ledger != NULL && no_ledger) ||
	    next < 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "usage: restore "
		    "BACKUP --to DIR [--ledger FILE | --no-ledger] [--force] "
		    "[--next-ticket N]");
		return FALSE;
	}
	replay = ledger_entries(ctx, ledger, no_ledger, &tag, error);
	if (replay == NULL)
		return FALSE;
	o.backup = argv[1];
	o.target = to;
	o.ledger = replay;
	o.ledger_store = tag;
	o.force = force;
	o.next_ticket = (guint64)next;
	o.map_size_bytes = ctx->config->map_size_bytes;
	o.gnupg_home = ctx->config->backup_gnupg_home;
	md_restore_result_init(&r);
	ok = md_restore(&o, &r, error);
	if (ok) {
		gone = &r.replay.removed;
		when = md_json_time(r.manifest->created, 0);
		md_out("restored %s (taken %s, %" G_GUINT64_FORMAT " tickets) "
		    "into %s%s\n", argv[1], when, r.manifest->tickets, to,
		    r.replaced ? ", replacing the store there" : "");
		md_out("erasure ledger: %u entries replayed, %u were in the "
		    "backup already; removed %u customers, %u tickets, %u "
		    "messages in other tickets%s\n", r.replay.applied,
		    r.replay.known, gone->customers, gone->tickets->len,
		    gone->participant_messages, r.compacted ?
		    "; compacted" : "");
		if (no_ledger)
			md_out("warning: no erasure ledger replayed: whatever "
			    "was erased after %s is in the store again\n",
			    when);
		md_info("restore tickets=%" G_GUINT64_FORMAT " replayed=%u "
		    "removed_tickets=%u", r.manifest->tickets,
		    r.replay.applied, gone->tickets->len);
	}
	md_restore_result_clear(&r);
	return ok;
}

gboolean
md_cmd_handover(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *since_s = NULL;
	GOptionEntry entries[] = {
		{ "since", 0, 0, G_OPTION_ARG_STRING, &since_s,
		  "mail received from this time on (ISO 8601)", "TIME" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "DIR - the mail this store received since its restore, as a "
	    "Maildir");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autofree char *when = NULL;
	gint64 since = 0;
	guint count = 0;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (argc != 2) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "usage: handover DIR [--since TIME]");
		return FALSE;
	}
	if (since_s != NULL) {
		g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(since_s,
		    NULL);

		if (t == NULL) {
			g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "--since: "
			    "\"%s\" is not an ISO 8601 time with a zone "
			    "(2026-03-02T10:00:00Z)", since_s);
			return FALSE;
		}
		since = g_date_time_to_unix(t);
	} else {
		if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error) ||
		    !md_restore_backup_time(&txn, &since, error))
			return FALSE;
		md_txn_clear(&txn);
		if (since == 0) {
			g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "this "
			    "store was not restored from a backup: give "
			    "--since TIME");
			return FALSE;
		}
	}
	if (!md_handover_write(ctx->store, since, argv[1], &count, error))
		return FALSE;
	when = md_json_time(since, 0);
	md_out("handed over %u mails received from %s on into %s (take them "
	    "in with: maildesk import maildir %s)\n", count, when, argv[1],
	    argv[1]);
	return TRUE;
}
