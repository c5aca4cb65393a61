/* SPDX-License-Identifier: MIT */
/*
 * Threading.  A guessed ticket number must never let a stranger into
 * somebody else's conversation, so the subject tag counts only when the
 * sender is the ticket's customer; a Message-ID is a secret only a
 * participant has seen, so a reference counts from anyone.
 */
#include <string.h>

#include "maildesk/agent.h"
#include "maildesk/error.h"
#include "maildesk/log.h"
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
	t = md_ticket_load(l->txn, number, NULL);
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
	Lookup l = { queue, txn, 0, 0 };
	g_autofree char *key = md_store_key_text(id);

	/* Walk the duplicates: one mail may live in several queues. */
	if (!md_store_foreach_dup(txn, MD_DB_MSGID, key, strlen(key),
	    each_hit, &l, error))
		return FALSE;
	*ticket = l.same_queue != 0 ? l.same_queue : l.first;
	return TRUE;
}

/*
 * A signed reply address among the recipients: support+<n>.<mac>@.  The
 * customer's MAC and each agent's of the ticket's queue are tried.
 */
static gboolean
find_token(MdTxn *txn, const MdConfig *config, GBytes *secret,
    const char *address, MdThreadMatch *match, GError **error)
{
	g_autofree char *mac = NULL, *base = NULL;
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(GError) e = NULL;
	guint64 n;

	if (!md_token_parse_address(address, config->recipient_delimiter, &n,
	    &mac, &base) || !md_config_is_ours(config, base))
		return TRUE;
	t = md_ticket_load(txn, n, &e);
	if (t == NULL) {
		if (!g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&e));
			return FALSE;
		}
	} else if (md_token_verify(secret, n, NULL, mac)) {
		match->reason = MD_THREAD_TOKEN;
		match->ticket = n;
		return TRUE;
	} else {
		g_auto(GStrv) agents = md_agent_of_queue(txn, config,
		    t->queue, error);

		if (agents == NULL)
			return FALSE;
		for (char **a = agents; *a != NULL; a++)
			if (md_token_verify(secret, n, *a, mac)) {
				match->reason = MD_THREAD_TOKEN;
				match->ticket = n;
				g_strlcpy(match->agent_buf, *a,
				    sizeof(match->agent_buf));
				match->agent = match->agent_buf;
				return TRUE;
			}
	}
	match->bad_token = TRUE;
	md_info("thread token=invalid ticket=%" G_GUINT64_FORMAT, n);
	return TRUE;
}

static gboolean
find_any_token(MdTxn *txn, const MdConfig *config, GBytes *secret,
    const MdMessage *m, MdThreadMatch *match, GError **error)
{
	static const char *const headers[] = {
		"Delivered-To", "X-Original-To", NULL
	};

	if (secret == NULL)
		return TRUE;
	if (m->recipient != NULL && !find_token(txn, config, secret,
	    m->recipient, match, error))
		return FALSE;
	for (const char *const *h = headers; *h != NULL &&
	    match->ticket == 0; h++) {
		const char *v = md_message_header(m, *h);

		if (v != NULL && !find_token(txn, config, secret, v, match,
		    error))
			return FALSE;
	}
	for (guint i = 0; i < m->to->len && match->ticket == 0; i++) {
		MdMailbox *mb = g_ptr_array_index(m->to, i);

		if (!find_token(txn, config, secret, mb->email, match, error))
			return FALSE;
	}
	for (guint i = 0; i < m->cc->len && match->ticket == 0; i++) {
		MdMailbox *mb = g_ptr_array_index(m->cc, i);

		if (!find_token(txn, config, secret, mb->email, match, error))
			return FALSE;
	}
	return TRUE;
}

/* A Message-ID we made names its ticket, indexed or not. */
static gboolean
lookup_reference(MdTxn *txn, GBytes *secret, const char *id,
    const char *queue, guint64 *ticket, GError **error)
{
	guint64 ours = secret ? md_token_message_id_ticket(secret, id) : 0;

	if (ours != 0) {
		g_autoptr(MdTicket) t = md_ticket_load(txn, ours, NULL);

		if (t != NULL) {
			*ticket = ours;
			return TRUE;
		}
	}
	return lookup_id(txn, id, queue, ticket, error);
}

gboolean
md_thread_find(MdTxn *txn, const MdConfig *config, GBytes *secret,
    const MdMessage *m, guint64 customer_id, const char *queue,
    MdThreadMatch *match, GError **error)
{
	guint64 n;

	memset(match, 0, sizeof(*match));
	if (!find_any_token(txn, config, secret, m, match, error))
		return FALSE;
	if (match->ticket != 0)
		return TRUE;
	/* In-Reply-To first, then References from the newest back. */
	if (m->in_reply_to != NULL) {
		if (!lookup_reference(txn, secret, m->in_reply_to, queue, &n,
		    error))
			return FALSE;
		if (n != 0)
			goto found;
	}
	for (guint i = m->references->len; i > 0; i--) {
		if (!lookup_reference(txn, secret,
		    g_ptr_array_index(m->references, i - 1), queue, &n, error))
			return FALSE;
		if (n != 0)
			goto found;
	}
	/* A bounce names the mail it reports on inside its body. */
	for (guint i = 0; i < m->original_ids->len; i++) {
		if (m->kind != MD_KIND_BOUNCE && m->kind != MD_KIND_AUTO_REPLY)
			break;
		if (!lookup_id(txn, g_ptr_array_index(m->original_ids, i),
		    queue, &n, error))
			return FALSE;
		if (n != 0)
			goto found;
	}

	n = md_thread_subject_tag(m->subject, config->tag);
	if (n != 0) {
		g_autoptr(GError) e = NULL;
		g_autoptr(MdTicket) t = md_ticket_load(txn, n, &e);

		if (t == NULL && !g_error_matches(e, MD_ERROR,
		    MD_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&e));
			return FALSE;
		}
		if (t != NULL && customer_id != 0 &&
		    t->customer_id == customer_id) {
			match->reason = MD_THREAD_TAG;
			match->ticket = n;
			return TRUE;
		}
		match->cited = n;
	}
	match->reason = MD_THREAD_NEW;
	return TRUE;

found:
	match->reason = MD_THREAD_REFERENCE;
	match->ticket = n;
	return TRUE;
}
