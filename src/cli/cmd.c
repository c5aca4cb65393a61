/* SPDX-License-Identifier: MIT */
/*
 * What every command shares: parsing its options and its arguments into
 * one USAGE error with GOption's own words, never a partial result.
 */
#include "maildesk/cmd.h"
#include "maildesk/error.h"

gboolean
md_cmd_parse_number(const char *s, const char *what, guint64 *out,
    GError **error)
{
	if (s == NULL || !g_ascii_string_to_unsigned(s, 10, 1, G_MAXINT64,
	    out, NULL)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "%s: \"%s\" is not a number", what, s ? s : "");
		return FALSE;
	}
	return TRUE;
}

gboolean
md_cmd_no_args(int argc, char **argv, GError **error)
{
	if (argc > 1) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "unexpected argument \"%s\"", argv[1]);
		return FALSE;
	}
	return TRUE;
}

gboolean
md_cmd_parse_options(GOptionContext *oc, int *argc, char ***argv,
    GError **error)
{
	g_autoptr(GError) e = NULL;

	if (!g_option_context_parse(oc, argc, argv, &e)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "%s", e->message);
		return FALSE;
	}
	return TRUE;
}
