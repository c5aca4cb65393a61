/* SPDX-License-Identifier: MIT */
/*
 * agent add|list|remove: who answers, and for which queues.
 */
#include <stdio.h>
#include <string.h>

#include "maildesk/term.h"
#include "maildesk/agent.h"
#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/json-out.h"

gboolean
md_cmd_agent_add(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *name = NULL;
	g_auto(GStrv) queues = NULL;
	GOptionEntry entries[] = {
		{ "name", 0, 0, G_OPTION_ARG_STRING, &name, "the agent's name",
		  "NAME" },
		{ "queue", 0, 0, G_OPTION_ARG_STRING_ARRAY, &queues,
		  "a queue whose notifications the agent gets (repeatable)",
		  "Q" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "ADDR - add or update an agent");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdAgent) a = md_agent_new();
	const char *at;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (argc != 2 || (at = strchr(argv[1], '@')) == NULL ||
	    at == argv[1] || at[1] == '\0') {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "usage: agent add ADDR [--name NAME] [--queue Q ...]");
		return FALSE;
	}
	a->email = g_ascii_strdown(argv[1], -1);
	a->name = g_steal_pointer(&name);
	a->queues = queues ? g_steal_pointer(&queues) : g_new0(char *, 1);
	if (!md_store_begin(ctx->store, MD_TXN_WRITE, &txn, error) ||
	    !md_agent_save(&txn, a, error) || !md_store_commit(&txn, error))
		return FALSE;
	{
		g_autofree char *qs = g_strjoinv(",", a->queues);

		md_out("agent %s: queues %s\n", a->email,
		    qs[0] ? qs : "(none)");
	}
	return TRUE;
}

gboolean
md_cmd_agent_remove(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;

	if (argc != 2) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "usage: agent remove ADDR");
		return FALSE;
	}
	if (!md_store_begin(ctx->store, MD_TXN_WRITE, &txn, error) ||
	    !md_agent_remove(&txn, argv[1], error) ||
	    !md_store_commit(&txn, error))
		return FALSE;
	md_out("agent %s removed\n", argv[1]);
	return TRUE;
}

gboolean
md_cmd_agent_list(MdContext *ctx, int argc, char **argv, GError **error)
{
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON output",
		  NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("- list agents");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GPtrArray) list = NULL;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error) ||
	    (list = md_agent_list(&txn, error)) == NULL)
		return FALSE;
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();

		json_builder_begin_array(b);
		for (guint i = 0; i < list->len; i++) {
			MdAgent *a = g_ptr_array_index(list, i);

			json_builder_begin_object(b);
			json_builder_set_member_name(b, "email");
			json_builder_add_string_value(b, a->email);
			json_builder_set_member_name(b, "name");
			if (a->name)
				json_builder_add_string_value(b, a->name);
			else
				json_builder_add_null_value(b);
			json_builder_set_member_name(b, "queues");
			json_builder_begin_array(b);
			for (char **q = a->queues; *q != NULL; q++)
				json_builder_add_string_value(b, *q);
			json_builder_end_array(b);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		md_json_print(b);
		return TRUE;
	}
	for (guint i = 0; i < list->len; i++) {
		MdAgent *a = g_ptr_array_index(list, i);
		g_autofree char *queues = g_strjoinv(",", a->queues);

		md_out("%-32s  %-24s  %s\n", a->email, a->name ? a->name : "-",
		    queues[0] ? queues : "-");
	}
	return TRUE;
}
