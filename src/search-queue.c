/* SPDX-License-Identifier: MIT */
/*
 * The search queue in the store.  A due ticket carries the id of the write
 * transaction that marked it; the indexer deletes the mark only if that
 * id is unchanged, so a change committed while it indexed is never lost.
 * Never links the search engine: the lean deliver binary carries this.
 */
#include <string.h>

#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/record.h"
#include "maildesk/search-queue.h"

#define KIND_TICKET 't'
#define KIND_REQUEST 'r'
#define MAX_QUERY_CHARS 500

static void
due_key(guint8 key[9], char kind, guint64 n)
{
	key[0] = (guint8)kind;
	md_key_be64(key + 1, n);
}

gboolean
md_search_queue_mark(MdTxn *txn, guint64 ticket, GError **error)
{
	guint8 key[9], stamp[8];

	due_key(key, KIND_TICKET, ticket);
	md_key_be64(stamp, md_store_txn_id(txn));
	return md_store_put(txn, MD_DB_SEARCH_QUEUE, key, 9, stamp, 8, 0,
	    error);
}

gboolean
md_search_queue_mark_customer(MdTxn *txn, guint64 id, GError **error)
{
	g_autoptr(GArray) tickets = md_customer_tickets(txn, id, error);

	if (tickets == NULL)
		return FALSE;
	for (guint i = 0; i < tickets->len; i++)
		if (!md_search_queue_mark(txn, g_array_index(tickets, guint64,
		    i), error))
			return FALSE;
	return TRUE;
}

typedef struct {
	GArray *out;
	guint64 after;
	guint left;
} Due;

static gboolean
collect_due(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Due *d = user_data;
	MdSearchDue due;

	if (d->left == 0)
		return FALSE;
	if (key->mv_size != 9 || data->mv_size != 8)
		return TRUE;
	due.ticket = md_key_read_be64((const guint8 *)key->mv_data + 1);
	if (due.ticket <= d->after)
		return TRUE;
	due.stamp = md_key_read_be64(data->mv_data);
	g_array_append_val(d->out, due);
	d->left--;
	return d->left > 0;
}

gboolean
md_search_queue_due(MdTxn *txn, guint64 after, guint max, GArray *out,
    GError **error)
{
	Due d = { out, after, max };
	guint8 start[9];

	/* From ticket @after on, while the keys are tickets'. */
	due_key(start, KIND_TICKET, after);
	return md_store_foreach_from(txn, MD_DB_SEARCH_QUEUE, start, 9, 1,
	    collect_due, &d, error);
}

gboolean
md_search_queue_done(MdTxn *txn, const MdSearchDue *due, guint n,
    GError **error)
{
	for (guint i = 0; i < n; i++) {
		guint8 key[9];
		MDB_val v;

		due_key(key, KIND_TICKET, due[i].ticket);
		if (!md_store_get(txn, MD_DB_SEARCH_QUEUE, key, 9, &v, NULL) ||
		    v.mv_size != 8 ||
		    md_key_read_be64(v.mv_data) != due[i].stamp)
			continue;
		if (!md_store_del(txn, MD_DB_SEARCH_QUEUE, key, 9, NULL, 0,
		    error))
			return FALSE;
	}
	return TRUE;
}

MdSearchRequest *
md_search_request_new(void)
{
	return g_new0(MdSearchRequest, 1);
}

void
md_search_request_free(MdSearchRequest *r)
{
	if (r == NULL)
		return;
	g_free(r->agent);
	g_free(r->query);
	g_free(r->recipient);
	g_free(r->queue);
	g_free(r->message_id);
	g_free(r);
}

