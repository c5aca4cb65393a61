/* SPDX-License-Identifier: MIT */
/*
 * One mail, many copies.  The MTA hands over one copy per recipient, so
 * a mail to support@ and sales@, or an agent's reply-all to their signed
 * address and support@, arrives once per address; a lost exit status
 * brings the same copy again.  The key is the mail itself (Message-ID,
 * else the SHA-256 of the raw bytes), never the address it reached.
 */
#pragma once
#include "maildesk/config.h"
#include "maildesk/message.h"
#include "maildesk/store.h"

/* The dedupe key of @m: "id:<Message-ID>" or "sha256:<hex>" (transfer full). */
char *md_dedupe_key(const MdMessage *m);

/*
 * Looks @key up (write txn).  When a copy of the mail is stored already,
 * sets *@seen and where it is (*@ticket, *@seq), and adds the address
 * @m reached to that message's also_to unless it has it (*@changed: the
 * caller commits).  Errors only for store failures.
 */
gboolean md_dedupe_seen(MdTxn *txn, const char *key, const MdMessage *m,
    gboolean *seen, gboolean *changed, guint64 *ticket, guint32 *seq,
    GError **error);

/*
 * The queue of a new ticket for @m: the best ranked (md_config_queue_rank)
 * of the queues of all our addresses it names (envelope recipient, To,
 * Cc), so that every copy decides alike; NULL when it names none.
 */
const char *md_dedupe_queue(const MdConfig *config, const MdMessage *m);
