/* SPDX-License-Identifier: MIT */
/*
 * Erasure and expiry over every table.  Indexes are found by scanning, not
 * by recomputing their keys: a key made by an older version, or under a
 * configuration since changed, must not survive an erasure.  Every erase
 * and expire that removes something records it in the erasure ledger in
 * the same transaction.  After the transaction the freed pages still hold
 * the bytes; the caller compacts.
 */
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "maildesk/error.h"
#include "maildesk/ledger.h"
#include "maildesk/open-tickets.h"
#include "maildesk/outbox.h"
#include "maildesk/participants.h"
#include "maildesk/privacy.h"
#include "maildesk/ratelimit.h"
#include "maildesk/message-record.h"
#include "maildesk/record.h"
#include "maildesk/sla.h"
#include "maildesk/search-queue.h"
#include "maildesk/ticket.h"

void
md_privacy_report_init(MdEraseReport *r)
{
	memset(r, 0, sizeof(*r));
	r->tickets = g_array_new(FALSE, FALSE, sizeof(guint64));
	r->kept = g_ptr_array_new_with_free_func(g_free);
	r->ledger = NULL;
}

void
md_privacy_report_clear(MdEraseReport *r)
{
	g_clear_pointer(&r->tickets, g_array_unref);
	g_clear_pointer(&r->kept, g_ptr_array_unref);
	g_clear_pointer(&r->ledger, md_ledger_entry_free);
}

char *
md_privacy_subject_hash(GBytes *secret, const char *address)
{
	g_autofree char *lower = g_utf8_strdown(address, -1);
	gsize klen;
	const guchar *key = g_bytes_get_data(secret, &klen);
	g_autofree char *mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256,
	    key, klen, lower, -1);

	return g_strconcat("hmac-sha256:", mac, NULL);
}

char *
md_privacy_actor(void)
{
	const char *sudo = g_getenv("SUDO_USER");
	struct passwd *pw = getpwuid(getuid());

	if (sudo != NULL && sudo[0] != '\0')
		return g_strdup_printf("%s (via sudo as %s)", sudo,
		    pw ? pw->pw_name : "?");
	return g_strdup(pw ? pw->pw_name : "unknown");
}

gboolean
md_privacy_audit(MdTxn *txn, const char *action, const char *address,
    GArray *tickets, const char *detail, gint64 now, GError **error)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(GBytes) secret = NULL;
	g_autofree char *actor = md_privacy_actor();
	GVariantBuilder nums;
	guint64 id;
	guint8 key[8];
	gsize len;
	const void *data;

	if (!md_store_next_id(txn, "next-audit", &id, error))
		return FALSE;
	g_variant_dict_insert(&d, "time", "x", now);
	g_variant_dict_insert(&d, "actor", "s", actor);
	g_variant_dict_insert(&d, "action", "s", action);
	if (address != NULL) {
		g_autofree char *hash = NULL;

		secret = md_store_secret(txn, error);
		if (secret == NULL)
			return FALSE;
		hash = md_privacy_subject_hash(secret, address);
		g_variant_dict_insert(&d, "subject", "s", hash);
	}
	g_variant_builder_init(&nums, G_VARIANT_TYPE("at"));
	for (guint i = 0; tickets != NULL && i < tickets->len; i++)
		g_variant_builder_add(&nums, "t", g_array_index(tickets,
		    guint64, i));
	g_variant_dict_insert_value(&d, "tickets", g_variant_builder_end(
	    &nums));
	if (detail != NULL)
		g_variant_dict_insert(&d, "detail", "s", detail);
	rec = md_record_close(&d);
	data = g_bytes_get_data(rec, &len);
	md_key_be64(key, id);
	return md_store_put(txn, MD_DB_AUDIT, key, 8, data, len, 0, error);
}

typedef struct {
	MdAuditFunc fn;
	gpointer user_data;
	GError *error;
} AuditScan;

