/* SPDX-License-Identifier: MIT */
/*
 * Erasure ledger replay.  The wanted hashes of all entries go into two
 * tables; then one walk over the customers (their addresses, hashed) and
 * one over the Message-ID index (each key, hashed) find what is left.
 * Messages without a Message-ID are keyed by their raw digest; only when an
 * entry names such a one are all messages read.  Nothing here removes by
 * itself: md_privacy_remove() does, so an erasure and its replay are the
 * same code.
 */
#include <string.h>

#include "maildesk/error.h"
#include "maildesk/record.h"
#include "maildesk/replay.h"
#include "maildesk/ticket.h"

void
md_replay_match_free(MdReplayMatch *m)
{
	if (m == NULL)
		return;
	g_ptr_array_unref(m->customers);
	g_array_unref(m->tickets);
	g_array_unref(m->messages);
	g_free(m);
}

gboolean
md_replay_match_is_empty(const MdReplayMatch *m)
{
	return m->customers->len == 0 && m->tickets->len == 0 &&
	    m->messages->len == 0;
}

/* Where a wanted hash was named: which entry, and as what. */
typedef struct {
	guint entry;
	gboolean whole_ticket;	/* in a ticket removed whole */
} Want;

typedef struct {
	MdTxn *txn;
	GBytes *secret;
	GPtrArray *entries;	/* borrowed, of MdLedgerEntry */
	GPtrArray *matches;	/* of MdReplayMatch */
	GHashTable *subjects;	/* hash -> GArray of Want */
	GHashTable *messages;	/* key -> GArray of Want */
	gboolean any_digest;	/* some key is "digest:" */
	char *last_key;		/* the msgid index key hashed last */
	GArray *last_wants;	/* borrowed: its wants, or NULL */
	GError *error;
} Scan;

static void
want(GHashTable *table, const char *hash, guint entry, gboolean whole)
{
	GArray *a = g_hash_table_lookup(table, hash);
	Want w = { entry, whole };

	if (a == NULL) {
		a = g_array_new(FALSE, FALSE, sizeof(Want));
		g_hash_table_insert(table, g_strdup(hash), a);
	}
	g_array_append_val(a, w);
}

static void
add_ticket(MdReplayMatch *m, guint64 n)
{
	for (guint i = 0; i < m->tickets->len; i++)
		if (g_array_index(m->tickets, guint64, i) == n)
			return;
	g_array_append_val(m->tickets, n);
}

static void
add_message(MdReplayMatch *m, guint64 ticket, guint32 seq)
{
	MdMessageRef ref = { ticket, seq };

	for (guint i = 0; i < m->messages->len; i++) {
		MdMessageRef *r = &g_array_index(m->messages, MdMessageRef, i);

		if (r->ticket == ticket && r->seq == seq)
			return;
	}
	g_array_append_val(m->messages, ref);
}

/* Message @ticket/@seq carries a wanted key: note it for each want. */
static void
found_message(Scan *s, GArray *wants, guint64 ticket, guint32 seq,
    const MdMessage *m)
{
	for (guint i = 0; i < wants->len; i++) {
		Want *w = &g_array_index(wants, Want, i);
		const MdLedgerEntry *e = g_ptr_array_index(s->entries,
		    w->entry);
		MdReplayMatch *match = g_ptr_array_index(s->matches, w->entry);

		/* Newer than the erasure: not what it removed. */
		if (m->received_at > e->time || (m->flags & MD_MSG_ERASED))
			continue;
		if (w->whole_ticket)
			add_ticket(match, ticket);
		else
			add_message(match, ticket, seq);
	}
}

