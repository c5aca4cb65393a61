/* SPDX-License-Identifier: MIT */
/*
 * Outbox entries, leases, retries and the rate limit.  A flush is three
 * steps: lease what is due (write txn), talk SMTP (no txn), settle the
 * outcome (a write txn for each message as soon as the relay answered it,
 * and one at the end for what is left).  A crash between a message's
 * answer and its record leaves the lease to expire and that message to be
 * sent again: at least once, never lost, at most one copy per crash.
 */
#include <string.h>
#include <unistd.h>

#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/outbox.h"
#include "maildesk/ratelimit.h"
#include "maildesk/record.h"
#include "maildesk/smtp.h"
#include "maildesk/ticket.h"

MdOutboxEntry *
md_outbox_entry_new(void)
{
	return g_new0(MdOutboxEntry, 1);
}

void
md_outbox_entry_free(MdOutboxEntry *e)
{
	if (e == NULL)
		return;
	g_free(e->kind);
	g_free(e->envelope_from);
	g_strfreev(e->recipients);
	g_free(e->message_id);
	g_clear_pointer(&e->data, g_bytes_unref);
	g_free(e->last_error);
	g_free(e);
}

const char *
md_outbox_state_name(MdOutboxState state)
{
	return state == MD_OUTBOX_FAILED ? "failed" : "queued";
}

static GBytes *
to_record(const MdOutboxEntry *e)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
	gsize len = 0;
	const void *data = e->data ? g_bytes_get_data(e->data, &len) : "";

	g_variant_dict_insert(&d, "id", "t", e->id);
	g_variant_dict_insert(&d, "kind", "s", e->kind);
	g_variant_dict_insert(&d, "ticket", "t", e->ticket);
	g_variant_dict_insert(&d, "seq", "u", e->seq);
	g_variant_dict_insert(&d, "customer", "t", e->customer_id);
	g_variant_dict_insert(&d, "state", "s",
	    md_outbox_state_name(e->state));
	g_variant_dict_insert(&d, "from", "s", e->envelope_from);
	g_variant_dict_insert(&d, "to", "^as", e->recipients);
	g_variant_dict_insert(&d, "message-id", "s", e->message_id);
	g_variant_dict_insert_value(&d, "data", g_variant_new_fixed_array(
	    G_VARIANT_TYPE_BYTE, data, len, 1));
	g_variant_dict_insert(&d, "created", "x", e->created_at);
	g_variant_dict_insert(&d, "next", "x", e->next_attempt_at);
	g_variant_dict_insert(&d, "lease", "x", e->lease_until);
	g_variant_dict_insert(&d, "attempts", "u", e->attempts);
	if (e->last_error != NULL)
		g_variant_dict_insert(&d, "error", "s", e->last_error);
	if (e->owed)
		g_variant_dict_insert(&d, "owed", "b", TRUE);
	return md_record_close(&d);
}

