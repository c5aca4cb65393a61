/* SPDX-License-Identifier: MIT */
/*
 * Ticket model and message appending.  A message, its raw bytes and every
 * index entry pointing at it are written together in the caller's
 * transaction, so a reader never sees one without the others.
 */
#include <string.h>

#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/message-record.h"
#include "maildesk/open-tickets.h"
#include "maildesk/record.h"
#include "maildesk/search-queue.h"
#include "maildesk/ticket.h"

static const char *const status_names[] = {
	[MD_STATUS_NEW] = "new",
	[MD_STATUS_OPEN] = "open",
	[MD_STATUS_PENDING] = "pending",
	[MD_STATUS_RESOLVED] = "resolved",
	[MD_STATUS_CLOSED] = "closed",
};

static void
event_free(gpointer p)
{
	MdEvent *e = p;

	g_free(e->text);
	g_free(e);
}

MdTicket *
md_ticket_new(void)
{
	MdTicket *t = g_new0(MdTicket, 1);

	t->events = g_ptr_array_new_with_free_func(event_free);
	t->participants = g_array_new(FALSE, FALSE, sizeof(guint64));
	return t;
}

void
md_ticket_add_event(MdTicket *t, gint64 time, const char *text)
{
	MdEvent *e = g_new0(MdEvent, 1);

	e->time = time;
	e->text = g_strdup(text);
	g_ptr_array_add(t->events, e);
}

void
md_ticket_free(MdTicket *t)
{
	if (t == NULL)
		return;
	g_free(t->queue);
	g_free(t->subject);
	g_free(t->owner);
	g_free(t->hold_reason);
	g_ptr_array_unref(t->events);
	g_array_unref(t->participants);
	g_free(t);
}

const char *
md_ticket_status_name(MdStatus status)
{
	if ((gsize)status >= G_N_ELEMENTS(status_names))
		return "new";
	return status_names[status];
}

gboolean
md_ticket_status_from_name(const char *name, MdStatus *status)
{
	for (gsize i = 0; i < G_N_ELEMENTS(status_names); i++)
		if (g_strcmp0(name, status_names[i]) == 0) {
			*status = (MdStatus)i;
			return TRUE;
		}
	return FALSE;
}

void
md_ticket_set_status(MdTicket *t, MdStatus status, gint64 now)
{
	gboolean was_done = t->status == MD_STATUS_RESOLVED ||
	    t->status == MD_STATUS_CLOSED;
	gboolean done = status == MD_STATUS_RESOLVED ||
	    status == MD_STATUS_CLOSED;

	if (done && (!was_done || t->closed_at == 0))
		t->closed_at = now;
	else if (!done)
		t->closed_at = 0;
	t->status = status;
	t->updated_at = now;
}

/* @t's open-tickets entry; FALSE when it should have none. */
static gboolean
open_entry(const MdTicket *t, MdOpenTicket *o)
{
	if (t->status != MD_STATUS_NEW && t->status != MD_STATUS_OPEN &&
	    t->status != MD_STATUS_PENDING)
		return FALSE;
	o->number = t->number;
	o->status = (guint8)t->status;
	o->created_at = t->created_at;
	o->queue = t->queue;
	o->owner = t->owner;
	return TRUE;
}

/* Puts or removes @t's open-tickets entry, as its status says. */
static gboolean
index_open(MdTxn *txn, const MdTicket *t, GError **error)
{
	MdOpenTicket o;

	if (!open_entry(t, &o))
		return md_open_tickets_remove(txn, t->number, error);
	return md_open_tickets_put(txn, &o, error);
}

gboolean
md_ticket_open_entry_is_current(MdTxn *txn, const MdTicket *t)
{
	MdOpenTicket o;

	return md_open_tickets_matches(txn, t->number, open_entry(t, &o) ?
	    &o : NULL);
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
	MdOpenTicket o;

	if (!open_entry(t, &o))
		return TRUE;
	r->entries++;
	return md_open_tickets_put(r->txn, &o, &r->error);
}

