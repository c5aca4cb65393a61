/* SPDX-License-Identifier: MIT */
/*
 * The erasure ledger's records.  Keys are a counter (big-endian), values a
 * versioned record: id, time, action, the keyed hashes of the addresses,
 * the tickets removed whole with the keys of their messages, and the keys
 * of messages removed from tickets that stay.  Appending never reads or
 * changes other data: privacy.c calls it inside its own transaction.
 */
#include <string.h>

#include "maildesk/error.h"
#include "maildesk/ledger.h"
#include "maildesk/record.h"

#define NEXT_KEY "next-ledger"

static void
ledger_ticket_free(gpointer p)
{
	MdLedgerTicket *t = p;

	g_ptr_array_unref(t->messages);
	g_free(t);
}

MdLedgerEntry *
md_ledger_entry_new(const char *action, gint64 now)
{
	MdLedgerEntry *e = g_new0(MdLedgerEntry, 1);

	e->id = g_uuid_string_random();
	e->time = now;
	e->action = g_strdup(action);
	e->subjects = g_ptr_array_new_with_free_func(g_free);
	e->tickets = g_ptr_array_new_with_free_func(ledger_ticket_free);
	e->messages = g_ptr_array_new_with_free_func(g_free);
	return e;
}

void
md_ledger_entry_free(MdLedgerEntry *e)
{
	if (e == NULL)
		return;
	g_free(e->id);
	g_free(e->action);
	g_ptr_array_unref(e->subjects);
	g_ptr_array_unref(e->tickets);
	g_ptr_array_unref(e->messages);
	g_free(e);
}

gboolean
md_ledger_entry_is_empty(const MdLedgerEntry *e)
{
	return e->subjects->len == 0 && e->tickets->len == 0 &&
	    e->messages->len == 0;
}

GPtrArray *
md_ledger_entry_add_ticket(MdLedgerEntry *e, guint64 number)
{
	MdLedgerTicket *t = g_new0(MdLedgerTicket, 1);

	t->number = number;
	t->messages = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(e->tickets, t);
	return t->messages;
}

static char *
keyed(GBytes *secret, const char *prefix, const void *data, gsize len)
{
	gsize klen;
	const guchar *key = g_bytes_get_data(secret, &klen);
	g_autoptr(GHmac) h = g_hmac_new(G_CHECKSUM_SHA256, key, klen);

	/* The prefix keeps a Message-ID and a digest from ever colliding. */
	g_hmac_update(h, (const guchar *)prefix, strlen(prefix));
	g_hmac_update(h, data, len);
	return g_strconcat(prefix, g_hmac_get_string(h), NULL);
}

char *
md_ledger_msgid_key(GBytes *secret, const void *index_key, gsize len)
{
	return keyed(secret, "msgid:", index_key, len);
}

char *
md_ledger_message_key(GBytes *secret, const MdMessage *m)
{
	if (m->message_id != NULL) {
		g_autofree char *k = md_store_key_text(m->message_id);

		return md_ledger_msgid_key(secret, k, strlen(k));
	}
	return keyed(secret, "digest:", m->raw_sha256 ? m->raw_sha256 : "",
	    m->raw_sha256 ? strlen(m->raw_sha256) : 0);
}

char *
md_ledger_store_tag(GBytes *secret)
{
	static const char text[] = "maildesk erasure ledger";

	return keyed(secret, "store:", text, sizeof(text) - 1);
}

static GVariant *
strv_value(GPtrArray *a)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
	for (guint i = 0; i < a->len; i++)
		g_variant_builder_add(&b, "s", (char *)g_ptr_array_index(a, i));
	return g_variant_builder_end(&b);
}

