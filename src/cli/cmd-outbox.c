/* SPDX-License-Identifier: MIT */
/*
 * outbox: what waits to be sent, and what failed and why.
 */
#include <stdio.h>

#include "maildesk/term.h"
#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/json-out.h"
#include "maildesk/outbox.h"

static void
add_time(JsonBuilder *b, const char *name, gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t);
	g_autofree char *s = md_json_time(t, dt ? (gint32)(
	    g_date_time_get_utc_offset(dt) / G_TIME_SPAN_SECOND) : 0);

	md_json_add_string(b, name, s);
}

/*
 * What an entry is doing now: a queued entry that a flush (or a delivery's
 * one try) has taken and not yet settled is "leased", whatever its next
 * attempt said before.
 */
static const char *
state_now(const MdOutboxEntry *o, gint64 now)
{
	if (o->state == MD_OUTBOX_QUEUED && o->lease_until > now)
		return "leased";
	return md_outbox_state_name(o->state);
}

/*
 * The NEXT column: when a queued entry is tried ("now" once due), or when
 * the lease of a leased one runs out and another flush may take it.
 */
static char *
next_column(const MdOutboxEntry *o, gint64 now)
{
	g_autoptr(GDateTime) dt = NULL;
	gint64 t;

	if (o->state != MD_OUTBOX_QUEUED)
		return g_strdup("-");
	t = o->lease_until > now ? o->lease_until : o->next_attempt_at;
	if (t <= now)
		return g_strdup("now");
	dt = g_date_time_new_from_unix_local(t);
	return dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") :
	    g_strdup("-");
}

gboolean
md_cmd_outbox_list(MdContext *ctx, int argc, char **argv, GError **error)
{
	gboolean json = FALSE;
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "- list the outbox");
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON output",
		  NULL },
		{ NULL }
	};
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GPtrArray) list = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (!md_store_begin(ctx->store, MD_TXN_READ, &txn, error) ||
	    (list = md_outbox_list(&txn, error)) == NULL)
		return FALSE;
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();

		json_builder_begin_array(b);
		for (guint i = 0; i < list->len; i++) {
			MdOutboxEntry *o = g_ptr_array_index(list, i);

			json_builder_begin_object(b);
			md_json_add_int(b, "id", (gint64)o->id);
			md_json_add_string(b, "kind", o->kind);
			md_json_add_int(b, "ticket", (gint64)o->ticket);
			md_json_add_string(b, "state", state_now(o, now));
			json_builder_set_member_name(b, "to");
			json_builder_begin_array(b);
			for (char **r = o->recipients; *r != NULL; r++)
				json_builder_add_string_value(b, *r);
			json_builder_end_array(b);
			md_json_add_string(b, "message_id", o->message_id);
			md_json_add_int(b, "attempts", o->attempts);
			add_time(b, "created", o->created_at);
			add_time(b, "next_attempt", o->next_attempt_at);
			if (o->state == MD_OUTBOX_QUEUED &&
			    o->lease_until > now)
				add_time(b, "lease_until", o->lease_until);
			else {
				json_builder_set_member_name(b,
				    "lease_until");
				json_builder_add_null_value(b);
			}
			json_builder_set_member_name(b, "last_error");
			if (o->last_error != NULL)
				json_builder_add_string_value(b,
				    o->last_error);
			else
				json_builder_add_null_value(b);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		md_json_print(b);
		return TRUE;
	}
	md_out("%6s  %-12s  %6s  %-7s  %8s  %-30s  %-19s  %s\n", "ID",
	    "KIND", "TICKET", "STATE", "ATTEMPTS", "TO", "NEXT",
	    "LAST ERROR");
	for (guint i = 0; i < list->len; i++) {
		MdOutboxEntry *o = g_ptr_array_index(list, i);
		g_autofree char *to = g_strjoinv(",", o->recipients);
		g_autofree char *to_col = md_term_pad(to, 30);
		g_autofree char *next = next_column(o, now);

		md_out("%6" G_GUINT64_FORMAT "  %-12s  %6" G_GUINT64_FORMAT
		    "  %-7s  %8u  %s  %-19s  %s\n", o->id, o->kind, o->ticket,
		    state_now(o, now), o->attempts, to_col, next,
		    o->last_error ? o->last_error : "-");
	}
	return TRUE;
}
