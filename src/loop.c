/* SPDX-License-Identifier: MIT */
/*
 * Loops.  A literal mark shared by every installation makes one
 * installation take another's mail for its own, so the mark comes from
 * the store's secret; and our own mail is known by the MAC in its
 * Message-ID, which no other installation can make.  Whatever slips
 * through both (two out-of-office programs answering each other through
 * an agent) meets the cap on relayed answers per ticket and hour.
 */
#include <string.h>

#include "maildesk/loop.h"
#include "maildesk/ratelimit.h"
#include "maildesk/token.h"

char *
md_loop_mark(const MdConfig *config, GBytes *secret)
{
	g_autofree char *tag = NULL;

	if (config->x_loop[0] != '\0' || secret == NULL)
		return g_strdup(config->x_loop[0] ? config->x_loop :
		    "maildesk");
	tag = md_token_derive(secret, "x-loop");
	return g_strconcat("maildesk-", tag, NULL);
}

void
md_loop_flag_own(MdMessage *m, GBytes *secret, const char *mark)
{
	if (secret != NULL && m->message_id != NULL &&
	    md_token_message_id_ticket(secret, m->message_id) != 0) {
		m->flags |= MD_MSG_LOOP;
		return;
	}
	for (guint i = 0; i + 1 < m->headers->len; i += 2) {
		g_autofree char *value = NULL;

		if (g_ascii_strcasecmp(g_ptr_array_index(m->headers, i),
		    "X-Loop") != 0)
			continue;
		value = g_strstrip(g_strdup(g_ptr_array_index(m->headers,
		    i + 1)));
		if (g_ascii_strcasecmp(value, mark) == 0)
			m->flags |= MD_MSG_LOOP;
	}
}

gboolean
md_loop_relay_allowed(MdTxn *txn, const MdConfig *config, guint64 ticket,
    gint64 now, gboolean *allowed, GError **error)
{
	g_autofree char *key = g_strdup_printf("ticket:%" G_GUINT64_FORMAT,
	    ticket);
	const MdRateLimit limit = { key, 'h', config->relays_per_hour };

	return md_ratelimit_take(txn, &limit, 1, now, allowed, error);
}