static MdOutboxEntry *
from_record(const void *data, gsize len, GError **error)
{
	g_autoptr(GVariantDict) d = md_record_open(data, len, "outbox",
	    error);
	g_autoptr(GVariant) body = NULL;
	g_autoptr(MdOutboxEntry) e = NULL;
	g_autofree char *state = NULL;

	if (d == NULL)
		return NULL;
	e = md_outbox_entry_new();
	g_variant_dict_lookup(d, "id", "t", &e->id);
	g_variant_dict_lookup(d, "kind", "s", &e->kind);
	g_variant_dict_lookup(d, "ticket", "t", &e->ticket);
	g_variant_dict_lookup(d, "seq", "u", &e->seq);
	g_variant_dict_lookup(d, "customer", "t", &e->customer_id);
	g_variant_dict_lookup(d, "state", "s", &state);
	e->state = g_strcmp0(state, "failed") == 0 ? MD_OUTBOX_FAILED :
	    MD_OUTBOX_QUEUED;
	g_variant_dict_lookup(d, "from", "s", &e->envelope_from);
	g_variant_dict_lookup(d, "to", "^as", &e->recipients);
	g_variant_dict_lookup(d, "message-id", "s", &e->message_id);
	body = g_variant_dict_lookup_value(d, "data", G_VARIANT_TYPE("ay"));
	if (body != NULL)
		e->data = g_variant_get_data_as_bytes(body);
	g_variant_dict_lookup(d, "created", "x", &e->created_at);
	g_variant_dict_lookup(d, "next", "x", &e->next_attempt_at);
	g_variant_dict_lookup(d, "lease", "x", &e->lease_until);
	g_variant_dict_lookup(d, "attempts", "u", &e->attempts);
	g_variant_dict_lookup(d, "error", "s", &e->last_error);
	g_variant_dict_lookup(d, "owed", "b", &e->owed);
	if (e->kind == NULL || e->envelope_from == NULL ||
	    e->recipients == NULL || e->message_id == NULL || e->data == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "outbox record %" G_GUINT64_FORMAT " is incomplete", e->id);
		return NULL;
	}
	return g_steal_pointer(&e);
}

static gboolean
save(MdTxn *txn, const MdOutboxEntry *e, GError **error)
{
	g_autoptr(GBytes) rec = to_record(e);
	guint8 key[8];
	gsize len;
	const void *data = g_bytes_get_data(rec, &len);

	md_key_be64(key, e->id);
	return md_store_put(txn, MD_DB_OUTBOX, key, 8, data, len, 0, error);
}

gboolean
md_outbox_update(MdTxn *txn, const MdOutboxEntry *e, GError **error)
{
	return save(txn, e, error);
}

gboolean
md_outbox_add(MdTxn *txn, MdOutboxEntry *e, GError **error)
{
	if (!md_store_next_id(txn, "next-outbox", &e->id, error))
		return FALSE;
	return save(txn, e, error);
}

/* A new queued entry, born leased when deliver's sender will follow. */
static gboolean
queue_entry(MdTxn *txn, const MdConfig *config, const char *kind,
    guint64 ticket, guint32 seq, guint64 customer_id, const char *from,
    const char *to, const char *message_id, GBytes *data, gboolean owed,
    gint64 now, GArray *ids, GError **error)
{
	g_autoptr(MdOutboxEntry) e = md_outbox_entry_new();
	char *rcpts[] = { (char *)to, NULL };

	e->kind = g_strdup(kind);
	e->ticket = ticket;
	e->seq = seq;
	e->customer_id = customer_id;
	e->state = MD_OUTBOX_QUEUED;
	e->owed = owed;
	e->envelope_from = g_strdup(from);
	e->recipients = g_strdupv(rcpts);
	e->message_id = g_strdup(message_id);
	e->data = g_bytes_ref(data);
	e->created_at = now;
	e->next_attempt_at = now;
	if (config->deliver_flush_s > 0)
		e->lease_until = now + config->lease_s;
	if (!md_outbox_add(txn, e, error))
		return FALSE;
	g_array_append_val(ids, e->id);
	return TRUE;
}

gboolean
md_outbox_queue(MdTxn *txn, const MdConfig *config, const char *kind,
    guint64 ticket, guint32 seq, guint64 customer_id, const char *from,
    const char *to, const char *message_id, GBytes *data, gint64 now,
    GArray *ids, GError **error)
{
	g_autofree char *k = md_store_key_text(message_id);
	guint8 key[12];

	md_key_ticket_seq(key, ticket, seq);
	if (!md_store_put(txn, MD_DB_MSGID, k, strlen(k), key, 12, 0, error))
		return FALSE;
	return queue_entry(txn, config, kind, ticket, seq, customer_id, from,
	    to, message_id, data, FALSE, now, ids, error);
}