static gboolean
scan_customer(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Scan *s = user_data;
	g_autoptr(MdCustomer) c = md_customer_from_record(data->mv_data,
	    data->mv_size, &s->error);
	g_autoptr(GHashTable) taken = NULL;

	if (c == NULL)
		return FALSE;
	taken = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (guint i = 0; i <= c->former->len; i++) {
		const char *address = i == 0 ? c->email :
		    g_ptr_array_index(c->former, i - 1);
		g_autofree char *hash = md_privacy_subject_hash(s->secret,
		    address);
		GArray *wants = g_hash_table_lookup(s->subjects, hash);

		for (guint j = 0; wants != NULL && j < wants->len; j++) {
			Want *w = &g_array_index(wants, Want, j);
			const MdLedgerEntry *e = g_ptr_array_index(s->entries,
			    w->entry);
			MdReplayMatch *m = g_ptr_array_index(s->matches,
			    w->entry);

			/* A profile made after the erasure is someone
			 * writing again: not what it removed. */
			if (c->created_at > e->time ||
			    g_hash_table_contains(taken,
			    GUINT_TO_POINTER(w->entry + 1)))
				continue;
			g_hash_table_add(taken, GUINT_TO_POINTER(w->entry + 1));
			g_ptr_array_add(m->customers, md_customer_from_record(
			    data->mv_data, data->mv_size, NULL));
		}
	}
	return TRUE;
}

static gboolean
scan_msgid(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Scan *s = user_data;
	g_autoptr(MdMessage) m = NULL;
	guint64 ticket;
	guint32 seq;

	/* A dupsort key comes once for each of its values. */
	if (s->last_key == NULL || strlen(s->last_key) != key->mv_size ||
	    memcmp(s->last_key, key->mv_data, key->mv_size) != 0) {
		g_autofree char *hash = md_ledger_msgid_key(s->secret,
		    key->mv_data, key->mv_size);

		g_free(s->last_key);
		s->last_key = g_strndup(key->mv_data, key->mv_size);
		s->last_wants = g_hash_table_lookup(s->messages, hash);
	}
	if (s->last_wants == NULL || data->mv_size != 12)
		return TRUE;
	ticket = md_key_read_be64(data->mv_data);
	seq = md_key_read_be32((const guint8 *)data->mv_data + 8);
	/*
	 * A corrupt message stops the scan: whether it is what an erasure
	 * removed cannot be told.  A missing one is a dangling index entry,
	 * which check reports on its own.
	 */
	if (!md_ticket_lookup_message(s->txn, ticket, seq, &m, &s->error))
		return FALSE;
	if (m != NULL)
		found_message(s, s->last_wants, ticket, seq, m);
	return TRUE;
}

/* Messages without a Message-ID: only their digest names them. */
static gboolean
scan_digests(MdTicket *t, gpointer user_data)
{
	Scan *s = user_data;

	for (guint32 seq = 1; seq <= t->message_count; seq++) {
		g_autoptr(MdMessage) m = NULL;
		g_autofree char *k = NULL;
		GArray *wants;

		if (!md_ticket_lookup_message(s->txn, t->number, seq, &m,
		    &s->error))
			return FALSE;
		if (m == NULL || m->message_id != NULL)
			continue;
		k = md_ledger_message_key(s->secret, m);
		wants = g_hash_table_lookup(s->messages, k);
		if (wants != NULL)
			found_message(s, wants, t->number, seq, m);
	}
	return TRUE;
}

static void
scan_clear(Scan *s)
{
	g_clear_pointer(&s->secret, g_bytes_unref);
	g_clear_pointer(&s->subjects, g_hash_table_unref);
	g_clear_pointer(&s->messages, g_hash_table_unref);
	g_clear_pointer(&s->last_key, g_free);
}

