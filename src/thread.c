/* SPDX-License-Identifier: MIT */
/*
 * Threading.  A guessed ticket number must never let a stranger into
 * somebody else's conversation, and neither must a Message-ID: every Cc
 * recipient and everyone a mail was forwarded to knows it.  So a
 * reference and the subject tag count only for the ticket's customer, its
 * participants and agents, or for a Message-ID we signed for the address
 * now writing; a fresh signed reply address counts from anyone, because
 * only who received our mail has it.
 */
#include <string.h>

#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/merge.h"
#include "maildesk/participants.h"
#include "maildesk/thread.h"
#include "maildesk/ticket.h"
#include "maildesk/token.h"

guint64
md_thread_subject_tag(const char *subject, const char *tag)
{
	gsize tlen;

	if (subject == NULL || tag == NULL || tag[0] == '\0')
		return 0;
	tlen = strlen(tag);
	for (const char *p = strchr(subject, '['); p != NULL;
	    p = strchr(p + 1, '[')) {
		const char *q = p + 1;
		guint64 n = 0;
		int digits = 0;

		while (*q == ' ')
			q++;
		if (g_ascii_strncasecmp(q, tag, tlen) != 0)
			continue;
		q += tlen;
		while (*q == ' ')
			q++;
		while (g_ascii_isdigit(*q) && digits < 18) {
			n = n * 10 + (guint64)(*q - '0');
			q++;
			digits++;
		}
		while (*q == ' ')
			q++;
		if (digits > 0 && *q == ']' && n > 0)
			return n;
	}
	return 0;
}

typedef struct {
	const char *queue;
	MdTxn *txn;
	guint64 first;		/* first ticket found */
	guint64 same_queue;	/* first ticket found in @queue */
	GError *error;		/* a ticket that could not be read */
} Lookup;

static gboolean
each_hit(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Lookup *l = user_data;
	guint64 number;
	g_autoptr(MdTicket) t = NULL;

	if (data->mv_size != 12)
		return TRUE;
	number = md_key_read_be64(data->mv_data);
	if (l->first == 0)
		l->first = number;
	if (!md_ticket_lookup(l->txn, number, &t, &l->error))
		return FALSE;
	if (t != NULL && g_strcmp0(t->queue, l->queue) == 0) {
		l->same_queue = number;
		return FALSE;
	}
	return TRUE;
}

/* The ticket holding Message-ID @id, preferring one in @queue. */
static gboolean
lookup_id(MdTxn *txn, const char *id, const char *queue, guint64 *ticket,
    GError **error)
{
	Lookup l = { .queue = queue, .txn = txn };
	g_autofree char *key = md_store_key_text(id);

	/* Walk the duplicates: one mail may live in several queues. */
	if (!md_store_foreach_dup(txn, MD_DB_MSGID, key, strlen(key),
	    each_hit, &l, error))
		return FALSE;
	if (l.error != NULL) {
		g_propagate_error(error, l.error);
		return FALSE;
	}
	*ticket = l.same_queue != 0 ? l.same_queue : l.first;
	return TRUE;
}

/* The sender may join ticket @t: its customer, a participant, an agent. */
static gboolean
may_join(MdTxn *txn, const MdTicket *t, const MdThreadSender *who,
    gboolean *yes, GError **error)
{
	*yes = who->agent || (who->customer_id != 0 &&
	    (t->customer_id == who->customer_id ||
	    md_participants_has(t, who->customer_id)));
	if (*yes || who->customer_id == 0)
		return TRUE;
	return md_customer_has_ticket(txn, who->customer_id, t->number, yes,
	    error);
}

/*
 * A signed reply address among the recipients: support+<n>.<day>.<mac>@.
 * The customer's MAC and, from an agent, the agent's own MAC are tried;
 * one out of date (or of the form without a day) is noted as stale.
 */
