/* SPDX-License-Identifier: MIT */
/*
 * One mail, many copies.  The first copy decides and stores; a later one
 * only adds the address it reached to the stored message.  For the first
 * copy to decide as well as any other, nothing may depend on which copy
 * came first: the queue is ranked among all our addresses the mail names,
 * and threading reads signed reply addresses from To and Cc as well as
 * from the envelope (thread.c), so an agent's reply-all to their signed
 * address and support@ is an answer whichever copy arrives first.
 */
#include <string.h>

#include "maildesk/dedupe.h"
#include "maildesk/error.h"
#include "maildesk/ticket.h"

char *
md_dedupe_key(const MdMessage *m)
{
	if (m->message_id != NULL)
		return g_strconcat("id:", m->message_id, NULL);
	return g_strconcat("sha256:", m->raw_sha256, NULL);
}

static gboolean
reached(const MdMessage *stored, const char *address)
{
	if (g_strcmp0(stored->recipient, address) == 0)
		return TRUE;
	for (guint i = 0; i < stored->also_to->len; i++)
		if (strcmp(g_ptr_array_index(stored->also_to, i), address) == 0)
			return TRUE;
	return FALSE;
}

gboolean
md_dedupe_seen(MdTxn *txn, const char *key, const MdMessage *m,
    gboolean *seen, gboolean *changed, guint64 *ticket, guint32 *seq,
    GError **error)
{
	g_autofree char *k = md_store_key_text(key);
	g_autoptr(GError) e = NULL;
	g_autoptr(MdMessage) stored = NULL;
	MDB_val v;

	*changed = FALSE;
	if (!md_store_lookup(txn, MD_DB_DEDUPE, k, strlen(k), &v, seen,
	    error))
		return FALSE;
	if (!*seen)
		return TRUE;
	if (v.mv_size != 12)
		return TRUE;
	*ticket = md_key_read_be64(v.mv_data);
	*seq = md_key_read_be32((guint8 *)v.mv_data + 8);
	if (m->recipient == NULL)
		return TRUE;
	/* The same copy again (an MTA retry) changes nothing. */
	stored = md_ticket_load_message(txn, *ticket, *seq, &e);
	if (stored == NULL) {
		/* Erased meanwhile: the index entry is gone with it. */
		if (g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	}
	if ((stored->flags & MD_MSG_ERASED) || reached(stored, m->recipient))
		return TRUE;
	g_ptr_array_add(stored->also_to, g_strdup(m->recipient));
	*changed = TRUE;
	return md_ticket_update_message(txn, *ticket, *seq, stored, error);
}

static void
rank(const MdConfig *config, const char *address, const char **best,
    guint *best_rank)
{
	const char *q = md_config_queue_for(config, address);
	guint r;

	if (q == NULL)
		return;
	r = md_config_queue_rank(config, q);
	if (*best == NULL || r < *best_rank) {
		*best = q;
		*best_rank = r;
	}
}

const char *
md_dedupe_queue(const MdConfig *config, const MdMessage *m)
{
	const char *best = NULL;
	guint best_rank = 0;

	if (m->recipient != NULL)
		rank(config, m->recipient, &best, &best_rank);
	for (guint i = 0; i < m->to->len; i++)
		rank(config, ((MdMailbox *)g_ptr_array_index(m->to, i))->email,
		    &best, &best_rank);
	for (guint i = 0; i < m->cc->len; i++)
		rank(config, ((MdMailbox *)g_ptr_array_index(m->cc, i))->email,
		    &best, &best_rank);
	return best;
}
