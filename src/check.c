/* SPDX-License-Identifier: MIT */
/*
 * Consistency check over one read transaction: a snapshot, so concurrent
 * deliveries neither disturb it nor are blocked by it.
 */
#include <string.h>

#include "maildesk/check.h"
#include "maildesk/dedupe.h"
#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/open-tickets.h"
#include "maildesk/record.h"
#include "maildesk/replay.h"
#include "maildesk/sla.h"
#include "maildesk/ticket.h"

typedef struct {
	MdTxn *txn;
	GPtrArray *problems;
	guint64 tickets, messages, max_ticket;
} Check;

static void
problem(Check *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
problem(Check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(c->problems, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/*
 * A record or entry that is there but cannot be read: corrupt, or the
 * store failed.  Either way a problem, never "missing".
 */
static void
unreadable(Check *c, const char *what, const GError *e)
{
	if (g_error_matches(e, MD_ERROR, MD_ERROR_CORRUPT))
		problem(c, "%s: corrupt record: %s", what, e->message);
	else
		problem(c, "%s: cannot be read: %s", what, e->message);
}

/* Whether @key is in @db; a read error is reported, and counts as there. */
static gboolean
exists(Check *c, MdDb db, const void *key, gsize klen)
{
	g_autoptr(GError) e = NULL;
	gboolean found;
	MDB_val v;

	if (md_store_lookup(c->txn, db, key, klen, &v, &found, &e))
		return found;
	unreadable(c, md_store_db_name(db), e);
	return TRUE;
}

static gboolean
check_ticket(MdTicket *t, gpointer user_data)
{
	Check *c = user_data;

	c->tickets++;
	if (t->number > c->max_ticket)
		c->max_ticket = t->number;
	if (!md_ticket_open_entry_is_current(c->txn, t))
		problem(c, "ticket %" G_GUINT64_FORMAT ": open-tickets index "
		    "out of step", t->number);
	for (guint32 s = 1; s <= t->message_count; s++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(MdMessage) m = NULL;
		g_autofree char *what = g_strdup_printf("ticket %"
		    G_GUINT64_FORMAT " message %u", t->number, s);
		gboolean found;
		guint8 key[12];
		MDB_val raw;

		if (!md_ticket_lookup_message(c->txn, t->number, s, &m, &e)) {
			unreadable(c, what, e);
			continue;
		}
		if (m == NULL) {
			problem(c, "%s: record missing", what);
			continue;
		}
		c->messages++;
		md_key_ticket_seq(key, t->number, s);
		if (!md_store_lookup(c->txn, MD_DB_RAW, key, 12, &raw, &found,
		    &e)) {
			unreadable(c, what, e);
		} else if (!found) {
			problem(c, "%s: raw bytes missing", what);
		} else {
			g_autofree char *sum = g_compute_checksum_for_data(
			    G_CHECKSUM_SHA256, raw.mv_data, raw.mv_size);

			if (g_strcmp0(sum, m->raw_sha256) != 0)
				problem(c, "%s: raw bytes do not match their "
				    "digest", what);
		}
		if (m->message_id != NULL) {
			g_autofree char *k = md_store_key_text(m->message_id);

			if (!exists(c, MD_DB_MSGID, k, strlen(k)))
				problem(c, "%s: Message-ID not indexed", what);
		}
	}
	if (t->customer_id != 0) {
		guint8 key[16];

		md_key_be64(key, t->customer_id);
		md_key_be64(key + 8, t->number);
		if (!exists(c, MD_DB_CUSTOMERS, key, 8))
			problem(c, "ticket %" G_GUINT64_FORMAT ": customer %"
			    G_GUINT64_FORMAT " missing", t->number,
			    t->customer_id);
		else if (!exists(c, MD_DB_CUSTOMER_TICKETS, key, 16))
			problem(c, "ticket %" G_GUINT64_FORMAT ": not in its "
			    "customer's ticket list", t->number);
	}
	return TRUE;
}

/* An open-tickets entry must have its ticket. */
static gboolean
check_open(const MdOpenTicket *o, gpointer user_data)
{
	Check *c = user_data;
	guint8 key[8];

	md_key_be64(key, o->number);
	if (!exists(c, MD_DB_TICKETS, key, 8))
		problem(c, "open-tickets index: ticket %" G_GUINT64_FORMAT
		    " does not exist", o->number);
	return TRUE;
}

/*
 * Index entries must point at records: msgid, dedupe -> messages.  Ticket
 * 0 is no ticket: a search request by mail is kept as a duplicate key
 * only (deliver.c).
 */
static gboolean
check_pointer(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Check *c = user_data;

	if (data->mv_size == 12 && md_key_read_be64(data->mv_data) == 0)
		return TRUE;
	if (data->mv_size != 12 || !exists(c, MD_DB_MESSAGES,
	    data->mv_data, 12))
		problem(c, "index entry \"%.*s\" points to no message",
		    (int)MIN(key->mv_size, 80), (const char *)key->mv_data);
	return TRUE;
}

static gboolean
check_email(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Check *c = user_data;
	g_autoptr(MdCustomer) cu = NULL;
	g_autoptr(GError) e = NULL;
	guint64 id;

	if (data->mv_size != 8) {
		problem(c, "customer_email entry is malformed");
		return TRUE;
	}
	id = md_key_read_be64(data->mv_data);
	if (!md_customer_lookup(c->txn, id, &cu, &e)) {
		g_autofree char *what = g_strdup_printf("customer_email entry: "
		    "customer %" G_GUINT64_FORMAT, id);

		unreadable(c, what, e);
	} else if (cu == NULL)
		problem(c, "customer_email entry points to no customer");
	else {
		g_autofree char *k = md_customer_address_key(cu->email);

		if (strlen(k) != key->mv_size ||
		    memcmp(k, key->mv_data, key->mv_size) != 0)
			problem(c, "customer %" G_GUINT64_FORMAT
			    ": address index does not match", cu->id);
	}
	return TRUE;
}

static gboolean
check_customer(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Check *c = user_data;
	g_autoptr(GError) e = NULL;
	g_autoptr(MdCustomer) cu = md_customer_from_record(data->mv_data,
	    data->mv_size, &e);
	g_autofree char *k = NULL;
	MDB_val v;

	if (cu == NULL) {
		problem(c, "customer record: %s", e->message);
		return TRUE;
	}
	k = md_customer_address_key(cu->email);
	if (!md_store_get(c->txn, MD_DB_CUSTOMER_EMAIL, k, strlen(k), &v,
	    NULL) || v.mv_size != 8 || md_key_read_be64(v.mv_data) != cu->id)
		problem(c, "customer %" G_GUINT64_FORMAT ": not found by "
		    "address", cu->id);
	return TRUE;
}

gboolean
md_check_store(MdStore *store, GPtrArray *problems, guint64 *tickets,
    guint64 *messages, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	Check c = { &txn, problems, 0, 0, 0 };
	MDB_val v;

	if (!md_store_begin(store, MD_TXN_READ, &txn, error))
		return FALSE;
	if (!md_ticket_foreach(&txn, check_ticket, &c, error) ||
	    !md_open_tickets_foreach(&txn, check_open, &c, error) ||
	    !md_store_foreach(&txn, MD_DB_MSGID, NULL, 0, check_pointer, &c,
	    error) ||
	    !md_store_foreach(&txn, MD_DB_DEDUPE, NULL, 0, check_pointer, &c,
	    error) ||
	    !md_store_foreach(&txn, MD_DB_CUSTOMER_EMAIL, NULL, 0, check_email,
	    &c, error) ||
	    !md_store_foreach(&txn, MD_DB_CUSTOMERS, NULL, 0, check_customer,
	    &c, error) ||
	    !md_sla_check(&txn, problems, error))
		return FALSE;
	if (md_store_get(&txn, MD_DB_META, "next-ticket", 11, &v, NULL) &&
	    v.mv_size == 8 && md_key_read_be64(v.mv_data) <= c.max_ticket)
		problem(&c, "ticket counter is behind the highest ticket");
	*tickets = c.tickets;
	*messages = c.messages;
	return TRUE;
}

gboolean
md_check_ledger(MdStore *store, GPtrArray *problems, guint *entries,
    GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GPtrArray) ledger = NULL;
	g_autoptr(GPtrArray) matches = NULL;
	g_autoptr(GError) e = NULL;

	if (!md_store_begin(store, MD_TXN_READ, &txn, error))
		return FALSE;
	ledger = md_ledger_load(&txn, error);
	if (ledger == NULL)
		return FALSE;
	*entries = ledger->len;
	matches = md_replay_match(&txn, ledger, &e);
	if (matches == NULL && g_error_matches(e, MD_ERROR,
	    MD_ERROR_CORRUPT)) {
		g_ptr_array_add(problems, g_strdup_printf("erasure ledger: "
		    "cannot tell what is left of its erasures: corrupt "
		    "record: %s", e->message));
		return TRUE;
	}
	if (matches == NULL) {
		g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	}
	for (guint i = 0; i < matches->len; i++) {
		MdReplayMatch *m = g_ptr_array_index(matches, i);
		g_autoptr(GDateTime) t = NULL;
		g_autofree char *when = NULL;

		if (md_replay_match_is_empty(m))
			continue;
		t = g_date_time_new_from_unix_utc(m->entry->time);
		when = t ? g_date_time_format(t, "%Y-%m-%d %H:%M:%SZ") : NULL;
		g_ptr_array_add(problems, g_strdup_printf("erasure ledger "
		    "entry %s (%s, %s) still matches data: %u customers, %u "
		    "tickets, %u messages (restore a backup with maildesk "
		    "restore, or replay the ledger)", m->entry->id,
		    m->entry->action, when ? when : "?", m->customers->len,
		    m->tickets->len, m->messages->len));
	}
	return TRUE;
}

typedef struct {
	MdTxn *txn;
	const MdConfig *config;
	guint64 entries;
	GError *error;
} Repair;

static gboolean
put_index(Repair *r, MdDb db, const char *text, const void *value,
    gsize vlen)
{
	g_autofree char *k = md_store_key_text(text);

	if (!md_store_put(r->txn, db, k, strlen(k), value, vlen, 0,
	    &r->error))
		return FALSE;
	r->entries++;
	return TRUE;
}

static gboolean
repair_ticket(MdTicket *t, gpointer user_data)
{
	Repair *r = user_data;

	if (t->customer_id != 0) {
		if (!md_customer_link_ticket(r->txn, t->customer_id, t->number,
		    &r->error))
			return FALSE;
		r->entries++;
	}
	/* Participants who never wrote are linked by the list alone. */
	for (guint i = 0; i < t->participants->len; i++) {
		if (!md_customer_link_ticket(r->txn, g_array_index(
		    t->participants, guint64, i), t->number, &r->error))
			return FALSE;
		r->entries++;
	}
	for (guint32 s = 1; s <= t->message_count; s++) {
		g_autoptr(MdMessage) m = NULL;
		guint8 key[12];

		/* A corrupt message cannot be indexed: the repair fails. */
		if (!md_ticket_lookup_message(r->txn, t->number, s, &m,
		    &r->error))
			return FALSE;
		if (m == NULL || (m->flags & MD_MSG_ERASED))
			continue;
		md_key_ticket_seq(key, t->number, s);
		if (m->message_id != NULL && !put_index(r, MD_DB_MSGID,
		    m->message_id, key, 12))
			return FALSE;
		/*
		 * The key deliver makes, for every mail that came in (an
		 * agent's answer too); our acknowledgements never did.
		 */
		if (m->kind != MD_KIND_ACK) {
			g_autofree char *dk = md_dedupe_key(m);

			if (!put_index(r, MD_DB_DEDUPE, dk, key, 12))
				return FALSE;
		}
	}
	return TRUE;
}

static gboolean
repair_customer(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Repair *r = user_data;
	g_autoptr(MdCustomer) c = md_customer_from_record(data->mv_data,
	    data->mv_size, &r->error);
	g_autofree char *k = NULL;

	if (c == NULL)
		return FALSE;
	k = md_customer_address_key(c->email);
	if (!md_store_put(r->txn, MD_DB_CUSTOMER_EMAIL, k, strlen(k),
	    key->mv_data, key->mv_size, 0, &r->error))
		return FALSE;
	r->entries++;
	return TRUE;
}

gboolean
md_check_repair(MdStore *store, const MdConfig *config, guint64 *entries,
    GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	Repair r = { &txn, config, 0, NULL };
	static const MdDb rebuilt[] = {
		MD_DB_MSGID, MD_DB_DEDUPE, MD_DB_CUSTOMER_EMAIL,
		MD_DB_CUSTOMER_TICKETS
	};

	if (!md_store_begin(store, MD_TXN_WRITE, &txn, error))
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(rebuilt); i++)
		if (!md_store_clear(&txn, rebuilt[i], error))
			return FALSE;
	if (!md_store_foreach(&txn, MD_DB_CUSTOMERS, NULL, 0, repair_customer,
	    &r, error) ||
	    (r.error == NULL &&
	    !md_ticket_foreach(&txn, repair_ticket, &r, error)))
		return FALSE;
	if (r.error != NULL) {
		g_propagate_error(error, r.error);
		return FALSE;
	}
	if (!md_ticket_rebuild_open_index(&txn, &r.entries, error) ||
	    !md_sla_rebuild_index(&txn, config, error))
		return FALSE;
	*entries = r.entries;
	return md_store_commit(&txn, error);
}
