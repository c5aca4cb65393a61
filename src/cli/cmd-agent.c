/* SPDX-License-Identifier: MIT */
/*
 * agent add|list|remove: who answers, and for which queues.
 */
#include <stdio.h>
#include <string.h>

#include "maildesk/term.h"
#include "maildesk/agent.h"
#include "maildesk/cmd.h"
#include "maildesk/customer.h"
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

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (argc != 2) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "usage: agent add ADDR [--name NAME] [--queue Q ...]");
		return FALSE;
	}
	if (!md_customer_check_address(argv[1], error))
		return FALSE;
	if (name != NULL && !md_customer_check_field("first_name", name,
	    error)) {
		g_prefix_error(error, "--name: ");
		return FALSE;
	}
	/* Only queues the config knows: a typo would get no mail ever. */
	for (char **q = queues; q != NULL && *q != NULL; q++)
		if (!md_config_has_queue(ctx->config, *q)) {
			g_autofree char *known = md_config_queue_names(
			    ctx->config);

			g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "--queue: "
			    "\"%s\" is not a queue of the config (%s)", *q,
			    known);
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
	if (!md_customer_check_address(argv[1], error) ||
	    !md_store_begin(ctx->store, MD_TXN_WRITE, &txn, error) ||
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
			md_json_add_string(b, "email", a->email);
			md_json_add_string(b, "name", a->name);
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

		g_autofree char *email = md_term_pad(a->email, 32);
		g_autofree char *name = md_term_pad(a->name ? a->name : "-",
		    24);

		md_out("%s  %s  %s\n", email, name, queues[0] ? queues : "-");
	}
	return TRUE;
}