gboolean
md_outbox_queue_composed(MdTxn *txn, const MdConfig *config,
    const char *kind, guint64 ticket, guint32 seq, guint64 customer_id,
    const char *from, const char *to, const char *message_id, GBytes *data,
    gint64 now, GArray *ids, GError **error)
{
	if (data == NULL) {
		g_debug("ticket %" G_GUINT64_FORMAT ": no %s, unusable address",
		    ticket, kind);
		return TRUE;
	}
	return md_outbox_queue(txn, config, kind, ticket, seq, customer_id,
	    from, to, message_id, data, now, ids, error);
}

gboolean
md_outbox_queue_owed(MdTxn *txn, const MdConfig *config, const char *kind,
    guint64 ticket, guint32 seq, guint64 customer_id, const char *from,
    const char *to, gint64 now, GArray *ids, GError **error)
{
	g_autoptr(GBytes) none = g_bytes_new_static("", 0);

	return queue_entry(txn, config, kind, ticket, seq, customer_id, from,
	    to, "", none, TRUE, now, ids, error);
}

gboolean
md_outbox_fill(MdTxn *txn, MdOutboxEntry *e, GBytes *data,
    const char *message_id, guint32 seq, GError **error)
{
	g_autofree char *k = md_store_key_text(message_id);
	/* @data and @message_id may be e's own. */
	GBytes *d = g_bytes_ref(data);
	char *id = g_strdup(message_id);
	guint8 key[12];

	g_bytes_unref(e->data);
	e->data = d;
	g_free(e->message_id);
	e->message_id = id;
	md_key_ticket_seq(key, e->ticket, seq);
	if (!md_store_put(txn, MD_DB_MSGID, k, strlen(k), key, 12, 0, error))
		return FALSE;
	e->seq = seq;
	e->owed = FALSE;
	return save(txn, e, error);
}

gboolean
md_outbox_remove(MdTxn *txn, guint64 id, GError **error)
{
	guint8 key[8];

	md_key_be64(key, id);
	return md_store_del(txn, MD_DB_OUTBOX, key, 8, NULL, 0, error);
}

typedef struct {
	GPtrArray *out;
	GError *error;
	guint64 ticket;		/* only entries about it; 0: all */
} Collect;

/* The ticket of an outbox record, read in place; 0 when unreadable. */
static guint64
ticket_of(const MDB_val *data)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new_from_data(
	    G_VARIANT_TYPE("(ya{sv})"), data->mv_data, data->mv_size, FALSE,
	    NULL, NULL));
	g_autoptr(GVariant) dict = g_variant_get_child_value(v, 1);
	guint64 ticket = 0;

	g_variant_lookup(dict, "ticket", "t", &ticket);
	return ticket;
}

static gboolean
collect(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Collect *c = user_data;
	MdOutboxEntry *e;

	/* A queue that grew during an outage: decode only what is asked. */
	if (c->ticket != 0 && ticket_of(data) != c->ticket)
		return TRUE;
	e = from_record(data->mv_data, data->mv_size, &c->error);

	if (e == NULL)
		return FALSE;
	g_ptr_array_add(c->out, e);
	return TRUE;
}

static GPtrArray *
list(MdTxn *txn, guint64 ticket, GError **error)
{
	Collect c = { g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_outbox_entry_free), NULL, ticket };

	if (!md_store_foreach(txn, MD_DB_OUTBOX, NULL, 0, collect, &c,
	    error)) {
		g_ptr_array_unref(c.out);
		return NULL;
	}
	if (c.error != NULL) {
		g_propagate_error(error, c.error);
		g_ptr_array_unref(c.out);
		return NULL;
	}
	return c.out;
}

GPtrArray *
md_outbox_list(MdTxn *txn, GError **error)
{
	return list(txn, 0, error);
}

GPtrArray *
md_outbox_list_ticket(MdTxn *txn, guint64 ticket, GError **error)
{
	g_return_val_if_fail(ticket != 0, NULL);
	return list(txn, ticket, error);
}

