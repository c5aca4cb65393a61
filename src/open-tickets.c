/* SPDX-License-Identifier: MIT */
/*
 * The open-tickets index.  An entry is
 *
 *   version (1), status (1), created_at (be64), queue NUL, owner NUL
 *
 * keyed by the ticket number (be64).  It is derived from the ticket record
 * alone, so it can always be rebuilt; md_ticket_save() keeps it in step in
 * the same transaction, and it is written only when it changes, because
 * deliver saves a ticket on every mail.
 */
#include <string.h>

#include "maildesk/error.h"
#include "maildesk/open-tickets.h"

#define ENTRY_VERSION 2
#define HEAD_BYTES (1 + 1 + 8)
/* The meta key saying the index is complete. */
#define MARK "open-tickets-index"

static GByteArray *
entry_of(const MdOpenTicket *o)
{
	GByteArray *b = g_byte_array_sized_new(64);
	guint8 head[HEAD_BYTES];
	const char *queue = o->queue ? o->queue : "";
	const char *owner = o->owner ? o->owner : "";

	head[0] = ENTRY_VERSION;
	head[1] = o->status;
	md_key_be64(head + 2, (guint64)o->created_at);
	g_byte_array_append(b, head, sizeof(head));
	g_byte_array_append(b, (const guint8 *)queue, strlen(queue) + 1);
	g_byte_array_append(b, (const guint8 *)owner, strlen(owner) + 1);
	return b;
}

/* TRUE if the stored entry of @number is @entry (NULL: there is none). */
static gboolean
stored_is(MdTxn *txn, guint64 number, const GByteArray *entry)
{
	guint8 key[8];
	MDB_val v;
	gboolean has;

	md_key_be64(key, number);
	has = md_store_get(txn, MD_DB_OPEN_TICKETS, key, 8, &v, NULL);
	if (entry == NULL)
		return !has;
	return has && v.mv_size == entry->len &&
	    memcmp(v.mv_data, entry->data, entry->len) == 0;
}

gboolean
md_open_tickets_matches(MdTxn *txn, guint64 number, const MdOpenTicket *o)
{
	g_autoptr(GByteArray) entry = o ? entry_of(o) : NULL;

	return stored_is(txn, number, entry);
}

gboolean
md_open_tickets_remove(MdTxn *txn, guint64 number, GError **error)
{
	guint8 key[8];

	md_key_be64(key, number);
	return md_store_del(txn, MD_DB_OPEN_TICKETS, key, 8, NULL, 0, error);
}

gboolean
md_open_tickets_put(MdTxn *txn, const MdOpenTicket *o, GError **error)
{
	g_autoptr(GByteArray) entry = entry_of(o);
	guint8 key[8];

	if (stored_is(txn, o->number, entry))
		return TRUE;
	md_key_be64(key, o->number);
	return md_store_put(txn, MD_DB_OPEN_TICKETS, key, 8, entry->data,
	    entry->len, 0, error);
}

/* Reads an entry; FALSE when it is not one this version wrote. */
static gboolean
parse_entry(const MDB_val *key, const MDB_val *data, MdOpenTicket *o)
{
	const guint8 *p = data->mv_data;
	const char *queue, *owner, *end;

	if (key->mv_size != 8 || data->mv_size < HEAD_BYTES + 2 ||
	    p[0] != ENTRY_VERSION || p[data->mv_size - 1] != '\0')
		return FALSE;
	queue = (const char *)p + HEAD_BYTES;
	end = (const char *)p + data->mv_size;
	owner = queue + strlen(queue) + 1;
	if (owner >= end)
		return FALSE;
	o->number = md_key_read_be64(key->mv_data);
	o->status = p[1];
	o->created_at = (gint64)md_key_read_be64(p + 2);
	o->queue = queue;
	o->owner = owner;
	return TRUE;
}

typedef struct {
	MdOpenTicketFunc fn;
	gpointer user_data;
	gboolean bad;
} Each;

static gboolean
each_entry(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Each *e = user_data;
	MdOpenTicket o;

	if (!parse_entry(key, data, &o)) {
		e->bad = TRUE;
		return FALSE;
	}
	return e->fn(&o, e->user_data);
}

gboolean
md_open_tickets_foreach(MdTxn *txn, MdOpenTicketFunc fn, gpointer user_data,
    GError **error)
{
	Each e = { fn, user_data, FALSE };

	if (!md_store_foreach(txn, MD_DB_OPEN_TICKETS, NULL, 0, each_entry, &e,
	    error))
		return FALSE;
	if (e.bad) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "open-tickets "
		    "index: unreadable entry (maildesk check --repair "
		    "rebuilds it)");
		return FALSE;
	}
	return TRUE;
}

gboolean
md_open_tickets_clear(MdTxn *txn, GError **error)
{
	return md_store_clear(txn, MD_DB_OPEN_TICKETS, error);
}

gboolean
md_open_tickets_is_built(MdTxn *txn)
{
	MDB_val v;

	return md_store_get(txn, MD_DB_META, MARK, strlen(MARK), &v, NULL);
}

gboolean
md_open_tickets_mark_built(MdTxn *txn, GError **error)
{
	return md_store_put(txn, MD_DB_META, MARK, strlen(MARK), "1", 1, 0,
	    error);
}
