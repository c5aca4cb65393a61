/* SPDX-License-Identifier: MIT */
/*
 * Participants.  A customer who writes to us with a colleague in Cc
 * expects the colleague to see the answer, as a mail client's reply-all
 * would do; so the ticket keeps who else the customer wrote to, links
 * them like any person on the ticket (their replies thread in, export
 * finds the ticket), and relayed answers name them in Cc.  Our own
 * addresses and agents are never participants, and the list is capped.
 */
#include <string.h>

#include "maildesk/agent.h"
#include "maildesk/error.h"
#include "maildesk/outbox.h"
#include "maildesk/participants.h"

#define FULL "the list of participants is full"

gboolean
md_participants_has(const MdTicket *t, guint64 id)
{
	for (guint i = 0; i < t->participants->len; i++)
		if (g_array_index(t->participants, guint64, i) == id)
			return TRUE;
	return FALSE;
}

gboolean
md_participants_add(MdTxn *txn, const MdConfig *config, MdTicket *t,
    const MdMailbox *mb, gint64 now, const char **why, GError **error)
{
	g_autoptr(MdAgent) agent = NULL;
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GError) e = NULL;
	gboolean created;

	*why = NULL;
	if (mb->email == NULL || strchr(mb->email, '@') == NULL) {
		*why = "no address";
		return TRUE;
	}
	if (md_config_is_ours(config, mb->email)) {
		*why = "one of our own addresses";
		return TRUE;
	}
	agent = md_agent_find(txn, config, mb->email, &e);
	if (e != NULL) {
		g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	}
	if (agent != NULL) {
		*why = "an agent";
		return TRUE;
	}
	if (!md_customer_lookup_email(txn, mb->email, &c, error))
		return FALSE;
	if (c != NULL && c->id == t->customer_id) {
		*why = "the ticket's customer";
		return TRUE;
	}
	if (c != NULL && md_participants_has(t, c->id)) {
		*why = "already a participant";
		return TRUE;
	}
	if (t->participants->len >= MD_PARTICIPANTS_MAX) {
		*why = FULL;
		return TRUE;
	}
	if (c == NULL) {
		c = md_customer_find_or_create(txn, mb, now, &created, error);
		if (c == NULL)
			return FALSE;
	}
	g_array_append_val(t->participants, c->id);
	return md_customer_link_ticket(txn, c->id, t->number, error);
}

static gboolean
add_list(MdTxn *txn, const MdConfig *config, MdTicket *t, GPtrArray *list,
    gint64 now, GError **error)
{
	for (guint i = 0; i < list->len; i++) {
		const char *why;

		if (!md_participants_add(txn, config, t,
		    g_ptr_array_index(list, i), now, &why, error))
			return FALSE;
		if (why != NULL && strcmp(why, FULL) == 0)
			break;
	}
	return TRUE;
}

gboolean
md_participants_add_from(MdTxn *txn, const MdConfig *config, MdTicket *t,
    const MdMessage *m, gint64 now, GError **error)
{
	/* Most mail names us alone: no agent lookup, no profile read. */
	if (m->to->len + m->cc->len <= 1 && (m->to->len == 0 ||
	    md_config_is_ours(config, ((MdMailbox *)g_ptr_array_index(m->to,
	    0))->email)))
		return TRUE;
	return add_list(txn, config, t, m->to, now, error) &&
	    add_list(txn, config, t, m->cc, now, error);
}

/* Did customer @c write any message of @t? */
static gboolean
wrote_in(MdTxn *txn, const MdTicket *t, const MdCustomer *c,
    gboolean *yes, GError **error)
{
	*yes = FALSE;
	for (guint32 s = 1; s <= t->message_count && !*yes; s++) {
		g_autoptr(MdMessage) m = md_ticket_load_message(txn, t->number,
		    s, error);

		if (m == NULL)
			return FALSE;
		*yes = m->from != NULL && m->from->email != NULL &&
		    md_customer_has_address(c, m->from->email);
	}
	return TRUE;
}

