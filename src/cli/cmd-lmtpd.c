/* SPDX-License-Identifier: MIT */
/*
 * lmtpd: the LMTP server, for mail in volume (lmtpd.c).  Runs in the
 * foreground until SIGTERM, as systemd or any supervisor expects.
 */
#include <unistd.h>

#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/lmtpd.h"

gboolean
md_cmd_lmtpd(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_auto(GStrv) listen = NULL;
	g_autofree char *joined = NULL;
	GOptionEntry entries[] = {
		{ "listen", 0, 0, G_OPTION_ARG_STRING_ARRAY, &listen,
		  "listen here instead of [lmtp] listen", "unix:PATH|"
		  "inet:HOST:PORT" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "- serve LMTP");

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !md_cmd_no_args(argc, argv, error))
		return FALSE;
	/* As deliver: the store's user, never root (maildesk(8)). */
	if (geteuid() == 0 && !ctx->config->allow_root) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
		    "refusing to run as root: run lmtpd as the maildesk user "
		    "(or set [deliver] allow-root = true)");
		return FALSE;
	}
	if (listen != NULL)
		joined = g_strjoinv(" ", listen);
	return md_lmtpd_run(ctx->store, ctx->config, joined, error);
}
