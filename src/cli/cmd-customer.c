/* SPDX-License-Identifier: MIT */
/*
 * customer show: one profile with its tickets.
 */
#include <stdio.h>

#include "maildesk/term.h"
#include "maildesk/cmd.h"
#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/json-out.h"

gboolean
md_cmd_customer_show(MdContext *ctx, int argc, char **argv, GError **error)
{
	gboolean json = FALSE;
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "ADDR - show a customer");
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON output",
		  NULL },
		{ NULL }
	};
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GArray) tickets = NULL;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (argc != 2) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "usage: customer show ADDR [--json]");
		return FALSE;
	}
	if (!md_customer_check_address(argv[1], error) ||
	    !md_store_begin(ctx->store, MD_TXN_READ, &txn, error))
		return FALSE;
	c = md_customer_find_by_email(&txn, argv[1], error);
	if (c == NULL)
		return FALSE;
	tickets = md_customer_tickets(&txn, c->id, error);
	if (tickets == NULL)
		return FALSE;
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();

		md_json_add_customer(b, c, tickets);
		md_json_print(b);
		return TRUE;
	}
	md_out("Email:      %s\n", c->email);
	md_out("First name: %s\n", c->first_name ? c->first_name : "-");
	md_out("Last name:  %s\n", c->last_name ? c->last_name : "-");
	{
		g_autofree char *created = md_json_time(c->created_at, 0);
		GHashTableIter it;
		gpointer k, v;

		md_out("Created:    %s\n", created);
		g_hash_table_iter_init(&it, c->fields);
		while (g_hash_table_iter_next(&it, &k, &v))
			md_out("%-11s %s\n", (char *)k, (char *)v);
	}
	if (c->flags & MD_CUSTOMER_RESTRICTED)
		md_out("Restricted: yes (no automatic mail)\n");
	if (c->flags & MD_CUSTOMER_BOUNCING)
		md_out("Bouncing:   yes\n");
	if (c->hold_until != 0) {
		g_autofree char *until = md_json_time(c->hold_until, 0);

		md_out("Legal hold: until %s: %s\n", until,
		    c->hold_reason ? c->hold_reason : "");
	}
	for (guint i = 0; i < c->former->len; i++)
		md_out("Formerly:   %s\n", (char *)g_ptr_array_index(c->former,
		    i));
	md_out("Tickets:   ");
	for (guint i = 0; i < tickets->len; i++)
		md_out(" %" G_GUINT64_FORMAT, g_array_index(tickets, guint64,
		    i));
	md_out("\n");
	return TRUE;
}