gboolean
md_ticket_rebuild_open_index(MdTxn *txn, guint64 *entries, GError **error)
{
	Rebuild r = { txn, 0, NULL };

	if (!md_open_tickets_clear(txn, error) ||
	    !md_ticket_foreach(txn, rebuild_one, &r, error))
		return FALSE;
	if (r.error != NULL) {
		g_propagate_error(error, r.error);
		return FALSE;
	}
	*entries += r.entries;
	return md_open_tickets_mark_built(txn, error);
}

gboolean
md_ticket_ensure_open_index(MdTxn *txn, gboolean *built, GError **error)
{
	guint64 entries = 0;

	*built = FALSE;
	if (md_open_tickets_is_built(txn))
		return TRUE;
	if (!md_ticket_rebuild_open_index(txn, &entries, error))
		return FALSE;
	*built = TRUE;
	return TRUE;
}

MdTicket *
md_ticket_load(MdTxn *txn, guint64 number, GError **error)
{
	g_autoptr(GError) e = NULL;
	guint8 key[8];
	MDB_val v;

	md_key_be64(key, number);
	if (!md_store_get(txn, MD_DB_TICKETS, key, 8, &v, &e)) {
		if (g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND))
			g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND,
			    "no ticket %" G_GUINT64_FORMAT, number);
		else
			g_propagate_error(error, g_steal_pointer(&e));
		return NULL;
	}
	return md_ticket_from_record(v.mv_data, v.mv_size, error);
}

gboolean
md_ticket_lookup(MdTxn *txn, guint64 number, MdTicket **out, GError **error)
{
	guint8 key[8];
	gboolean found;
	MDB_val v;

	*out = NULL;
	md_key_be64(key, number);
	if (!md_store_lookup(txn, MD_DB_TICKETS, key, 8, &v, &found, error))
		return FALSE;
	if (found)
		*out = md_ticket_from_record(v.mv_data, v.mv_size, error);
	return !found || *out != NULL;
}

gboolean
md_ticket_save(MdTxn *txn, const MdTicket *t, GError **error)
{
	g_autoptr(GBytes) rec = md_ticket_to_record(t);
	guint8 key[8];
	gsize len;
	const void *data = g_bytes_get_data(rec, &len);

	md_key_be64(key, t->number);
	/* Whatever changed, the search index owes the ticket an update. */
	return md_store_put(txn, MD_DB_TICKETS, key, 8, data, len, 0,
	    error) && index_open(txn, t, error) &&
	    md_search_queue_mark(txn, t->number, error);
}

gboolean
md_ticket_set_next_number(MdTxn *txn, guint64 next, GError **error)
{
	MDB_val v;
	guint64 now = 1;
	guint8 buf[8];

	if (md_store_get(txn, MD_DB_META, "next-ticket", 11, &v, NULL) &&
	    v.mv_size == 8)
		now = md_key_read_be64(v.mv_data);
	if (next < now) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "the next ticket "
		    "number would be %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT
		    " is below it", now, next);
		return FALSE;
	}
	md_key_be64(buf, next);
	return md_store_put(txn, MD_DB_META, "next-ticket", 11, buf, 8, 0,
	    error);
}

MdTicket *
md_ticket_create(MdTxn *txn, const char *queue, const char *subject,
    guint64 customer_id, gint64 now, GError **error)
{
	g_autoptr(MdTicket) t = md_ticket_new();

	if (!md_store_next_id(txn, "next-ticket", &t->number, error))
		return NULL;
	t->queue = g_strdup(queue);
	t->subject = g_strdup(subject ? subject : "");
	t->status = MD_STATUS_NEW;
	t->customer_id = customer_id;
	t->created_at = now;
	t->updated_at = now;
	if (customer_id != 0 && !md_customer_link_ticket(txn, customer_id,
	    t->number, error))
		return NULL;
	if (!md_ticket_save(txn, t, error))
		return NULL;
	return g_steal_pointer(&t);
}

