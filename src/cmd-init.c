/* SPDX-License-Identifier: MIT */
/*
 * init and config check: setting up and looking at what is set up.
 */
#include <stdio.h>

#include "maildesk/cmd.h"
#include "maildesk/error.h"

gboolean
md_cmd_init(MdContext *ctx, int argc, char **argv, GError **error)
{
	gboolean created = FALSE;

	if (argc > 1) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "unexpected argument \"%s\"", argv[1]);
		return FALSE;
	}
	if (!md_store_init(ctx->config->store_path,
	    ctx->config->map_size_bytes, &created, error))
		return FALSE;
	printf("store %s: %s\n", ctx->config->store_path,
	    created ? "created" : "already initialised, unchanged");
	return TRUE;
}

gboolean
md_cmd_config_check(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *dump = md_config_dump(ctx->config);

	fputs(dump, stdout);
	return TRUE;
}