/* TRUE when @ids (NULL: all) has @id. */
static gboolean
wanted(GArray *ids, guint64 id)
{
	if (ids == NULL)
		return TRUE;
	for (guint i = 0; i < ids->len; i++)
		if (g_array_index(ids, guint64, i) == id)
			return TRUE;
	return FALSE;
}

typedef struct {
	GPtrArray *stale;	/* keys to delete, as GBytes */
	gint64 before;
} Stale;

/* Collects the rate-limit counters of windows long past. */
static gboolean
find_stale(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Stale *st = user_data;
	const char *k = key->mv_data;
	const char *last = NULL;
	g_autofree char *num = NULL;
	gint64 window;

	for (gsize i = 0; i < key->mv_size; i++)
		if (k[i] == '\0')
			last = k + i;
	if (last == NULL)
		return TRUE;
	num = g_strndup(last + 1, key->mv_size - (last + 1 - k));
	window = g_ascii_strtoll(num, NULL, 10);
	if (window < st->before)
		g_ptr_array_add(st->stale, g_bytes_new(key->mv_data,
		    key->mv_size));
	return TRUE;
}

/* Rate-limit counters older than two days count for nothing: drop them. */
static gboolean
expire_counters(MdTxn *txn, gint64 now, GError **error)
{
	Stale st = { g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_bytes_unref), now - 2 * 86400 };
	gboolean ok = md_store_foreach(txn, MD_DB_RATELIMIT, NULL, 0,
	    find_stale, &st, error);

	for (guint i = 0; ok && i < st.stale->len; i++) {
		gsize len;
		const void *k = g_bytes_get_data(g_ptr_array_index(st.stale,
		    i), &len);

		ok = md_store_del(txn, MD_DB_RATELIMIT, k, len, NULL, 0,
		    error);
	}
	g_ptr_array_unref(st.stale);
	return ok;
}

/* Step 1: lease what is due.  The writer lock makes leases exclusive. */
static GPtrArray *
lease(MdStore *store, const MdConfig *config, GArray *ids, gint64 now,
    GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GPtrArray) all = NULL;
	GPtrArray *due = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_outbox_entry_free);

	if (!md_store_begin(store, MD_TXN_WRITE, &txn, error) ||
	    (all = md_outbox_list(&txn, error)) == NULL) {
		g_ptr_array_unref(due);
		return NULL;
	}
	/* A full flush also tidies the rate-limit counters. */
	if (ids == NULL && !expire_counters(&txn, now, error)) {
		g_ptr_array_unref(due);
		return NULL;
	}
	for (guint i = 0; i < all->len; i++) {
		MdOutboxEntry *e = g_ptr_array_index(all, i);

		/* Owed mail is composed before it is due (cmd-flush.c). */
		if (e->state != MD_OUTBOX_QUEUED || e->owed ||
		    !wanted(ids, e->id) || e->next_attempt_at > now ||
		    e->lease_until > now)
			continue;
		e->lease_until = now + config->lease_s;
		if (!save(&txn, e, error)) {
			g_ptr_array_unref(due);
			return NULL;
		}
		g_ptr_array_add(due, g_ptr_array_steal_index(all, i));
		i--;
	}
	if ((due->len > 0 || ids == NULL) && !md_store_commit(&txn, error)) {
		g_ptr_array_unref(due);
		return NULL;
	}
	return due;
}

/*
 * A failed send goes into the ticket's events and marks the customer
 * bouncing.  Either may be gone (erased meanwhile); any other error fails
 * the settling transaction: a failed put leaves LMDB's transaction unusable.
 */