gboolean
md_ticket_append_message(MdTxn *txn, MdTicket *t, const MdMessage *m,
    const guint8 *raw, gsize raw_len, const char *dedupe_key, guint32 *seq,
    GError **error)
{
	g_autoptr(GBytes) rec = md_message_record_write(m);
	guint8 key[12];
	gsize len;
	const void *data = g_bytes_get_data(rec, &len);
	void *dst;

	*seq = t->message_count + 1;
	md_key_ticket_seq(key, t->number, *seq);
	if (!md_store_put(txn, MD_DB_MESSAGES, key, 12, data, len,
	    MDB_NOOVERWRITE, error))
		return FALSE;
	/* Reserve and copy: the raw bytes go straight into the map. */
	dst = md_store_reserve(txn, MD_DB_RAW, key, 12, raw_len, error);
	if (dst == NULL)
		return FALSE;
	if (raw_len > 0)
		memcpy(dst, raw, raw_len);
	if (m->message_id != NULL) {
		g_autofree char *k = md_store_key_text(m->message_id);

		if (!md_store_put(txn, MD_DB_MSGID, k, strlen(k), key, 12, 0,
		    error))
			return FALSE;
	}
	if (dedupe_key != NULL) {
		g_autofree char *k = md_store_key_text(dedupe_key);

		if (!md_store_put(txn, MD_DB_DEDUPE, k, strlen(k), key, 12, 0,
		    error))
			return FALSE;
	}
	t->message_count = *seq;
	if (m->received_at > t->updated_at)
		t->updated_at = m->received_at;
	return md_ticket_save(txn, t, error);
}

gboolean
md_ticket_update_message(MdTxn *txn, guint64 number, guint32 seq,
    const MdMessage *m, GError **error)
{
	g_autoptr(GBytes) rec = md_message_record_write(m);
	guint8 key[12];
	gsize len;
	const void *data = g_bytes_get_data(rec, &len);

	md_key_ticket_seq(key, number, seq);
	return md_store_put(txn, MD_DB_MESSAGES, key, 12, data, len, 0, error);
}

/* The raw key of the copy we sent of message @seq: its key and 'S'. */
static void
sent_key(guint8 out[13], guint64 number, guint32 seq)
{
	md_key_ticket_seq(out, number, seq);
	out[12] = 'S';
}

gboolean
md_ticket_save_sent(MdTxn *txn, guint64 number, guint32 seq, GBytes *data,
    GError **error)
{
	guint8 key[13];
	gsize len;
	const void *bytes = g_bytes_get_data(data, &len);

	sent_key(key, number, seq);
	return md_store_put(txn, MD_DB_RAW, key, 13, bytes, len, 0, error);
}

GBytes *
md_ticket_load_sent(MdTxn *txn, guint64 number, guint32 seq, GError **error)
{
	g_autoptr(GError) e = NULL;
	guint8 key[13];
	MDB_val v;

	sent_key(key, number, seq);
	if (md_store_get(txn, MD_DB_RAW, key, 13, &v, &e))
		return g_bytes_new(v.mv_data, v.mv_size);
	if (!g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND))
		g_propagate_error(error, g_steal_pointer(&e));
	return NULL;
}

gboolean
md_ticket_drop_sent(MdTxn *txn, guint64 number, guint32 seq, GError **error)
{
	guint8 key[13];

	sent_key(key, number, seq);
	return md_store_del(txn, MD_DB_RAW, key, 13, NULL, 0, error);
}

/* The record of message @seq, or a NOT_FOUND that says which. */
static gboolean
get_message_record(MdTxn *txn, MdDb db, guint64 number, guint32 seq,
    MDB_val *v, GError **error)
{
	g_autoptr(GError) e = NULL;
	guint8 key[12];

	md_key_ticket_seq(key, number, seq);
	if (md_store_get(txn, db, key, 12, v, &e))
		return TRUE;
	if (g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND))
		g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND,
		    "ticket %" G_GUINT64_FORMAT " has no message %u", number,
		    seq);
	else
		g_propagate_error(error, g_steal_pointer(&e));
	return FALSE;
}

MdMessage *
md_ticket_load_message(MdTxn *txn, guint64 number, guint32 seq,
    GError **error)
{
	MDB_val v;

	if (!get_message_record(txn, MD_DB_MESSAGES, number, seq, &v, error))
		return NULL;
	return md_message_record_read(v.mv_data, v.mv_size, error);
}