GPtrArray *
md_replay_match(MdTxn *txn, GPtrArray *entries, GError **error)
{
	g_autoptr(GPtrArray) matches = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_replay_match_free);
	Scan s = { 0 };
	gboolean ok = FALSE;

	s.txn = txn;
	s.entries = entries;
	s.matches = matches;
	s.subjects = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)g_array_unref);
	s.messages = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)g_array_unref);
	for (guint i = 0; i < entries->len; i++) {
		MdLedgerEntry *e = g_ptr_array_index(entries, i);
		MdReplayMatch *m = g_new0(MdReplayMatch, 1);

		m->entry = e;
		m->customers = g_ptr_array_new_with_free_func(
		    (GDestroyNotify)md_customer_free);
		m->tickets = g_array_new(FALSE, FALSE, sizeof(guint64));
		m->messages = g_array_new(FALSE, FALSE, sizeof(MdMessageRef));
		g_ptr_array_add(matches, m);
		for (guint j = 0; j < e->subjects->len; j++)
			want(s.subjects, g_ptr_array_index(e->subjects, j), i,
			    FALSE);
		for (guint j = 0; j < e->tickets->len; j++) {
			MdLedgerTicket *t = g_ptr_array_index(e->tickets, j);

			for (guint k = 0; k < t->messages->len; k++)
				want(s.messages, g_ptr_array_index(
				    t->messages, k), i, TRUE);
		}
		for (guint j = 0; j < e->messages->len; j++)
			want(s.messages, g_ptr_array_index(e->messages, j), i,
			    FALSE);
	}
	if (entries->len == 0)
		return g_steal_pointer(&matches);
	{
		GHashTableIter it;
		gpointer k;

		g_hash_table_iter_init(&it, s.messages);
		while (g_hash_table_iter_next(&it, &k, NULL))
			s.any_digest |= g_str_has_prefix(k, "digest:");
	}
	s.secret = md_store_secret(txn, error);
	if (s.secret == NULL)
		goto out;
	if ((g_hash_table_size(s.subjects) > 0 &&
	    !md_store_foreach(txn, MD_DB_CUSTOMERS, NULL, 0, scan_customer,
	    &s, error)) ||
	    (s.error == NULL && g_hash_table_size(s.messages) > 0 &&
	    !md_store_foreach(txn, MD_DB_MSGID, NULL, 0, scan_msgid, &s,
	    error)) ||
	    (s.error == NULL && s.any_digest &&
	    !md_ticket_foreach(txn, scan_digests, &s, error)))
		goto out;
	if (s.error != NULL) {
		g_propagate_error(error, g_steal_pointer(&s.error));
		goto out;
	}
	ok = TRUE;
out:
	scan_clear(&s);
	return ok ? g_steal_pointer(&matches) : NULL;
}

void
md_replay_report_init(MdReplayReport *r)
{
	r->applied = 0;
	r->known = 0;
	md_privacy_report_init(&r->removed);
}

void
md_replay_report_clear(MdReplayReport *r)
{
	md_privacy_report_clear(&r->removed);
}

gboolean
md_replay_apply(MdTxn *txn, GPtrArray *entries, MdReplayReport *r,
    GError **error)
{
	g_autoptr(GHashTable) ids = md_ledger_ids(txn, error);
	g_autoptr(GPtrArray) todo = g_ptr_array_new();
	g_autoptr(GPtrArray) matches = NULL;
	g_autoptr(GPtrArray) customers = g_ptr_array_new();
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_int64_hash,
	    g_int64_equal, g_free, NULL);
	g_autoptr(GArray) tickets = g_array_new(FALSE, FALSE,
	    sizeof(guint64));
	g_autoptr(GArray) messages = g_array_new(FALSE, FALSE,
	    sizeof(MdMessageRef));
	MdEraseReport *removed = &r->removed;

	if (ids == NULL)
		return FALSE;
	for (guint i = 0; i < entries->len; i++) {
		MdLedgerEntry *e = g_ptr_array_index(entries, i);

		if (g_hash_table_contains(ids, e->id)) {
			r->known++;
			continue;
		}
		/* The same entry twice in what was given: once. */
		g_hash_table_add(ids, g_strdup(e->id));
		g_ptr_array_add(todo, e);
	}
	matches = md_replay_match(txn, todo, error);
	if (matches == NULL)
		return FALSE;
	for (guint i = 0; i < matches->len; i++) {
		MdReplayMatch *m = g_ptr_array_index(matches, i);

		for (guint j = 0; j < m->customers->len; j++) {
			MdCustomer *c = g_ptr_array_index(m->customers, j);

			if (g_hash_table_contains(seen, &c->id))
				continue;
			g_hash_table_add(seen, g_memdup2(&c->id,
			    sizeof(c->id)));
			g_ptr_array_add(customers, c);
		}
		g_array_append_vals(tickets, m->tickets->data,
		    m->tickets->len);
		g_array_append_vals(messages, m->messages->data,
		    m->messages->len);
	}
	if (!md_privacy_remove(txn, customers, tickets, messages, removed,
	    error))
		return FALSE;
	for (guint i = 0; i < todo->len; i++) {
		if (!md_ledger_append(txn, g_ptr_array_index(todo, i), error))
			return FALSE;
		r->applied++;
	}
	if (removed->tickets->len > 0 || removed->customers > 0 ||
	    removed->participant_messages > 0)
		return md_store_owe_compaction(txn, error);
	return TRUE;
}