static gboolean
audit_one(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	AuditScan *a = user_data;
	g_autoptr(GVariantDict) d = md_record_open(data->mv_data,
	    data->mv_size, "audit", &a->error);
	g_autofree char *actor = NULL, *action = NULL, *subject = NULL;
	g_autofree char *detail = NULL;
	g_autoptr(GVariant) nums = NULL;
	g_autoptr(GArray) tickets = g_array_new(FALSE, FALSE,
	    sizeof(guint64));
	MdAuditEntry e = { 0 };

	if (d == NULL)
		return FALSE;
	g_variant_dict_lookup(d, "time", "x", &e.time);
	g_variant_dict_lookup(d, "actor", "s", &actor);
	g_variant_dict_lookup(d, "action", "s", &action);
	g_variant_dict_lookup(d, "subject", "s", &subject);
	g_variant_dict_lookup(d, "detail", "s", &detail);
	nums = g_variant_dict_lookup_value(d, "tickets", G_VARIANT_TYPE("at"));
	for (gsize i = 0; nums != NULL && i < g_variant_n_children(nums);
	    i++) {
		guint64 n;

		g_variant_get_child(nums, i, "t", &n);
		g_array_append_val(tickets, n);
	}
	e.actor = actor ? actor : "";
	e.action = action ? action : "";
	e.subject = subject;
	e.detail = detail;
	e.tickets = tickets;
	return a->fn(&e, a->user_data);
}

gboolean
md_privacy_audit_foreach(MdTxn *txn, MdAuditFunc fn, gpointer user_data,
    GError **error)
{
	AuditScan a = { fn, user_data, NULL };

	if (!md_store_foreach(txn, MD_DB_AUDIT, NULL, 0, audit_one, &a, error))
		return FALSE;
	if (a.error != NULL) {
		g_propagate_error(error, a.error);
		return FALSE;
	}
	return TRUE;
}

char *
md_privacy_hold_reason(MdTxn *txn, const MdCustomer *c, gint64 now,
    GError **error)
{
	g_autoptr(GArray) tickets = NULL;

	if (c->hold_until > now)
		return g_strdup_printf("customer is on legal hold: %s",
		    c->hold_reason ? c->hold_reason : "no reason given");
	tickets = md_customer_tickets(txn, c->id, error);
	if (tickets == NULL)
		return NULL;
	for (guint i = 0; i < tickets->len; i++) {
		guint64 n = g_array_index(tickets, guint64, i);
		g_autoptr(MdTicket) t = NULL;

		/* A hold fails closed: a ticket we cannot read stops it. */
		if (!md_ticket_lookup(txn, n, &t, error))
			return NULL;
		if (t != NULL && t->hold_until > now)
			return g_strdup_printf("ticket %" G_GUINT64_FORMAT
			    " is on legal hold: %s", n, t->hold_reason ?
			    t->hold_reason : "no reason given");
	}
	return NULL;
}

/* Keys of @db to delete, collected first: no deletes under a cursor. */
typedef struct {
	GHashTable *tickets;	/* guint64 * set: removed whole */
	GHashTable *messages;	/* "ticket:seq" set: tombstoned */
	GPtrArray *keys;	/* of GBytes */
	GPtrArray *values;	/* of GBytes, for dupsort deletes */
	GHashTable *customers;	/* guint64 * set: links and outbox to drop */
	GPtrArray *people;	/* of MdCustomer, borrowed: the same */
	GBytes *secret;		/* owned: for the ledger's keyed hashes */
	MdLedgerEntry *ledger;	/* borrowed, nullable: what is recorded */
} Sweep;

/* TRUE when a ticket-and-sequence @value names a removed ticket or message. */
static gboolean
points_into(Sweep *s, const void *value, gsize len)
{
	guint64 t;
	g_autofree char *ts = NULL;

	if (len != 12)
		return FALSE;
	t = md_key_read_be64(value);
	if (g_hash_table_contains(s->tickets, &t))
		return TRUE;
	ts = g_strdup_printf("%" G_GUINT64_FORMAT ":%u", t,
	    md_key_read_be32((const guint8 *)value + 8));
	return g_hash_table_contains(s->messages, ts);
}

/* Collects the index entries (msgid, dedupe) that point into what goes. */
static gboolean
sweep_pointer(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Sweep *s = user_data;

	if (points_into(s, data->mv_data, data->mv_size)) {
		g_ptr_array_add(s->keys, g_bytes_new(key->mv_data,
		    key->mv_size));
		g_ptr_array_add(s->values, g_bytes_new(data->mv_data,
		    data->mv_size));
	}
	return TRUE;
}