gboolean
md_ticket_lookup_message(MdTxn *txn, guint64 number, guint32 seq,
    MdMessage **out, GError **error)
{
	g_autoptr(GError) e = NULL;
	guint8 key[12];
	gboolean found;
	MDB_val v;

	*out = NULL;
	md_key_ticket_seq(key, number, seq);
	if (!md_store_lookup(txn, MD_DB_MESSAGES, key, 12, &v, &found,
	    error))
		return FALSE;
	if (!found)
		return TRUE;
	*out = md_message_record_read(v.mv_data, v.mv_size, &e);
	if (*out == NULL) {
		g_propagate_prefixed_error(error, g_steal_pointer(&e),
		    "ticket %" G_GUINT64_FORMAT " message %u: ", number, seq);
		return FALSE;
	}
	return TRUE;
}

GBytes *
md_ticket_load_raw(MdTxn *txn, guint64 number, guint32 seq, GError **error)
{
	MDB_val v;

	if (!get_message_record(txn, MD_DB_RAW, number, seq, &v, error))
		return NULL;
	return g_bytes_new(v.mv_data, v.mv_size);
}

typedef struct {
	MdTicketFunc fn;
	gpointer user_data;
	GError *error;
} EachTicket;

static gboolean
each_ticket(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	EachTicket *e = user_data;
	g_autoptr(MdTicket) t = md_ticket_from_record(data->mv_data,
	    data->mv_size, &e->error);

	if (t == NULL)
		return FALSE;
	return e->fn(t, e->user_data);
}

gboolean
md_ticket_foreach(MdTxn *txn, MdTicketFunc fn, gpointer user_data,
    GError **error)
{
	EachTicket e = { fn, user_data, NULL };

	if (!md_store_foreach(txn, MD_DB_TICKETS, NULL, 0, each_ticket, &e,
	    error))
		return FALSE;
	if (e.error != NULL) {
		g_propagate_error(error, e.error);
		return FALSE;
	}
	return TRUE;
}

typedef struct {
	guint64 number;
	guint64 skip;	/* the ticket's own customer */
	GArray *found;
} Links;

static gboolean
participant_one(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Links *l = user_data;
	guint64 customer;

	if (key->mv_size != 16 ||
	    md_key_read_be64((const guint8 *)key->mv_data + 8) != l->number)
		return TRUE;
	customer = md_key_read_be64(key->mv_data);
	if (customer != l->skip)
		g_array_append_val(l->found, customer);
	return TRUE;
}

GArray *
md_ticket_participants(MdTxn *txn, const MdTicket *t, GError **error)
{
	Links l = { t->number, t->customer_id, g_array_new(FALSE, FALSE,
	    sizeof(guint64)) };

	/* customer_tickets is keyed by customer: every entry is read. */
	if (!md_store_foreach(txn, MD_DB_CUSTOMER_TICKETS, NULL, 0,
	    participant_one, &l, error)) {
		g_array_unref(l.found);
		return NULL;
	}
	return l.found;
}

static gboolean
continued_one(MdTicket *t, gpointer user_data)
{
	Links *l = user_data;

	if (t->linked_to == l->number)
		g_array_append_val(l->found, t->number);
	return TRUE;
}

GArray *
md_ticket_continued_in(MdTxn *txn, guint64 number, GError **error)
{
	Links l = { number, 0, g_array_new(FALSE, FALSE, sizeof(guint64)) };

	if (!md_ticket_foreach(txn, continued_one, &l, error)) {
		g_array_unref(l.found);
		return NULL;
	}
	return l.found;
}

/* The record layout (record.h: versioned, unknown keys skipped). */

/* The people and the merge of @t (participants.c, merge.c). */
static void
put_people(GVariantDict *d, const MdTicket *t)
{
	if (t->participants->len > 0)
		g_variant_dict_insert_value(d, "participants",
		    g_variant_new_fixed_array(G_VARIANT_TYPE_UINT64,
		    t->participants->data, t->participants->len,
		    sizeof(guint64)));
	if (t->merged_into != 0)
		g_variant_dict_insert(d, "merged-into", "t", t->merged_into);
}

