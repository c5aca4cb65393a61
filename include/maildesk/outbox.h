/* SPDX-License-Identifier: MIT */
/*
 * The transactional outbox: mail is queued in the transaction that decided
 * to send it and leaves only from here, so a crash can never send mail
 * about something that was not stored, and an SMTP outage never fails a
 * delivery.  Entries are leased by a flush before sending: two flushes
 * never send the same entry, and a crashed flush's lease runs out.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/store.h"

typedef enum {
	MD_OUTBOX_QUEUED,
	MD_OUTBOX_FAILED,
} MdOutboxState;

typedef struct {
	guint64 id;
	char *kind;		/* owned: "ack", "notification" */
	guint64 ticket;
	guint32 seq;		/* the ticket message it belongs to */
	guint64 customer_id;	/* addressee when a customer, else 0 */
	MdOutboxState state;
	char *envelope_from;	/* owned */
	char **recipients;	/* owned */
	char *message_id;	/* owned, without <> */
	GBytes *data;		/* owned: the message, CRLF */
	gint64 created_at;
	gint64 next_attempt_at;
	gint64 lease_until;
	guint32 attempts;
	char *last_error;	/* owned, nullable */
} MdOutboxEntry;

MdOutboxEntry *md_outbox_entry_new(void);
void md_outbox_entry_free(MdOutboxEntry *e);
const char *md_outbox_state_name(MdOutboxState state);

/* Queues @e in @txn (write), assigning its id. */
gboolean md_outbox_add(MdTxn *txn, MdOutboxEntry *e, GError **error);

/*
 * Queues mail @data (CRLF, Message-ID @message_id) from @from to @to about
 * message @seq of @ticket (write txn), and indexes the Message-ID so that
 * a reply to it finds the ticket.  @customer_id: the addressee when a
 * customer, else 0.  Appends the new id to @ids.  When deliver will try
 * to send right after its commit, the entry is born leased to this
 * process: no second transaction to take the lease, and no concurrent
 * flush can take it meanwhile.
 */
gboolean md_outbox_queue(MdTxn *txn, const MdConfig *config,
    const char *kind, guint64 ticket, guint32 seq, guint64 customer_id,
    const char *from, const char *to, const char *message_id, GBytes *data,
    gint64 now, GArray *ids, GError **error);

/*
 * md_outbox_queue() for one mail to several @recipients (NULL-terminated;
 * the first is the addressee), as an answer with people in Cc.
 */
gboolean md_outbox_queue_rcpts(MdTxn *txn, const MdConfig *config,
    const char *kind, guint64 ticket, guint32 seq, guint64 customer_id,
    const char *from, const char *const *recipients, const char *message_id,
    GBytes *data, gint64 now, GArray *ids, GError **error);

/*
 * Mail queued about ticket @from is about ticket @into now, its message
 * sequence moved up by @offset (write txn; a merge).
 */
gboolean md_outbox_move_ticket(MdTxn *txn, guint64 from, guint64 into,
    guint32 offset, GError **error);

/* Every entry, in id order (transfer full, of MdOutboxEntry). */
GPtrArray *md_outbox_list(MdTxn *txn, GError **error);

typedef struct {
	guint sent;
	guint deferred;
	guint failed;
} MdFlushResult;

/*
 * Sends what is due (only @ids when non-NULL) through the configured
 * relay, at most @timeout_s per SMTP step; records the outcome.  Leases
 * the entries in a write transaction first, unless @leased says that
 * @ids were queued leased to this process; settles in another.  Never a
 * transaction open while talking SMTP.  SMTP trouble is not an error: it
 * defers the entries.
 */
gboolean md_outbox_flush(MdStore *store, const MdConfig *config,
    GArray *ids, gboolean leased, guint timeout_s, gint64 now,
    MdFlushResult *result, GError **error);

/*
 * Counts an acknowledgement to @address against the hourly and daily
 * limits of its person (lower case, "+detail" removed) and of its
 * domain; FALSE in *@allowed when one is over (nothing counted then).
 */
gboolean md_outbox_ratelimit(MdTxn *txn, const MdConfig *config,
    const char *address, gint64 now, gboolean *allowed, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdOutboxEntry, md_outbox_entry_free)
