/* SPDX-License-Identifier: MIT */
/*
 * init: setting up the store and who owns it.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#include "maildesk/term.h"
#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/ticket.h"

/* Gives the store to @user: deliver runs as that user, not root. */
static gboolean
chown_store(const char *path, const char *user, GError **error)
{
	static const char *const files[] = {
		"", "data.mdb", "lock.mdb", "maildesk.lock", "maildesk.gate",
		NULL
	};
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "no user %s",
		    user);
		return FALSE;
	}
	for (const char *const *f = files; *f != NULL; f++) {
		g_autofree char *p = g_build_filename(path, *f, NULL);

		if (chown(p, pw->pw_uid, pw->pw_gid) != 0 && errno != ENOENT) {
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "chown %s: %s", p, g_strerror(errno));
			return FALSE;
		}
	}
	return TRUE;
}

/*
 * Indexes a newer maildesk keeps, built from the records of a store made
 * before them (init is what an upgrade runs).
 */
static gboolean
ensure_indexes(MdContext *ctx, GError **error)
{
	g_autoptr(MdStore) store = md_store_open(ctx->config->store_path,
	    ctx->config->map_size_bytes, error);
	g_auto(MdTxn) txn = MD_TXN_INIT;
	gboolean built = FALSE;

	if (store == NULL || !md_store_begin(store, MD_TXN_WRITE, &txn, error) ||
	    !md_ticket_ensure_open_index(&txn, &built, error) ||
	    !md_store_commit(&txn, error))
		return FALSE;
	if (built)
		md_debug(1, "init open-tickets index built");
	return TRUE;
}

gboolean
md_cmd_init(MdContext *ctx, int argc, char **argv, GError **error)
{
	gboolean created = FALSE;
	g_autofree char *owner = NULL;
	GOptionEntry entries[] = {
		{ "owner", 0, 0, G_OPTION_ARG_STRING, &owner,
		  "give the store to this user (the one deliver runs as)",
		  "USER" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "- create the store");

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !md_cmd_no_args(argc, argv, error))
		return FALSE;
	if (!md_store_init(ctx->config->store_path,
	    ctx->config->map_size_bytes, &created, error))
		return FALSE;
	if (!ensure_indexes(ctx, error))
		return FALSE;
	if (owner != NULL && !chown_store(ctx->config->store_path, owner,
	    error))
		return FALSE;
	md_out("store %s: %s\n", ctx->config->store_path,
	    created ? "created" : "already initialised, unchanged");
	return TRUE;
}