gboolean
md_participants_remove(MdTxn *txn, MdTicket *t, const char *address,
    GError **error)
{
	g_autoptr(MdCustomer) c = NULL;
	gboolean wrote;

	if (!md_customer_lookup_email(txn, address, &c, error))
		return FALSE;
	if (c == NULL || !md_participants_has(t, c->id)) {
		g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "%s is no "
		    "participant of ticket %" G_GUINT64_FORMAT, address,
		    t->number);
		return FALSE;
	}
	for (guint i = 0; i < t->participants->len; i++)
		if (g_array_index(t->participants, guint64, i) == c->id) {
			g_array_remove_index(t->participants, i);
			break;
		}
	if (!wrote_in(txn, t, c, &wrote, error))
		return FALSE;
	if (!wrote) {
		guint8 key[16];

		md_key_be64(key, c->id);
		md_key_be64(key + 8, t->number);
		if (!md_store_del(txn, MD_DB_CUSTOMER_TICKETS, key, 16, NULL,
		    0, error))
			return FALSE;
	}
	return TRUE;
}

GPtrArray *
md_participants_load(MdTxn *txn, const MdTicket *t, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_customer_free);

	for (guint i = 0; i < t->participants->len; i++) {
		g_autoptr(GError) e = NULL;
		MdCustomer *c = md_customer_load(txn, g_array_index(
		    t->participants, guint64, i), &e);

		if (c == NULL) {
			/* Erased meanwhile by a version without this list. */
			if (g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND))
				continue;
			g_propagate_error(error, g_steal_pointer(&e));
			return NULL;
		}
		g_ptr_array_add(out, c);
	}
	return g_steal_pointer(&out);
}

GPtrArray *
md_participants_recipients(MdTxn *txn, const MdTicket *t, GError **error)
{
	GPtrArray *out = md_participants_load(txn, t, error);

	for (guint i = 0; out != NULL && i < out->len;) {
		const MdCustomer *c = g_ptr_array_index(out, i);

		if (c->flags & (MD_CUSTOMER_RESTRICTED | MD_CUSTOMER_BOUNCING))
			g_ptr_array_remove_index(out, i);
		else
			i++;
	}
	return out;
}

/*
 * Cuts every case-insensitive occurrence of the strings @needles out of
 * @len bytes at @data (transfer full; NULL when there was none).
 */
static GString *
cut(const char *data, gsize len, GPtrArray *needles)
{
	GString *out = NULL;
	gsize from = 0, i = 0;

	while (i < len) {
		gsize hit = 0;

		for (guint k = 0; k < needles->len && hit == 0; k++) {
			const char *n = g_ptr_array_index(needles, k);
			gsize nl = strlen(n);

			if (nl > 0 && nl <= len - i &&
			    g_ascii_strncasecmp(data + i, n, nl) == 0)
				hit = nl;
		}
		if (hit == 0) {
			i++;
			continue;
		}
		if (out == NULL)
			out = g_string_sized_new(len);
		g_string_append_len(out, data + from, (gssize)(i - from));
		g_string_append(out, "[erased]");
		i += hit;
		from = i;
	}
	if (out != NULL)
		g_string_append_len(out, data + from, (gssize)(len - from));
	return out;
}

/* Cuts @needles out of the string *@s; TRUE when it changed. */
static gboolean
cut_str(char **s, GPtrArray *needles)
{
	GString *g;

	if (*s == NULL || (g = cut(*s, strlen(*s), needles)) == NULL)
		return FALSE;
	g_free(*s);
	*s = g_string_free(g, FALSE);
	return TRUE;
}

/* Drops the mailboxes of @c from @list; TRUE when it changed. */
static gboolean
drop_mailboxes(GPtrArray *list, const MdCustomer *c)
{
	gboolean changed = FALSE;

	for (guint i = 0; i < list->len;) {
		MdMailbox *mb = g_ptr_array_index(list, i);

		if (mb->email != NULL && md_customer_has_address(c,
		    mb->email)) {
			g_ptr_array_remove_index(list, i);
			changed = TRUE;
		} else
			i++;
	}
	return changed;
}