/* Collects the customer-ticket links of removed customers or tickets. */
static gboolean
sweep_link(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Sweep *s = user_data;
	guint64 cust, t;

	if (key->mv_size != 16)
		return TRUE;
	cust = md_key_read_be64(key->mv_data);
	t = md_key_read_be64((const guint8 *)key->mv_data + 8);
	if (g_hash_table_contains(s->customers, &cust) ||
	    g_hash_table_contains(s->tickets, &t))
		g_ptr_array_add(s->keys, g_bytes_new(key->mv_data,
		    key->mv_size));
	return TRUE;
}

/* Collects every key under the prefix walked (the rate-limit counters). */
static gboolean
sweep_prefix(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Sweep *s = user_data;

	g_ptr_array_add(s->keys, g_bytes_new(key->mv_data, key->mv_size));
	return TRUE;
}

/* Deletes what a sweep of @db collected, counting it in *@count. */
static gboolean
delete_swept(MdTxn *txn, MdDb db, Sweep *s, gboolean with_values,
    guint *count, GError **error)
{
	for (guint i = 0; i < s->keys->len; i++) {
		gsize klen, vlen = 0;
		const void *k = g_bytes_get_data(g_ptr_array_index(s->keys, i),
		    &klen);
		const void *v = with_values ? g_bytes_get_data(
		    g_ptr_array_index(s->values, i), &vlen) : NULL;

		if (!md_store_del(txn, db, k, klen, v, vlen, error))
			return FALSE;
		(*count)++;
	}
	g_ptr_array_set_size(s->keys, 0);
	g_ptr_array_set_size(s->values, 0);
	return TRUE;
}

static gboolean
sweep_init(Sweep *s, MdTxn *txn, MdLedgerEntry *ledger, GError **error)
{
	memset(s, 0, sizeof(*s));
	s->tickets = g_hash_table_new_full(g_int64_hash, g_int64_equal,
	    g_free, NULL);
	s->messages = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	s->keys = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_bytes_unref);
	s->values = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_bytes_unref);
	s->customers = g_hash_table_new_full(g_int64_hash, g_int64_equal,
	    g_free, NULL);
	s->people = g_ptr_array_new();
	s->ledger = ledger;
	s->secret = md_store_secret(txn, error);
	return s->secret != NULL;
}

static void
sweep_clear(Sweep *s)
{
	g_hash_table_unref(s->tickets);
	g_hash_table_unref(s->messages);
	g_ptr_array_unref(s->keys);
	g_ptr_array_unref(s->values);
	g_hash_table_unref(s->customers);
	g_ptr_array_unref(s->people);
	g_clear_pointer(&s->secret, g_bytes_unref);
}

/* @c's profile, links and outbox entries go with the next sweep. */
static void
sweep_customer(Sweep *s, const MdCustomer *c)
{
	guint64 *id = g_new(guint64, 1);

	*id = c->id;
	g_hash_table_add(s->customers, id);
	g_ptr_array_add(s->people, (gpointer)c);
}

/* Adds the ledger's key of @m to @into, when recording. */
static void
record_message(MdTxn *txn, Sweep *s, const MdMessage *m, GPtrArray *into)
{
	if (s->ledger == NULL || m == NULL || (m->flags & MD_MSG_ERASED))
		return;
	g_ptr_array_add(into, md_ledger_message_key(s->secret, m));
}

/* Deletes the records of ticket @t (not its index entries). */
static gboolean
drop_ticket(MdTxn *txn, const MdTicket *t, Sweep *s, MdEraseReport *r,
    GError **error)
{
	GPtrArray *keys = NULL;
	guint8 key[12];
	guint64 *n;

	if (g_hash_table_contains(s->tickets, &t->number))
		return TRUE;
	if (s->ledger != NULL)
		keys = md_ledger_entry_add_ticket(s->ledger, t->number);
	n = g_new(guint64, 1);
	*n = t->number;
	g_hash_table_add(s->tickets, n);
	for (guint32 seq = 1; seq <= t->message_count; seq++) {
		if (keys != NULL) {
			g_autoptr(MdMessage) m = md_ticket_load_message(txn,
			    t->number, seq, NULL);

			record_message(txn, s, m, keys);
		}
		md_key_ticket_seq(key, t->number, seq);
		if (!md_store_del(txn, MD_DB_MESSAGES, key, 12, NULL, 0,
		    error) ||
		    !md_store_del(txn, MD_DB_RAW, key, 12, NULL, 0, error) ||
		    !md_ticket_drop_sent(txn, t->number, seq, error))
			return FALSE;
		r->messages++;
	}
	md_key_be64(key, t->number);
	/* The search index drops its documents when it catches up. */
	if (!md_store_del(txn, MD_DB_TICKETS, key, 8, NULL, 0, error) ||
	    !md_open_tickets_remove(txn, t->number, error) ||
	    !md_search_queue_mark(txn, t->number, error) ||
	    !md_sla_drop(txn, t->number, error))
		return FALSE;
	g_array_append_val(r->tickets, t->number);
	return TRUE;
}