static gboolean
note_failure(MdTxn *txn, const MdOutboxEntry *e, const char *reply,
    gint64 now, GError **error)
{
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(MdCustomer) c = NULL;
	g_autofree char *to = g_strjoinv(", ", e->recipients);
	g_autofree char *text = g_strdup_printf("%s to %s failed: %s",
	    e->kind, to, reply);

	if (!md_ticket_lookup(txn, e->ticket, &t, error))
		return FALSE;
	if (t != NULL) {
		md_ticket_add_event(t, now, text);
		if (!md_ticket_save(txn, t, error))
			return FALSE;
	}
	if (e->customer_id == 0)
		return TRUE;
	if (!md_customer_lookup(txn, e->customer_id, &c, error))
		return FALSE;
	if (c == NULL)
		return TRUE;
	c->flags |= MD_CUSTOMER_BOUNCING;
	return md_customer_save(txn, c, error);
}

gboolean
md_outbox_settle(MdTxn *txn, const MdConfig *config, MdOutboxEntry *e,
    MdSmtpOutcome outcome, const char *reply, gint64 now,
    MdFlushResult *result, GError **error)
{
	guint8 key[8];
	guint64 delay;
	gboolean gone, found;
	MDB_val v;

	md_key_be64(key, e->id);
	/* Erased while we talked SMTP (customer erase, expire)? */
	if (!md_store_lookup(txn, MD_DB_OUTBOX, key, 8, &v, &found, error))
		return FALSE;
	gone = !found;
	e->attempts++;
	e->lease_until = 0;
	g_free(e->last_error);
	e->last_error = g_strdup(reply);
	switch (outcome) {
	case MD_SMTP_SENT:
		result->sent++;
		md_info("outbox id=%" G_GUINT64_FORMAT " ticket=%"
		    G_GUINT64_FORMAT " kind=%s result=sent",
		    e->id, e->ticket, e->kind);
		return md_store_del(txn, MD_DB_OUTBOX, key, 8, NULL, 0, error);
	case MD_SMTP_PERMFAIL:
		e->state = MD_OUTBOX_FAILED;
		if (!gone && !note_failure(txn, e, reply, now, error))
			return FALSE;
		result->failed++;
		break;
	case MD_SMTP_TEMPFAIL:
	default:
		if (now - e->created_at >
		    (gint64)config->give_up_hours * 3600) {
			g_autofree char *why = g_strdup_printf(
			    "gave up after %u attempts: %s",
			    e->attempts, reply);

			e->state = MD_OUTBOX_FAILED;
			if (!gone && !note_failure(txn, e, why, now, error))
				return FALSE;
			result->failed++;
			break;
		}
		/* Exponential back-off, capped. */
		delay = config->retry_base_s;
		for (guint32 a = 1; a < e->attempts &&
		    delay < config->retry_max_s; a++)
			delay *= 2;
		delay = MIN(delay, config->retry_max_s);
		e->next_attempt_at = now + (gint64)delay;
		result->deferred++;
		break;
	}
	md_info("outbox id=%" G_GUINT64_FORMAT " ticket=%"
	    G_GUINT64_FORMAT " kind=%s result=%s attempts=%u", e->id,
	    e->ticket, e->kind, md_outbox_state_name(e->state),
	    e->attempts);
	/* Saving an erased entry would bring the mail back. */
	return gone || save(txn, e, error);
}

/*
 * Step 3: record what SMTP said about due[from..to), in one transaction,
 * skipping what is recorded already (settled[i]).
 */
static gboolean
settle(MdStore *store, const MdConfig *config, GPtrArray *due,
    MdSmtpJob *jobs, gboolean *settled, guint from, guint to, gint64 now,
    MdFlushResult *result, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;

	if (!md_store_begin(store, MD_TXN_WRITE, &txn, error))
		return FALSE;
	for (guint i = from; i < to; i++)
		if (!settled[i] && !md_outbox_settle(&txn, config,
		    g_ptr_array_index(due, i), jobs[i].outcome, jobs[i].reply,
		    now, result, error))
			return FALSE;
	if (!md_store_commit(&txn, error))
		return FALSE;
	for (guint i = from; i < to; i++)
		settled[i] = TRUE;
	return TRUE;
}

typedef struct {
	MdStore *store;
	const MdConfig *config;
	GPtrArray *due;
	MdSmtpJob *jobs;
	gboolean *settled;
	MdFlushResult *result;
} Settling;

