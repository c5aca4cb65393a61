/* SPDX-License-Identifier: MIT */
/*
 * config check: the effective value of every key, and what is wrong with
 * them together (config.c checks; this prints).
 */
#include "maildesk/term.h"
#include "maildesk/calendar.h"
#include "maildesk/cmd.h"
#include "maildesk/error.h"

gboolean
md_cmd_config_check(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *dump = NULL;
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);

	if (!md_cmd_no_args(argc, argv, error))
		return FALSE;
	dump = md_config_dump(ctx->config);
	md_out_str(dump);
	md_config_check(ctx->config, problems);
	md_calendar_check(ctx->config, problems);
	for (guint i = 0; i < problems->len; i++)
		md_out("problem: %s\n", (char *)g_ptr_array_index(problems, i));
	if (problems->len > 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
		    "%u problem%s found", problems->len,
		    problems->len == 1 ? "" : "s");
		return FALSE;
	}
	return TRUE;
}