static gboolean
find_token(MdTxn *txn, const MdConfig *config, GBytes *secret,
    const char *address, const MdThreadSender *who, gint64 now,
    MdThreadMatch *match, GError **error)
{
	g_autofree char *mac = NULL, *base = NULL;
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(GError) e = NULL;
	guint64 n;
	guint32 day;
	gboolean fresh;

	if (!md_token_parse_address(address, config->recipient_delimiter, &n,
	    &day, &mac, &base) || !md_config_is_ours(config, base))
		return TRUE;
	t = md_ticket_load(txn, n, &e);
	if (t == NULL) {
		if (!g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&e));
			return FALSE;
		}
	} else if (md_token_verify(secret, n, day, NULL, mac)) {
		if (md_token_is_fresh(day, config->token_days, now)) {
			match->reason = MD_THREAD_TOKEN;
			match->ticket = n;
		} else if (match->stale_ticket == 0)
			match->stale_ticket = n;
		return TRUE;
	} else if (who->agent && md_token_verify(secret, n, day,
	    who->address, mac)) {
		/*
		 * The agent's own address, fresh or not: their ticket.  One
		 * who is no agent any more has no address of ours.
		 */
		fresh = md_token_is_fresh(day, config->token_days, now);
		match->reason = MD_THREAD_TOKEN;
		match->ticket = n;
		match->token_stale = !fresh;
		g_strlcpy(match->agent_buf, who->address,
		    sizeof(match->agent_buf));
		match->agent = match->agent_buf;
		return TRUE;
	}
	match->bad_token = TRUE;
	md_info("thread token=invalid ticket=%" G_GUINT64_FORMAT, n);
	return TRUE;
}

/*
 * Every address of ours the mail names, the envelope first: each copy of
 * a mail to several of our addresses finds the same token (dedupe.c).
 */
static gboolean
find_any_token(MdTxn *txn, const MdConfig *config, GBytes *secret,
    const MdMessage *m, const MdThreadSender *who, gint64 now,
    MdThreadMatch *match, GError **error)
{
	static const char *const headers[] = {
		"Delivered-To", "X-Original-To", NULL
	};

	if (secret == NULL)
		return TRUE;
	if (m->recipient != NULL && !find_token(txn, config, secret,
	    m->recipient, who, now, match, error))
		return FALSE;
	for (const char *const *h = headers; *h != NULL &&
	    match->ticket == 0; h++) {
		const char *v = md_message_header(m, *h);

		if (v != NULL && !find_token(txn, config, secret, v, who, now,
		    match, error))
			return FALSE;
	}
	for (guint i = 0; i < m->to->len && match->ticket == 0; i++) {
		MdMailbox *mb = g_ptr_array_index(m->to, i);

		if (!find_token(txn, config, secret, mb->email, who, now,
		    match, error))
			return FALSE;
	}
	for (guint i = 0; i < m->cc->len && match->ticket == 0; i++) {
		MdMailbox *mb = g_ptr_array_index(m->cc, i);

		if (!find_token(txn, config, secret, mb->email, who, now,
		    match, error))
			return FALSE;
	}
	return TRUE;
}

/*
 * The ticket a reference names: one of our signed Message-IDs, indexed
 * or not, or a stored one.  *@allowed: the sender may follow it there.
 */
static gboolean
lookup_reference(MdTxn *txn, GBytes *secret, const char *id,
    const char *queue, const MdThreadSender *who, gboolean anyone,
    guint64 *ticket, gboolean *allowed, GError **error)
{
	guint64 ours = secret ? md_token_message_id_ticket(secret, id) : 0;
	g_autoptr(MdTicket) t = NULL;

	*ticket = 0;
	*allowed = FALSE;
	if (ours != 0 && !md_ticket_lookup(txn, ours, &t, error))
		return FALSE;
	if (t != NULL) {
		*ticket = ours;
		/* Sent to this very address: proof of receipt, as a token. */
		if (anyone || md_token_message_id_sent_to(secret, id,
		    who->address)) {
			*allowed = TRUE;
			return TRUE;
		}
	} else {
		if (!lookup_id(txn, id, queue, ticket, error))
			return FALSE;
		if (*ticket == 0)
			return TRUE;
		if (anyone) {
			*allowed = TRUE;
			return TRUE;
		}
		if (!md_ticket_lookup(txn, *ticket, &t, error))
			return FALSE;
		if (t == NULL)
			return TRUE;
	}
	return may_join(txn, t, who, allowed, error);
}