char *
md_search_queue_request_query(const char *text)
{
	const char *p = text;
	g_autofree char *line = NULL;
	char *q;

	if (p == NULL)
		return NULL;
	while (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
		p++;
	line = g_strndup(p, strcspn(p, "\r\n"));
	g_strstrip(line);
	if (g_ascii_strncasecmp(line, "#search", 7) != 0 ||
	    (line[7] != ' ' && line[7] != '\t'))
		return NULL;
	q = g_strstrip(g_strdup(line + 8));
	if (q[0] == '\0' || !g_utf8_validate(q, -1, NULL)) {
		g_free(q);
		return NULL;
	}
	if (g_utf8_strlen(q, -1) > MAX_QUERY_CHARS)
		*g_utf8_offset_to_pointer(q, MAX_QUERY_CHARS) = '\0';
	return q;
}

static void
put_str(GVariantDict *d, const char *key, const char *value)
{
	if (value != NULL)
		g_variant_dict_insert(d, key, "s", value);
}

gboolean
md_search_queue_add_request(MdTxn *txn, MdSearchRequest *r, GError **error)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
	g_autoptr(GBytes) rec = NULL;
	guint8 key[9];
	const void *data;
	gsize len;

	if (!md_store_next_id(txn, "next-search-request", &r->id, error))
		return FALSE;
	put_str(&d, "agent", r->agent);
	put_str(&d, "query", r->query);
	put_str(&d, "recipient", r->recipient);
	put_str(&d, "queue", r->queue);
	put_str(&d, "message_id", r->message_id);
	g_variant_dict_insert(&d, "received", "x", r->received_at);
	rec = md_record_close(&d);
	data = g_bytes_get_data(rec, &len);
	due_key(key, KIND_REQUEST, r->id);
	return md_store_put(txn, MD_DB_SEARCH_QUEUE, key, 9, data, len, 0,
	    error);
}

typedef struct {
	GPtrArray *out;
	GError *error;
} Requests;

static gboolean
collect_request(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Requests *rq = user_data;
	g_autoptr(GVariantDict) d = NULL;
	MdSearchRequest *r;

	if (key->mv_size != 9)
		return TRUE;
	d = md_record_open(data->mv_data, data->mv_size, "search request",
	    &rq->error);
	if (d == NULL)
		return FALSE;
	r = md_search_request_new();
	r->id = md_key_read_be64((const guint8 *)key->mv_data + 1);
	g_variant_dict_lookup(d, "agent", "s", &r->agent);
	g_variant_dict_lookup(d, "query", "s", &r->query);
	g_variant_dict_lookup(d, "recipient", "s", &r->recipient);
	g_variant_dict_lookup(d, "queue", "s", &r->queue);
	g_variant_dict_lookup(d, "message_id", "s", &r->message_id);
	g_variant_dict_lookup(d, "received", "x", &r->received_at);
	if (r->agent == NULL || r->query == NULL) {
		md_search_request_free(r);
		return TRUE;
	}
	if (r->queue == NULL)
		r->queue = g_strdup("");
	g_ptr_array_add(rq->out, r);
	return TRUE;
}

GPtrArray *
md_search_queue_requests(MdTxn *txn, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_search_request_free);
	Requests rq = { out, NULL };
	guint8 prefix = KIND_REQUEST;

	if (!md_store_foreach(txn, MD_DB_SEARCH_QUEUE, &prefix, 1,
	    collect_request, &rq, error))
		return NULL;
	if (rq.error != NULL) {
		g_propagate_error(error, rq.error);
		return NULL;
	}
	return g_steal_pointer(&out);
}

gboolean
md_search_queue_take_request(MdTxn *txn, guint64 id, gboolean *taken,
    GError **error)
{
	guint8 key[9];
	MDB_val v;

	due_key(key, KIND_REQUEST, id);
	*taken = md_store_get(txn, MD_DB_SEARCH_QUEUE, key, 9, &v, NULL);
	if (!*taken)
		return TRUE;
	return md_store_del(txn, MD_DB_SEARCH_QUEUE, key, 9, NULL, 0, error);
}

gboolean
md_search_queue_drop_requests(MdTxn *txn, guint *count, GError **error)
{
	g_autoptr(GPtrArray) all = md_search_queue_requests(txn, error);

	if (all == NULL)
		return FALSE;
	for (guint i = 0; i < all->len; i++) {
		MdSearchRequest *r = g_ptr_array_index(all, i);
		gboolean taken;

		if (!md_search_queue_take_request(txn, r->id, &taken, error))
			return FALSE;
		if (taken)
			(*count)++;
	}
	return TRUE;
}