/* Cuts @needles out of GBytes *@b; TRUE when it changed. */
static gboolean
cut_bytes(GBytes **b, GPtrArray *needles)
{
	gsize len;
	const char *data = g_bytes_get_data(*b, &len);
	GString *g = cut(data, len, needles);

	if (g == NULL)
		return FALSE;
	g_bytes_unref(*b);
	*b = g_string_free_to_bytes(g);
	return TRUE;
}

static gboolean
forget_in_message(MdTxn *txn, const MdTicket *t, guint32 seq,
    const MdCustomer *c, GPtrArray *needles, GError **error)
{
	g_autoptr(MdMessage) m = md_ticket_load_message(txn, t->number, seq,
	    error);
	g_autoptr(GBytes) raw = NULL, sent = NULL;
	gboolean changed = FALSE;
	guint8 key[12];

	if (m == NULL)
		return FALSE;
	if (m->flags & MD_MSG_ERASED)
		return TRUE;
	changed |= drop_mailboxes(m->to, c);
	changed |= drop_mailboxes(m->cc, c);
	for (guint i = 1; i < m->headers->len; i += 2)
		changed |= cut_str((char **)&m->headers->pdata[i], needles);
	changed |= cut_str(&m->text, needles);
	changed |= cut_str(&m->html, needles);
	changed |= cut_str(&m->subject, needles);
	raw = md_ticket_load_raw(txn, t->number, seq, error);
	if (raw == NULL)
		return FALSE;
	if (cut_bytes(&raw, needles)) {
		gsize len;
		const void *data = g_bytes_get_data(raw, &len);

		md_key_ticket_seq(key, t->number, seq);
		if (!md_store_put(txn, MD_DB_RAW, key, 12, data, len, 0,
		    error))
			return FALSE;
		/* The record describes the bytes kept, as check verifies. */
		g_free(m->raw_sha256);
		m->raw_sha256 = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256,
		    raw);
		m->raw_size = len;
		changed = TRUE;
	}
	if (changed && !md_ticket_update_message(txn, t->number, seq, m,
	    error))
		return FALSE;
	sent = md_ticket_load_sent(txn, t->number, seq, error);
	if (sent == NULL)
		return error == NULL || *error == NULL;
	if (cut_bytes(&sent, needles) && !md_ticket_save_sent(txn, t->number,
	    seq, sent, error))
		return FALSE;
	return TRUE;
}

gboolean
md_participants_forget(MdTxn *txn, MdTicket *t, const MdCustomer *c,
    GError **error)
{
	g_autoptr(GPtrArray) needles = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) queued = NULL;

	for (guint i = 0; i < t->participants->len;)
		if (g_array_index(t->participants, guint64, i) == c->id)
			g_array_remove_index(t->participants, i);
		else
			i++;
	g_ptr_array_add(needles, g_strdup(c->email));
	for (guint i = 0; i < c->former->len; i++)
		g_ptr_array_add(needles, g_strdup(g_ptr_array_index(c->former,
		    i)));
	/* A full name is theirs; a first name alone is too common to cut. */
	if (c->first_name != NULL && c->last_name != NULL)
		g_ptr_array_add(needles, g_strdup_printf("%s %s",
		    c->first_name, c->last_name));
	/* Mail queued to others that names them (the customer's Cc). */
	queued = md_outbox_list_ticket(txn, t->number, error);
	if (queued == NULL)
		return FALSE;
	for (guint i = 0; i < queued->len; i++) {
		MdOutboxEntry *o = g_ptr_array_index(queued, i);

		if (cut_bytes(&o->data, needles) &&
		    !md_outbox_update(txn, o, error))
			return FALSE;
	}
	for (guint32 s = 1; s <= t->message_count; s++) {
		g_autoptr(GError) e = NULL;

		if (!forget_in_message(txn, t, s, c, needles, &e)) {
			if (g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND))
				continue;
			g_propagate_error(error, g_steal_pointer(&e));
			return FALSE;
		}
	}
	return md_ticket_save(txn, t, error);
}
