/* SPDX-License-Identifier: MIT */
/*
 * Merge.  Everything is moved, nothing copied: a message lives in exactly
 * one ticket, and every index entry that pointed at it points at its new
 * place, so `check` stays clean and an erasure finds all of it.  The
 * stub keeps its number, customer and subject (a person may still cite
 * them) and nothing else.  Across customers a merge hands one customer's
 * mail to another's ticket: refused unless forced, and audited always.
 */
#include <string.h>

#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/merge.h"
#include "maildesk/outbox.h"
#include "maildesk/participants.h"
#include "maildesk/privacy.h"
#include "maildesk/sla.h"

gboolean
md_merge_parse_number(const char *s, guint64 *number)
{
	guint64 n;

	if (s != NULL && s[0] == '#')
		s++;
	if (s == NULL || !g_ascii_isdigit(s[0]) ||
	    !g_ascii_string_to_unsigned(s, 10, 1, G_MAXINT64, &n, NULL))
		return FALSE;
	*number = n;
	return TRUE;
}

guint64
md_merge_target(MdTxn *txn, guint64 number)
{
	guint64 n = number;

	for (int hop = 0; hop < MD_MERGE_MAX_HOPS; hop++) {
		g_autoptr(MdTicket) t = md_ticket_load(txn, n, NULL);

		if (t == NULL || t->merged_into == 0)
			return n;
		n = t->merged_into;
	}
	return number;
}

gboolean
md_merge_check(const MdTicket *from, const MdTicket *into, gboolean force,
    GError **error)
{
	if (from->number == into->number) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "ticket %"
		    G_GUINT64_FORMAT " cannot be merged into itself",
		    from->number);
		return FALSE;
	}
	if (from->merged_into != 0 || into->merged_into != 0) {
		const MdTicket *stub = from->merged_into ? from : into;

		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "ticket %"
		    G_GUINT64_FORMAT " was merged into ticket %"
		    G_GUINT64_FORMAT " already", stub->number,
		    stub->merged_into);
		return FALSE;
	}
	if (!force && from->customer_id != 0 && into->customer_id != 0 &&
	    from->customer_id != into->customer_id) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "tickets %"
		    G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT " belong to "
		    "different customers (maildesk ticket merge --force "
		    "moves one's mail into the other's ticket)", from->number,
		    into->number);
		return FALSE;
	}
	return TRUE;
}

typedef struct {
	guint64 from;
	guint64 into;
	guint32 offset;
	GPtrArray *keys;	/* of GBytes: index keys to repoint */
	GPtrArray *values;	/* of GBytes: their old values */
} Repoint;

static gboolean
collect(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Repoint *r = user_data;

	if (data->mv_size == 12 && md_key_read_be64(data->mv_data) ==
	    r->from) {
		g_ptr_array_add(r->keys, g_bytes_new(key->mv_data,
		    key->mv_size));
		g_ptr_array_add(r->values, g_bytes_new(data->mv_data, 12));
	}
	return TRUE;
}

/* Every entry of index @db that points into r->from, to r->into. */
static gboolean
repoint(MdTxn *txn, MdDb db, Repoint *r, GError **error)
{
	g_ptr_array_set_size(r->keys, 0);
	g_ptr_array_set_size(r->values, 0);
	if (!md_store_foreach(txn, db, NULL, 0, collect, r, error))
		return FALSE;
	for (guint i = 0; i < r->keys->len; i++) {
		gsize klen;
		const void *k = g_bytes_get_data(g_ptr_array_index(r->keys, i),
		    &klen);
		const guint8 *old = g_bytes_get_data(g_ptr_array_index(
		    r->values, i), NULL);
		guint8 now[12];

		md_key_ticket_seq(now, r->into, md_key_read_be32(old + 8) +
		    r->offset);
		/* msgid holds duplicates: drop exactly the old value. */
		if (!md_store_del(txn, db, k, klen, old, 12, error) ||
		    !md_store_put(txn, db, k, klen, now, 12, 0, error))
			return FALSE;
	}
	return TRUE;
}

