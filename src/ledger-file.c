/* SPDX-License-Identifier: MIT */
/*
 * Ledger files, written and read with json-glib.  Every entry keeps its id,
 * so replaying a file twice, or a file whose entries a store already has,
 * changes nothing.  Reading is strict: one malformed entry refuses the
 * file, since a half-read ledger would silently bring erased data back.
 */
#include <string.h>

#include <json-glib/json-glib.h>

#include "maildesk/error.h"
#include "maildesk/json-out.h"
#include "maildesk/ledger-file.h"
#include "maildesk/ledger.h"

static void
add_strings(JsonBuilder *b, const char *name, GPtrArray *a)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (guint i = 0; i < a->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(a, i));
	json_builder_end_array(b);
}

static void
add_entry(JsonBuilder *b, const MdLedgerEntry *e)
{
	g_autofree char *date = md_json_time(e->time, 0);

	json_builder_begin_object(b);
	md_json_add_string(b, "id", e->id);
	md_json_add_int(b, "time", e->time);
	md_json_add_string(b, "date", date);
	md_json_add_string(b, "action", e->action);
	add_strings(b, "subjects", e->subjects);
	json_builder_set_member_name(b, "tickets");
	json_builder_begin_array(b);
	for (guint i = 0; i < e->tickets->len; i++) {
		MdLedgerTicket *t = g_ptr_array_index(e->tickets, i);

		json_builder_begin_object(b);
		md_json_add_int(b, "number", (gint64)t->number);
		add_strings(b, "messages", t->messages);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	add_strings(b, "messages", e->messages);
	json_builder_end_object(b);
}

char *
md_ledger_file_export(MdTxn *txn, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GPtrArray) entries = md_ledger_load(txn, error);
	g_autoptr(GBytes) secret = NULL;
	g_autofree char *tag = NULL;

	if (entries == NULL)
		return NULL;
	secret = md_store_secret(txn, error);
	if (secret == NULL)
		return NULL;
	tag = md_ledger_store_tag(secret);
	json_builder_begin_object(b);
	md_json_add_string(b, "format", "maildesk-ledger");
	md_json_add_int(b, "version", MD_LEDGER_FILE_VERSION);
	md_json_add_string(b, "store", tag);
	json_builder_set_member_name(b, "entries");
	json_builder_begin_array(b);
	for (guint i = 0; i < entries->len; i++)
		add_entry(b, g_ptr_array_index(entries, i));
	json_builder_end_array(b);
	json_builder_end_object(b);
	return md_json_finish(b);
}

gboolean
md_ledger_file_save(MdStore *store, const char *path, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autofree char *text = NULL;
	g_autoptr(GError) e = NULL;

	if (!md_store_begin(store, MD_TXN_READ, &txn, error))
		return FALSE;
	text = md_ledger_file_export(&txn, error);
	if (text == NULL)
		return FALSE;
	md_txn_clear(&txn);
	if (!g_file_set_contents_full(path, text, -1,
	    G_FILE_SET_CONTENTS_CONSISTENT, 0600, &e)) {
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL, "%s",
		    e->message);
		return FALSE;
	}
	return TRUE;
}

static const char *
str_of(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);

	if (n == NULL || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

static gboolean
int_of(JsonObject *o, const char *name, gint64 *out)
{
	JsonNode *n = json_object_get_member(o, name);

	if (n == NULL || json_node_get_value_type(n) != G_TYPE_INT64)
		return FALSE;
	*out = json_node_get_int(n);
	return TRUE;
}

/* A member that is an array of strings, copied into @into. */
static gboolean
strings_of(JsonObject *o, const char *name, GPtrArray *into)
{
	JsonNode *n = json_object_get_member(o, name);
	JsonArray *a;

	if (n == NULL || !JSON_NODE_HOLDS_ARRAY(n))
		return FALSE;
	a = json_node_get_array(n);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonNode *s = json_array_get_element(a, i);

		if (!JSON_NODE_HOLDS_VALUE(s) ||
		    json_node_get_value_type(s) != G_TYPE_STRING)
			return FALSE;
		g_ptr_array_add(into, g_strdup(json_node_get_string(s)));
	}
	return TRUE;
}

static MdLedgerEntry *
entry_of(JsonNode *node)
{
	JsonObject *o = JSON_NODE_HOLDS_OBJECT(node) ?
	    json_node_get_object(node) : NULL;
	const char *id = o ? str_of(o, "id") : NULL;
	const char *action = o ? str_of(o, "action") : NULL;
	g_autoptr(MdLedgerEntry) e = NULL;
	JsonNode *tickets;
	gint64 time;

	if (id == NULL || action == NULL || !int_of(o, "time", &time))
		return NULL;
	e = md_ledger_entry_new(action, time);
	g_free(e->id);
	e->id = g_strdup(id);
	tickets = json_object_get_member(o, "tickets");
	if (!strings_of(o, "subjects", e->subjects) ||
	    !strings_of(o, "messages", e->messages) || tickets == NULL ||
	    !JSON_NODE_HOLDS_ARRAY(tickets))
		return NULL;
	for (guint i = 0; i < json_array_get_length(json_node_get_array(
	    tickets)); i++) {
		JsonNode *t = json_array_get_element(json_node_get_array(
		    tickets), i);
		JsonObject *to = JSON_NODE_HOLDS_OBJECT(t) ?
		    json_node_get_object(t) : NULL;
		gint64 number;

		if (to == NULL || !int_of(to, "number", &number) ||
		    number <= 0 || !strings_of(to, "messages",
		    md_ledger_entry_add_ticket(e, (guint64)number)))
			return NULL;
	}
	return g_steal_pointer(&e);
}

GPtrArray *
md_ledger_file_load(const char *path, char **store, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_ledger_entry_free);
	g_autoptr(GError) e = NULL;
	JsonNode *root, *list;
	JsonObject *o;
	gint64 version;

	if (!json_parser_load_from_file(parser, path, &e)) {
		/* Unreadable is the caller's mistake; garbled, damage. */
		g_set_error(error, MD_ERROR, e->domain == JSON_PARSER_ERROR ?
		    MD_ERROR_CORRUPT : MD_ERROR_USAGE, "ledger %s: %s", path,
		    e->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) :
	    NULL;
	list = o ? json_object_get_member(o, "entries") : NULL;
	if (o == NULL || g_strcmp0(str_of(o, "format"),
	    "maildesk-ledger") != 0 || !int_of(o, "version", &version) ||
	    version != MD_LEDGER_FILE_VERSION || str_of(o, "store") == NULL ||
	    list == NULL || !JSON_NODE_HOLDS_ARRAY(list)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "%s is not a "
		    "maildesk ledger file (version %d)", path,
		    MD_LEDGER_FILE_VERSION);
		return NULL;
	}
	for (guint i = 0; i < json_array_get_length(json_node_get_array(
	    list)); i++) {
		MdLedgerEntry *entry = entry_of(json_array_get_element(
		    json_node_get_array(list), i));

		if (entry == NULL) {
			g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
			    "ledger %s: entry %u is malformed: refusing the "
			    "file", path, i + 1);
			return NULL;
		}
		g_ptr_array_add(entries, entry);
	}
	*store = g_strdup(str_of(o, "store"));
	return g_steal_pointer(&entries);
}