/*
 * Each message as soon as the relay answered its data: killed after this,
 * a flush has sent nothing twice; killed before, only this one message.
 * What fails to be recorded here is recorded after the session.
 */
static void
settle_one(MdSmtpJob *job, guint i, gpointer data)
{
	Settling *s = data;
	g_autoptr(GError) e = NULL;

	if (!settle(s->store, s->config, s->due, s->jobs, s->settled, i,
	    i + 1, g_get_real_time() / G_USEC_PER_SEC, s->result, &e))
		md_debug(1, "outbox: recording one result failed: %s",
		    e->message);
}

GPtrArray *
md_outbox_load(MdTxn *txn, GArray *ids, GError **error)
{
	g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_outbox_entry_free);

	for (guint i = 0; i < ids->len; i++) {
		guint8 key[8];
		MDB_val v;
		g_autoptr(GError) e = NULL;
		MdOutboxEntry *entry;

		md_key_be64(key, g_array_index(ids, guint64, i));
		if (!md_store_get(txn, MD_DB_OUTBOX, key, 8, &v, &e)) {
			if (g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND))
				continue;	/* sent or erased meanwhile */
			g_propagate_error(error, g_steal_pointer(&e));
			return NULL;
		}
		entry = from_record(v.mv_data, v.mv_size, error);
		if (entry == NULL)
			return NULL;
		if (entry->state != MD_OUTBOX_QUEUED) {
			md_outbox_entry_free(entry);
			continue;
		}
		g_ptr_array_add(due, entry);
	}
	return g_steal_pointer(&due);
}

gboolean
md_outbox_flush(MdStore *store, const MdConfig *config, GArray *ids,
    guint timeout_s, gint64 now, MdFlushResult *result, GError **error)
{
	g_autoptr(GPtrArray) due = NULL;
	MdSmtpJob *jobs;
	gboolean ok, *settled;
	guint first;

	memset(result, 0, sizeof(*result));
	due = lease(store, config, ids, now, error);
	if (due == NULL)
		return FALSE;
	if (due->len == 0)
		return TRUE;
	jobs = g_new0(MdSmtpJob, due->len);
	for (guint i = 0; i < due->len; i++) {
		MdOutboxEntry *e = g_ptr_array_index(due, i);

		jobs[i].from = e->envelope_from;
		jobs[i].recipients = e->recipients;
		jobs[i].data = e->data;
	}
	settled = g_new0(gboolean, due->len);
	{
		Settling s = { store, config, due, jobs, settled, result };

		md_smtp_send(config, jobs, due->len, timeout_s, settle_one,
		    &s);
	}
	/* What the session left unrecorded, in one transaction. */
	for (first = 0; first < due->len && settled[first]; first++)
		;
	ok = first == due->len || settle(store, config, due, jobs, settled,
	    first, due->len, g_get_real_time() / G_USEC_PER_SEC, result,
	    error);
	g_free(settled);
	for (guint i = 0; i < due->len; i++)
		g_free(jobs[i].reply);
	g_free(jobs);
	return ok;
}

/*
 * The acknowledgement limits: per person (victim+1@ and victim+2@ are one
 * mailbox) and per domain, each per hour and per day.
 */
gboolean
md_outbox_ratelimit(MdTxn *txn, const MdConfig *config, const char *address,
    gint64 now, gboolean *allowed, GError **error)
{
	g_autofree char *who = md_ratelimit_address_key(address);
	g_autofree char *domain = md_ratelimit_domain_key(address);
	const MdRateLimit limits[] = {
		{ who, 'h', config->ack_per_hour },
		{ who, 'd', config->ack_per_day },
		{ domain, 'h', config->ack_domain_per_hour },
		{ domain, 'd', config->ack_domain_per_day },
	};

	return md_ratelimit_take(txn, limits, G_N_ELEMENTS(limits), now,
	    allowed, error);
}