/* Moves the value of @db at @old to @now; missing is fine. */
static gboolean
move_value(MdTxn *txn, MdDb db, const guint8 *old, gsize klen,
    const guint8 *now, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(GBytes) copy = NULL;
	MDB_val v;

	if (!md_store_get(txn, db, old, klen, &v, &e)) {
		if (g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	}
	/* The value points into the map: copy before the next write. */
	copy = g_bytes_new(v.mv_data, v.mv_size);
	return md_store_put(txn, db, now, klen, g_bytes_get_data(copy, NULL),
	    g_bytes_get_size(copy), MDB_NOOVERWRITE, error) &&
	    md_store_del(txn, db, old, klen, NULL, 0, error);
}

static gboolean
move_messages(MdTxn *txn, const MdTicket *from, const MdTicket *into,
    GError **error)
{
	for (guint32 s = 1; s <= from->message_count; s++) {
		guint8 old[13], now[13];

		md_key_ticket_seq(old, from->number, s);
		md_key_ticket_seq(now, into->number, into->message_count + s);
		old[12] = now[12] = 'S';
		if (!move_value(txn, MD_DB_MESSAGES, old, 12, now, error) ||
		    !move_value(txn, MD_DB_RAW, old, 12, now, error) ||
		    !move_value(txn, MD_DB_RAW, old, 13, now, error))
			return FALSE;
	}
	return TRUE;
}

static int
by_time(gconstpointer a, gconstpointer b)
{
	const MdEvent *x = *(MdEvent *const *)a, *y = *(MdEvent *const *)b;

	return x->time < y->time ? -1 : x->time > y->time;
}

/* Mail queued about @from is about @into, at the moved message. */
static gboolean
move_outbox(MdTxn *txn, guint64 from, guint64 into, guint32 offset,
    GError **error)
{
	g_autoptr(GPtrArray) queued = md_outbox_list_ticket(txn, from, error);

	if (queued == NULL)
		return FALSE;
	for (guint i = 0; i < queued->len; i++) {
		MdOutboxEntry *e = g_ptr_array_index(queued, i);

		e->ticket = into;
		e->seq += offset;
		if (!md_outbox_update(txn, e, error))
			return FALSE;
	}
	return TRUE;
}

/* Everyone linked to @from (customer, participants, writers) to @into. */
static gboolean
move_people(MdTxn *txn, MdTicket *from, MdTicket *into, GError **error)
{
	g_autoptr(GArray) linked = md_ticket_participants(txn, from, error);

	if (linked == NULL)
		return FALSE;
	if (from->customer_id != 0)
		g_array_append_val(linked, from->customer_id);
	for (guint i = 0; i < linked->len; i++)
		if (!md_customer_link_ticket(txn, g_array_index(linked,
		    guint64, i), into->number, error))
			return FALSE;
	/* Who got the answers in Cc still does; so does a forced-in customer. */
	if (from->customer_id != 0 && from->customer_id != into->customer_id &&
	    !md_participants_has(into, from->customer_id) &&
	    into->participants->len < MD_PARTICIPANTS_MAX)
		g_array_append_val(into->participants, from->customer_id);
	if (into->customer_id == 0)
		into->customer_id = from->customer_id;
	for (guint i = 0; i < from->participants->len; i++) {
		guint64 id = g_array_index(from->participants, guint64, i);

		if (id != into->customer_id && !md_participants_has(into, id) &&
		    into->participants->len < MD_PARTICIPANTS_MAX)
			g_array_append_val(into->participants, id);
	}
	g_array_set_size(from->participants, 0);
	return TRUE;
}

gboolean
md_merge(MdTxn *txn, MdTicket *from, MdTicket *into, gboolean force,
    gint64 now, GError **error)
{
	Repoint r = { from->number, into->number, into->message_count,
		g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref),
		g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref) };
	g_autoptr(GArray) both = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_autofree char *into_event = NULL, *from_event = NULL;
	gboolean ok;

	if (!md_merge_check(from, into, force, error))
		goto fail;
	if (!move_messages(txn, from, into, error) ||
	    !repoint(txn, MD_DB_MSGID, &r, error) ||
	    !repoint(txn, MD_DB_DEDUPE, &r, error) ||
	    !move_outbox(txn, from->number, into->number,
	    into->message_count, error) ||
	    !move_people(txn, from, into, error))
		goto fail;
	g_ptr_array_unref(r.keys);
	g_ptr_array_unref(r.values);

	/* A legal hold on either keeps the mail that is now in one. */
	if (from->hold_until > into->hold_until) {
		into->hold_until = from->hold_until;
		g_free(into->hold_reason);
		into->hold_reason = g_strdup(from->hold_reason);
	}
	into->message_count += from->message_count;
	if (from->updated_at > into->updated_at)
		into->updated_at = from->updated_at;
	for (guint i = 0; i < from->events->len; i++) {
		MdEvent *e = g_ptr_array_index(from->events, i);

		md_ticket_add_event(into, e->time, e->text);
	}
	g_ptr_array_sort(into->events, by_time);
	into_event = g_strdup_printf("ticket %" G_GUINT64_FORMAT " was "
	    "merged into this one%s", from->number, force &&
	    from->customer_id != into->customer_id ? " (another customer's, "
	    "forced)" : "");
	md_ticket_add_event(into, now, into_event);

	from->message_count = 0;
	g_ptr_array_set_size(from->events, 0);
	from_event = g_strdup_printf("merged into ticket %" G_GUINT64_FORMAT,
	    into->number);
	md_ticket_add_event(from, now, from_event);
	from->merged_into = into->number;
	md_ticket_set_status(from, MD_STATUS_CLOSED, now);

	g_array_append_val(both, from->number);
	g_array_append_val(both, into->number);
	/* A stub waits for nobody: no service levels, nothing due. */
	ok = md_ticket_save(txn, into, error) &&
	    md_ticket_save(txn, from, error) &&
	    md_sla_drop(txn, from->number, error) &&
	    md_privacy_audit(txn, "merge", NULL, both, force ? "forced" : NULL,
	    now, error);
	return ok;
fail:
	g_ptr_array_unref(r.keys);
	g_ptr_array_unref(r.values);
	return FALSE;
}