gboolean
md_ledger_append(MdTxn *txn, const MdLedgerEntry *e, GError **error)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
	g_autoptr(GBytes) rec = NULL;
	GVariantBuilder tickets;
	guint64 n;
	guint8 key[8];
	gsize len;
	const void *data;

	if (!md_store_next_id(txn, NEXT_KEY, &n, error))
		return FALSE;
	g_variant_dict_insert(&d, "id", "s", e->id);
	g_variant_dict_insert(&d, "time", "x", e->time);
	g_variant_dict_insert(&d, "action", "s", e->action);
	g_variant_dict_insert_value(&d, "subjects", strv_value(e->subjects));
	g_variant_builder_init(&tickets, G_VARIANT_TYPE("a(tas)"));
	for (guint i = 0; i < e->tickets->len; i++) {
		MdLedgerTicket *t = g_ptr_array_index(e->tickets, i);

		g_variant_builder_add(&tickets, "(t@as)", t->number,
		    strv_value(t->messages));
	}
	g_variant_dict_insert_value(&d, "tickets",
	    g_variant_builder_end(&tickets));
	g_variant_dict_insert_value(&d, "messages", strv_value(e->messages));
	rec = md_record_close(&d);
	data = g_bytes_get_data(rec, &len);
	md_key_be64(key, n);
	return md_store_put(txn, MD_DB_LEDGER, key, 8, data, len,
	    MDB_NOOVERWRITE, error);
}

static void
strv_into(GVariantDict *d, const char *name, GPtrArray *out)
{
	g_autoptr(GVariant) v = g_variant_dict_lookup_value(d, name,
	    G_VARIANT_TYPE("as"));

	for (gsize i = 0; v != NULL && i < g_variant_n_children(v); i++) {
		const char *s = NULL;

		g_variant_get_child(v, i, "&s", &s);
		g_ptr_array_add(out, g_strdup(s));
	}
}

static MdLedgerEntry *
entry_from_record(const MDB_val *data, GError **error)
{
	g_autoptr(GVariantDict) d = md_record_open(data->mv_data,
	    data->mv_size, "ledger", error);
	g_autoptr(GVariant) tickets = NULL;
	MdLedgerEntry *e;

	if (d == NULL)
		return NULL;
	e = g_new0(MdLedgerEntry, 1);
	e->subjects = g_ptr_array_new_with_free_func(g_free);
	e->tickets = g_ptr_array_new_with_free_func(ledger_ticket_free);
	e->messages = g_ptr_array_new_with_free_func(g_free);
	if (!g_variant_dict_lookup(d, "id", "s", &e->id) ||
	    !g_variant_dict_lookup(d, "action", "s", &e->action) ||
	    !g_variant_dict_lookup(d, "time", "x", &e->time)) {
		md_ledger_entry_free(e);
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "ledger record lacks its id, action or time");
		return NULL;
	}
	strv_into(d, "subjects", e->subjects);
	strv_into(d, "messages", e->messages);
	tickets = g_variant_dict_lookup_value(d, "tickets",
	    G_VARIANT_TYPE("a(tas)"));
	for (gsize i = 0; tickets != NULL && i < g_variant_n_children(tickets);
	    i++) {
		g_autoptr(GVariant) msgs = NULL;
		GPtrArray *into;
		guint64 n;

		g_variant_get_child(tickets, i, "(t@as)", &n, &msgs);
		into = md_ledger_entry_add_ticket(e, n);
		for (gsize j = 0; j < g_variant_n_children(msgs); j++) {
			const char *s = NULL;

			g_variant_get_child(msgs, j, "&s", &s);
			g_ptr_array_add(into, g_strdup(s));
		}
	}
	return e;
}

typedef struct {
	GPtrArray *entries;
	GError *error;
} Load;

static gboolean
load_one(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Load *l = user_data;
	MdLedgerEntry *e = entry_from_record(data, &l->error);

	if (e == NULL)
		return FALSE;
	g_ptr_array_add(l->entries, e);
	return TRUE;
}

GPtrArray *
md_ledger_load(MdTxn *txn, GError **error)
{
	g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_ledger_entry_free);
	Load l = { entries, NULL };

	if (!md_store_foreach(txn, MD_DB_LEDGER, NULL, 0, load_one, &l, error))
		return NULL;
	if (l.error != NULL) {
		g_propagate_error(error, l.error);
		return NULL;
	}
	return g_steal_pointer(&entries);
}

GHashTable *
md_ledger_ids(MdTxn *txn, GError **error)
{
	g_autoptr(GPtrArray) entries = md_ledger_load(txn, error);
	GHashTable *ids;

	if (entries == NULL)
		return NULL;
	ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < entries->len; i++) {
		MdLedgerEntry *e = g_ptr_array_index(entries, i);

		g_hash_table_add(ids, g_strdup(e->id));
	}
	return ids;
}