/* Message @m, @seq of ticket @t, becomes a tombstone. */
static gboolean
tombstone(MdTxn *txn, const MdTicket *t, guint32 seq, const MdMessage *m,
    Sweep *s, MdEraseReport *r, GError **error)
{
	g_autoptr(MdMessage) stone = md_message_new();
	g_autoptr(GBytes) rec = NULL;
	guint8 key[12];
	gsize len;
	const void *data;

	if (s->ledger != NULL)
		record_message(txn, s, m, s->ledger->messages);
	stone->direction = m->direction;
	stone->kind = MD_KIND_NOTE;
	stone->flags = MD_MSG_ERASED;
	stone->received_at = m->received_at;
	stone->raw_sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
	    (const guchar *)"", 0);
	rec = md_message_record_write(stone);
	data = g_bytes_get_data(rec, &len);
	md_key_ticket_seq(key, t->number, seq);
	if (!md_store_put(txn, MD_DB_MESSAGES, key, 12, data, len, 0, error) ||
	    !md_store_put(txn, MD_DB_RAW, key, 12, "", 0, 0, error) ||
	    !md_search_queue_mark(txn, t->number, error))
		return FALSE;
	g_hash_table_add(s->messages, g_strdup_printf("%" G_GUINT64_FORMAT
	    ":%u", t->number, seq));
	r->participant_messages++;
	return TRUE;
}

/* Their mail in somebody else's ticket: only a tombstone stays. */
static gboolean
tombstone_theirs(MdTxn *txn, const MdTicket *t, const MdCustomer *c,
    Sweep *s, MdEraseReport *r, GError **error)
{
	for (guint32 seq = 1; seq <= t->message_count; seq++) {
		g_autoptr(MdMessage) m = md_ticket_load_message(txn, t->number,
		    seq, NULL);

		if (m == NULL || m->from == NULL ||
		    (m->flags & MD_MSG_ERASED) ||
		    !md_customer_has_address(c, m->from->email))
			continue;
		if (!tombstone(txn, t, seq, m, s, r, error))
			return FALSE;
	}
	return TRUE;
}

/* TRUE when outbox entry @o is about someone or something removed. */
static gboolean
theirs(Sweep *s, const MdOutboxEntry *o)
{
	guint8 key[12];

	if (g_hash_table_contains(s->tickets, &o->ticket) ||
	    g_hash_table_contains(s->customers, &o->customer_id))
		return TRUE;
	/* A notification about one of their erased mails. */
	md_key_ticket_seq(key, o->ticket, o->seq);
	if (points_into(s, key, 12))
		return TRUE;
	/* An answer to a search by mail may quote anyone erased. */
	if (s->people->len > 0 && g_strcmp0(o->kind, "search") == 0)
		return TRUE;
	for (guint i = 0; i < s->people->len; i++)
		for (char **rc = o->recipients; *rc; rc++)
			if (md_customer_has_address(g_ptr_array_index(
			    s->people, i), *rc))
				return TRUE;
	return FALSE;
}

