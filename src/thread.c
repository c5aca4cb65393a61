/* SPDX-License-Identifier: MIT */
/*
 * Threading.  A guessed ticket number must never let a stranger into
 * somebody else's conversation, so the subject tag counts only when the
 * sender is the ticket's customer; a Message-ID is a secret only a
 * participant has seen, so a reference counts from anyone.
 */
#include <string.h>

#include "maildesk/error.h"
#include "maildesk/thread.h"
#include "maildesk/ticket.h"

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

gboolean
md_thread_find(MdTxn *txn, const MdConfig *config, const MdMessage *m,
    guint64 customer_id, const char *queue, MdThreadMatch *match,
    GError **error)
{
	guint64 n;

	memset(match, 0, sizeof(*match));
	/* In-Reply-To first, then References from the newest back. */
	if (m->in_reply_to != NULL) {
		if (!lookup_id(txn, m->in_reply_to, queue, &n, error))
			return FALSE;
		if (n != 0)
			goto found;
	}
	for (guint i = m->references->len; i > 0; i--) {
		if (!lookup_id(txn, g_ptr_array_index(m->references, i - 1),
		    queue, &n, error))
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
