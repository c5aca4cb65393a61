/* SPDX-License-Identifier: MIT */
/*
 * The open-tickets index.  An entry is
 *
 *   version (1), status (1), created_at (be64), queue NUL, owner NUL
 *
 * keyed by the ticket number (be64).  It is derived from the ticket record
 * alone, so it can always be rebuilt; md_ticket_save() keeps it in step in
 * the same transaction, and writes only when the entry changes, because
 * deliver saves a ticket on every mail.
 */
#include <string.h>

#include "maildesk/error.h"
#include "maildesk/open-tickets.h"

#define ENTRY_VERSION 2
#define HEAD_BYTES (1 + 1 + 8)

static gboolean
is_open(MdStatus status)
{
	return status == MD_STATUS_NEW || status == MD_STATUS_OPEN ||
	    status == MD_STATUS_PENDING;
}

static GByteArray *
entry_of(const MdTicket *t)
{
	GByteArray *b = g_byte_array_sized_new(64);
	guint8 head[HEAD_BYTES];
	const char *queue = t->queue ? t->queue : "";
	const char *owner = t->owner ? t->owner : "";

	head[0] = ENTRY_VERSION;
	head[1] = (guint8)t->status;
	md_key_be64(head + 2, (guint64)t->created_at);
	g_byte_array_append(b, head, sizeof(head));
	g_byte_array_append(b, (const guint8 *)queue, strlen(queue) + 1);
	g_byte_array_append(b, (const guint8 *)owner, strlen(owner) + 1);
	return b;
}

gboolean
md_open_tickets_remove(MdTxn *txn, guint64 number, GError **error)
{
	guint8 key[8];

	md_key_be64(key, number);
	return md_store_del(txn, MD_DB_OPEN_TICKETS, key, 8, NULL, 0, error);
}

/* TRUE if the stored entry of @t is @entry (NULL: there is none). */
static gboolean
stored_is(MdTxn *txn, const MdTicket *t, const GByteArray *entry)
{
	guint8 key[8];
	MDB_val v;
	gboolean has;

	md_key_be64(key, t->number);
	has = md_store_get(txn, MD_DB_OPEN_TICKETS, key, 8, &v, NULL);
	if (entry == NULL)
		return !has;
	return has && v.mv_size == entry->len &&
	    memcmp(v.mv_data, entry->data, entry->len) == 0;
}

gboolean
md_open_tickets_is_current(MdTxn *txn, const MdTicket *t)
{
	g_autoptr(GByteArray) entry = is_open(t->status) ? entry_of(t) : NULL;

	return stored_is(txn, t, entry);
}

gboolean
md_open_tickets_update(MdTxn *txn, const MdTicket *t, GError **error)
{
	g_autoptr(GByteArray) entry = NULL;
	guint8 key[8];

	if (!is_open(t->status))
		return md_open_tickets_remove(txn, t->number, error);
	entry = entry_of(t);
	if (stored_is(txn, t, entry))
		return TRUE;
	md_key_be64(key, t->number);
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
	o->status = (MdStatus)p[1];
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

typedef struct {
	MdTxn *txn;
	guint64 entries;
	GError *error;
} Rebuild;

static gboolean
rebuild_one(MdTicket *t, gpointer user_data)
{
	Rebuild *r = user_data;

	if (!is_open(t->status))
		return TRUE;
	r->entries++;
	return md_open_tickets_update(r->txn, t, &r->error);
}

gboolean
md_open_tickets_rebuild(MdTxn *txn, guint64 *entries, GError **error)
{
	Rebuild r = { txn, 0, NULL };

	if (!md_store_clear(txn, MD_DB_OPEN_TICKETS, error) ||
	    !md_ticket_foreach(txn, rebuild_one, &r, error))
		return FALSE;
	if (r.error != NULL) {
		g_propagate_error(error, r.error);
		return FALSE;
	}
	*entries += r.entries;
	return TRUE;
}

/* The meta key saying the index is complete. */
#define MARK "open-tickets-index"

gboolean
md_open_tickets_is_built(MdTxn *txn)
{
	MDB_val v;

	return md_store_get(txn, MD_DB_META, MARK, strlen(MARK), &v, NULL);
}

gboolean
md_open_tickets_ensure(MdTxn *txn, gboolean *built, GError **error)
{
	guint64 entries = 0;

	*built = FALSE;
	if (md_open_tickets_is_built(txn))
		return TRUE;
	if (!md_open_tickets_rebuild(txn, &entries, error) ||
	    !md_store_put(txn, MD_DB_META, MARK, strlen(MARK), "1", 1, 0,
	    error))
		return FALSE;
	*built = TRUE;
	return TRUE;
}