/* The index entries, outbox entries and links into what was dropped. */
static gboolean
sweep_indexes(MdTxn *txn, Sweep *s, MdEraseReport *r, GError **error)
{
	g_autoptr(GPtrArray) outbox = NULL;

	if (!md_store_foreach(txn, MD_DB_MSGID, NULL, 0, sweep_pointer, s,
	    error) ||
	    !delete_swept(txn, MD_DB_MSGID, s, TRUE, &r->index_entries,
	    error) ||
	    !md_store_foreach(txn, MD_DB_DEDUPE, NULL, 0, sweep_pointer, s,
	    error) ||
	    !delete_swept(txn, MD_DB_DEDUPE, s, FALSE, &r->index_entries,
	    error))
		return FALSE;
	if (!md_store_foreach(txn, MD_DB_CUSTOMER_TICKETS, NULL, 0,
	    sweep_link, s, error) ||
	    !delete_swept(txn, MD_DB_CUSTOMER_TICKETS, s, FALSE,
	    &r->index_entries, error))
		return FALSE;
	outbox = md_outbox_list(txn, error);
	if (outbox == NULL)
		return FALSE;
	for (guint i = 0; i < outbox->len; i++) {
		MdOutboxEntry *o = g_ptr_array_index(outbox, i);
		guint8 key[8];

		if (!theirs(s, o))
			continue;
		md_key_be64(key, o->id);
		if (!md_store_del(txn, MD_DB_OUTBOX, key, 8, NULL, 0, error))
			return FALSE;
		r->outbox_entries++;
	}
	return TRUE;
}

/*
 * The person's counters: under their normalised address, and under the
 * literal one that versions before the normalisation used.
 */
static gboolean
drop_counters(MdTxn *txn, const char *address, Sweep *s, MdEraseReport *r,
    GError **error)
{
	g_autofree char *lower = g_ascii_strdown(address, -1);
	char *keys[] = { md_ratelimit_address_key(address),
		md_store_key_text(lower) };
	gboolean ok = TRUE;

	for (gsize i = 0; ok && i < G_N_ELEMENTS(keys); i++) {
		g_autoptr(GString) prefix = g_string_new(keys[i]);

		if (i > 0 && strcmp(keys[i], keys[0]) == 0)
			break;
		g_string_append_c(prefix, '\0');
		ok = md_store_foreach(txn, MD_DB_RATELIMIT, prefix->str,
		    prefix->len, sweep_prefix, s, error) &&
		    delete_swept(txn, MD_DB_RATELIMIT, s, FALSE, &r->counters,
		    error);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		g_free(keys[i]);
	return ok;
}

/* The profile, its address keys and its rate-limit counters. */
static gboolean
drop_customer(MdTxn *txn, const MdCustomer *c, Sweep *s, MdEraseReport *r,
    GError **error)
{
	g_autofree char *k = md_customer_address_key(c->email);
	guint8 key[8];

	md_key_be64(key, c->id);
	if (!md_store_del(txn, MD_DB_CUSTOMERS, key, 8, NULL, 0, error) ||
	    !md_store_del(txn, MD_DB_CUSTOMER_EMAIL, k, strlen(k), NULL, 0,
	    error) ||
	    !drop_counters(txn, c->email, s, r, error))
		return FALSE;
	if (s->ledger != NULL)
		g_ptr_array_add(s->ledger->subjects,
		    md_privacy_subject_hash(s->secret, c->email));
	for (guint i = 0; i < c->former->len; i++) {
		const char *old = g_ptr_array_index(c->former, i);

		if (!drop_counters(txn, old, s, r, error))
			return FALSE;
		if (s->ledger != NULL)
			g_ptr_array_add(s->ledger->subjects,
			    md_privacy_subject_hash(s->secret, old));
	}
	r->customers++;
	return TRUE;
}

/* @c's tickets, and their mail in others' tickets (no hold is asked). */
static gboolean
erase_tickets(MdTxn *txn, const MdCustomer *c, Sweep *s, MdEraseReport *r,
    GError **error)
{
	g_autoptr(GArray) tickets = md_customer_tickets(txn, c->id, error);

	if (tickets == NULL)
		return FALSE;
	for (guint i = 0; i < tickets->len; i++) {
		g_autoptr(MdTicket) t = NULL;
		guint64 n = g_array_index(tickets, guint64, i);

		if (g_hash_table_contains(s->tickets, &n))
			continue;
		t = md_ticket_load(txn, n, error);
		if (t == NULL)
			return FALSE;
		if (t->customer_id == c->id) {
			if (!drop_ticket(txn, t, s, r, error))
				return FALSE;
		} else if (!tombstone_theirs(txn, t, c, s, r, error) ||
		    !md_participants_forget(txn, t, c, error))
			return FALSE;
	}
	sweep_customer(s, c);
	return TRUE;
}

/*
 * Sweeps the indexes, then drops the profiles in s->people, and with them
 * the searches by mail still waiting: they may name them (an agent asks
 * again).
 */
static gboolean
finish_sweep(MdTxn *txn, Sweep *s, MdEraseReport *r, GError **error)
{
	guint requests = 0;

	if (!sweep_indexes(txn, s, r, error))
		return FALSE;
	if (s->people->len > 0 &&
	    !md_search_queue_drop_requests(txn, &requests, error))
		return FALSE;
	for (guint i = 0; i < s->people->len; i++)
		if (!drop_customer(txn, g_ptr_array_index(s->people, i), s, r,
		    error))
			return FALSE;
	return TRUE;
}

/* Records what @r->ledger collected, unless nothing was removed. */
static gboolean
record(MdTxn *txn, MdEraseReport *r, GError **error)
{
	if (md_ledger_entry_is_empty(r->ledger))
		return TRUE;
	return md_ledger_append(txn, r->ledger, error);
}

gboolean
md_privacy_erase(MdTxn *txn, const MdCustomer *c, gint64 now,
    MdEraseReport *report, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *held = md_privacy_hold_reason(txn, c, now, &e);
	Sweep s;
	gboolean ok;

	if (e != NULL) {
		g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	}
	if (held != NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_REJECT, "%s", held);
		return FALSE;
	}
	g_clear_pointer(&report->ledger, md_ledger_entry_free);
	report->ledger = md_ledger_entry_new("erase", now);
	if (!sweep_init(&s, txn, report->ledger, error)) {
		sweep_clear(&s);
		return FALSE;
	}
	ok = erase_tickets(txn, c, &s, report, error) &&
	    finish_sweep(txn, &s, report, error) &&
	    record(txn, report, error);
	sweep_clear(&s);
	return ok;
}