static gboolean
find(MdTxn *txn, const MdConfig *config, GBytes *secret,
    const MdMessage *m, const MdThreadSender *who, const char *queue,
    gint64 now, MdThreadMatch *match, GError **error)
{
	/* A bounce comes from a mail system: it names what it reports on. */
	gboolean anyone = m->kind == MD_KIND_BOUNCE;
	gboolean allowed;
	guint64 n, cited = 0;

	memset(match, 0, sizeof(*match));
	if (!find_any_token(txn, config, secret, m, who, now, match, error))
		return FALSE;
	if (match->ticket != 0)
		return TRUE;
	/* In-Reply-To first, then References from the newest back. */
	if (m->in_reply_to != NULL) {
		if (!lookup_reference(txn, secret, m->in_reply_to, queue, who,
		    anyone, &n, &allowed, error))
			return FALSE;
		if (allowed)
			goto found;
		if (cited == 0)
			cited = n;
	}
	for (guint i = m->references->len; i > 0; i--) {
		if (!lookup_reference(txn, secret, g_ptr_array_index(
		    m->references, i - 1), queue, who, anyone, &n, &allowed,
		    error))
			return FALSE;
		if (allowed)
			goto found;
		if (cited == 0)
			cited = n;
	}
	/* A bounce names the mail it reports on inside its body. */
	for (guint i = 0; i < m->original_ids->len; i++) {
		g_autoptr(MdTicket) t = NULL;

		if (m->kind != MD_KIND_BOUNCE && m->kind != MD_KIND_AUTO_REPLY)
			break;
		if (!lookup_id(txn, g_ptr_array_index(m->original_ids, i),
		    queue, &n, error))
			return FALSE;
		if (n == 0)
			continue;
		allowed = anyone;
		if (!allowed && !md_ticket_lookup(txn, n, &t, error))
			return FALSE;
		if (!allowed && t != NULL && !may_join(txn, t, who, &allowed,
		    error))
			return FALSE;
		if (allowed)
			goto found;
		if (cited == 0)
			cited = n;
	}
	if (cited != 0) {
		match->cited = cited;
		match->cited_reference = TRUE;
	}
	/* An old reply address of ours counts as much as the tag. */
	if (match->stale_ticket != 0) {
		g_autoptr(MdTicket) t = NULL;

		if (!md_ticket_lookup(txn, match->stale_ticket, &t, error) ||
		    (t != NULL && !may_join(txn, t, who, &allowed, error)))
			return FALSE;
		if (t != NULL && allowed) {
			match->reason = MD_THREAD_TAG;
			match->ticket = match->stale_ticket;
			match->cited = 0;
			match->cited_reference = FALSE;
			return TRUE;
		}
		if (match->cited == 0)
			match->cited = match->stale_ticket;
	}

	n = md_thread_subject_tag(m->subject, config->tag);
	if (n != 0) {
		g_autoptr(MdTicket) t = NULL;

		if (!md_ticket_lookup(txn, n, &t, error))
			return FALSE;
		allowed = FALSE;
		if (t != NULL && (who->customer_id != 0 || who->agent) &&
		    !may_join(txn, t, who, &allowed, error))
			return FALSE;
		if (allowed) {
			match->reason = MD_THREAD_TAG;
			match->ticket = n;
			match->cited = 0;
			match->cited_reference = FALSE;
			return TRUE;
		}
		if (match->cited == 0)
			match->cited = n;
	}
	match->reason = MD_THREAD_NEW;
	return TRUE;

found:
	match->reason = MD_THREAD_REFERENCE;
	match->ticket = n;
	return TRUE;
}

gboolean
md_thread_find(MdTxn *txn, const MdConfig *config, GBytes *secret,
    const MdMessage *m, const MdThreadSender *who, const char *queue,
    gint64 now, MdThreadMatch *match, GError **error)
{
	if (!find(txn, config, secret, m, who, queue, now, match, error))
		return FALSE;
	/*
	 * A merged ticket lives on in its target: whatever named the stub
	 * (its tag, signed addresses, our Message-IDs) lands there.  Who
	 * may join was decided on the stub, which keeps its people.
	 */
	if (match->ticket != 0)
		match->ticket = md_merge_target(txn, match->ticket);
	if (match->cited != 0)
		match->cited = md_merge_target(txn, match->cited);
	return TRUE;
}