static void
get_people(GVariantDict *d, MdTicket *t)
{
	g_autoptr(GVariant) p = g_variant_dict_lookup_value(d, "participants",
	    G_VARIANT_TYPE("at"));
	gsize n = 0;
	const guint64 *ids = p ? g_variant_get_fixed_array(p, &n,
	    sizeof(guint64)) : NULL;

	if (n > 0)
		g_array_append_vals(t->participants, ids, (guint)n);
	t->merged_into = md_record_get_u64(d, "merged-into");
}

GBytes *
md_ticket_to_record(const MdTicket *t)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);

	g_variant_dict_insert(&d, "number", "t", t->number);
	md_record_put_str(&d, "queue", t->queue);
	md_record_put_str(&d, "status", md_ticket_status_name(t->status));
	md_record_put_str(&d, "subject", t->subject);
	g_variant_dict_insert(&d, "customer", "t", t->customer_id);
	g_variant_dict_insert(&d, "created", "x", t->created_at);
	g_variant_dict_insert(&d, "updated", "x", t->updated_at);
	g_variant_dict_insert(&d, "closed", "x", t->closed_at);
	g_variant_dict_insert(&d, "messages", "u", t->message_count);
	g_variant_dict_insert(&d, "linked", "t", t->linked_to);
	g_variant_dict_insert(&d, "cited", "t", t->cited);
	md_record_put_str(&d, "owner", t->owner);
	if (t->hold_until != 0) {
		g_variant_dict_insert(&d, "hold-until", "x", t->hold_until);
		md_record_put_str(&d, "hold-reason", t->hold_reason);
	}
	if (t->events->len > 0) {
		GVariantBuilder ev;

		g_variant_builder_init(&ev, G_VARIANT_TYPE("a(xs)"));
		for (guint i = 0; i < t->events->len; i++) {
			const MdEvent *e = g_ptr_array_index(t->events, i);

			g_variant_builder_add(&ev, "(xs)", e->time, e->text);
		}
		g_variant_dict_insert_value(&d, "events",
		    g_variant_builder_end(&ev));
	}
	put_people(&d, t);
	return md_record_close(&d);
}

MdTicket *
md_ticket_from_record(const void *data, gsize len, GError **error)
{
	g_autoptr(GVariantDict) d = md_record_open(data, len, "ticket", error);
	g_autoptr(MdTicket) t = NULL;
	g_autofree char *status = NULL;

	if (d == NULL)
		return NULL;
	t = md_ticket_new();
	t->number = md_record_get_u64(d, "number");
	t->queue = md_record_get_str(d, "queue");
	status = md_record_get_str(d, "status");
	if (status == NULL || !md_ticket_status_from_name(status, &t->status)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "ticket record has a bad status");
		return NULL;
	}
	t->subject = md_record_get_str(d, "subject");
	if (t->subject == NULL)
		t->subject = g_strdup("");
	if (t->queue == NULL)
		t->queue = g_strdup("");
	t->customer_id = md_record_get_u64(d, "customer");
	t->created_at = md_record_get_i64(d, "created");
	t->updated_at = md_record_get_i64(d, "updated");
	t->closed_at = md_record_get_i64(d, "closed");
	t->message_count = md_record_get_u32(d, "messages");
	t->linked_to = md_record_get_u64(d, "linked");
	t->cited = md_record_get_u64(d, "cited");
	t->owner = md_record_get_str(d, "owner");
	t->hold_until = md_record_get_i64(d, "hold-until");
	t->hold_reason = md_record_get_str(d, "hold-reason");
	{
		g_autoptr(GVariantIter) it = NULL;
		gint64 time;
		const char *text;

		if (g_variant_dict_lookup(d, "events", "a(xs)", &it))
			while (g_variant_iter_next(it, "(x&s)", &time, &text))
				md_ticket_add_event(t, time, text);
	}
	get_people(d, t);
	return g_steal_pointer(&t);
}