gboolean
md_privacy_remove(MdTxn *txn, GPtrArray *customers, GArray *tickets,
    GArray *messages, MdEraseReport *report, GError **error)
{
	Sweep s;
	gboolean ok = FALSE;

	if (!sweep_init(&s, txn, NULL, error))
		goto out;
	for (guint i = 0; customers != NULL && i < customers->len; i++)
		if (!erase_tickets(txn, g_ptr_array_index(customers, i), &s,
		    report, error))
			goto out;
	for (guint i = 0; tickets != NULL && i < tickets->len; i++) {
		guint64 n = g_array_index(tickets, guint64, i);
		g_autoptr(MdTicket) t = NULL;

		if (g_hash_table_contains(s.tickets, &n))
			continue;
		if (!md_ticket_lookup(txn, n, &t, error))
			goto out;
		if (t == NULL)
			continue;
		if (!drop_ticket(txn, t, &s, report, error))
			goto out;
	}
	for (guint i = 0; messages != NULL && i < messages->len; i++) {
		MdMessageRef *ref = &g_array_index(messages, MdMessageRef, i);
		g_autoptr(MdTicket) t = NULL;
		g_autoptr(MdMessage) m = NULL;
		g_autoptr(GError) e = NULL;
		g_autofree char *ts = g_strdup_printf("%" G_GUINT64_FORMAT
		    ":%u", ref->ticket, ref->seq);

		if (g_hash_table_contains(s.tickets, &ref->ticket) ||
		    g_hash_table_contains(s.messages, ts))
			continue;
		if (!md_ticket_lookup(txn, ref->ticket, &t, error))
			goto out;
		if (t == NULL)
			continue;
		m = md_ticket_load_message(txn, ref->ticket, ref->seq, &e);
		if (m == NULL && !g_error_matches(e, MD_ERROR,
		    MD_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&e));
			goto out;
		}
		if (m == NULL || (m->flags & MD_MSG_ERASED))
			continue;
		if (!tombstone(txn, t, ref->seq, m, &s, report, error))
			goto out;
	}
	ok = finish_sweep(txn, &s, report, error);
out:
	sweep_clear(&s);
	return ok;
}

typedef struct {
	const MdConfig *config;
	MdTxn *txn;
	gint64 now;
	GPtrArray *due;		/* of MdTicket */
	GPtrArray *kept;	/* of char * */
	GError *error;
} ExpireScan;

/* Sorts one ticket: due for expiry, kept (and why), or not yet due. */
static gboolean
expire_one(MdTicket *t, gpointer user_data)
{
	ExpireScan *x = user_data;
	guint days = md_config_retention_days(x->config, t->queue);
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GError) e = NULL;

	if (days == 0 || t->status != MD_STATUS_CLOSED ||
	    t->closed_at == 0 || t->closed_at >= x->now - (gint64)days * 86400)
		return TRUE;
	if (t->hold_until > x->now) {
		g_ptr_array_add(x->kept, g_strdup_printf("ticket %"
		    G_GUINT64_FORMAT " (held: %s)", t->number,
		    t->hold_reason ? t->hold_reason : "no reason given"));
		return TRUE;
	}
	/*
	 * A hold fails closed: a customer we cannot read keeps the ticket,
	 * and the report says why.  Only a customer that is gone holds
	 * nothing.
	 */
	if (t->customer_id != 0 && !md_customer_lookup(x->txn,
	    t->customer_id, &c, &e)) {
		g_ptr_array_add(x->kept, g_strdup_printf("ticket %"
		    G_GUINT64_FORMAT " (its customer cannot be read: %s)",
		    t->number, e->message));
		return TRUE;
	}
	if (c != NULL && c->hold_until > x->now) {
		g_ptr_array_add(x->kept, g_strdup_printf("ticket %"
		    G_GUINT64_FORMAT " (customer held: %s)", t->number,
		    c->hold_reason ? c->hold_reason : "no reason given"));
		return TRUE;
	}
	g_ptr_array_add(x->due, md_ticket_load(x->txn, t->number, &x->error));
	return x->error == NULL;
}

typedef struct {
	MdTxn *txn;
	gint64 now;
	GPtrArray *lonely;	/* of MdCustomer */
	GError *error;
} Lonely;

/* Collects the profiles with no ticket left and no hold. */
static gboolean
find_lonely(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Lonely *l = user_data;
	MdCustomer *c = md_customer_from_record(data->mv_data, data->mv_size,
	    &l->error);
	g_autoptr(GArray) tickets = NULL;

	if (c == NULL)
		return FALSE;
	tickets = md_customer_tickets(l->txn, c->id, &l->error);
	if (tickets != NULL && tickets->len == 0 && c->hold_until <= l->now)
		g_ptr_array_add(l->lonely, c);
	else
		md_customer_free(c);
	return l->error == NULL;
}

gboolean
md_privacy_expire(MdTxn *txn, const MdConfig *config, gint64 now,
    MdEraseReport *report, GError **error)
{
	g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_ticket_free);
	g_autoptr(GPtrArray) lonely = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_customer_free);
	ExpireScan x = { config, txn, now, due, report->kept, NULL };
	Lonely l = { txn, now, lonely, NULL };
	gboolean any_retention = config->retention_days > 0;
	Sweep s;
	gboolean ok = FALSE;

	for (guint i = 0; i < config->queues->len; i++)
		any_retention |= ((MdQueue *)g_ptr_array_index(config->queues,
		    i))->retention_days > 0;
	g_clear_pointer(&report->ledger, md_ledger_entry_free);
	report->ledger = md_ledger_entry_new("expire", now);
	if (!any_retention)
		return TRUE;	/* off: nothing is ever due */
	if (!md_ticket_foreach(txn, expire_one, &x, error))
		return FALSE;
	if (x.error != NULL) {
		g_propagate_error(error, x.error);
		return FALSE;
	}
	if (!sweep_init(&s, txn, report->ledger, error))
		goto out;
	for (guint i = 0; i < due->len; i++)
		if (!drop_ticket(txn, g_ptr_array_index(due, i), &s, report,
		    error))
			goto out;
	if (!sweep_indexes(txn, &s, report, error))
		goto out;
	/* Profiles left with nothing: no ticket, no hold. */
	if (!md_store_foreach(txn, MD_DB_CUSTOMERS, NULL, 0, find_lonely, &l,
	    error))
		goto out;
	if (l.error != NULL) {
		g_propagate_error(error, l.error);
		goto out;
	}
	for (guint i = 0; i < lonely->len; i++)
		sweep_customer(&s, g_ptr_array_index(lonely, i));
	ok = finish_sweep(txn, &s, report, error) &&
	    record(txn, report, error);
out:
	sweep_clear(&s);
	return ok;
}
