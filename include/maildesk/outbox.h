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
#include "maildesk/smtp.h"
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
	gboolean owed;		/* queued before it was composed: data and
				 * message_id are empty until the sender or
				 * flush composes it (autoreply.c) */
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
 * customer, else 0.  Appends the new id to @ids.  When a sender will try
 * to send right after the commit (deliver's sender process, lmtpd's
 * sender thread), the entry is born leased to it: no second transaction
 * to take the lease, and no concurrent flush can take it meanwhile.
 */
gboolean md_outbox_queue(MdTxn *txn, const MdConfig *config,
    const char *kind, guint64 ticket, guint32 seq, guint64 customer_id,
    const char *from, const char *to, const char *message_id, GBytes *data,
    gint64 now, GArray *ids, GError **error);

/* Saves entry @e as it is now (write txn): a merge or an erasure. */
gboolean md_outbox_update(MdTxn *txn, const MdOutboxEntry *e,
    GError **error);

/*
 * Queues an entry that is owed but not yet composed: its kind, ticket,
 * @seq (the message it answers), addressee and sender, leased like those
 * of md_outbox_queue().  Composing the mail is left to whoever sends it;
 * until then no flush sends the entry.  Appends its id to @ids.
 */
/*
 * md_outbox_queue() for mail md_compose() made: NULL @data is an address
 * no relay could take safely, and nothing is queued (no error).  What the
 * acknowledgements and the agents' mail queue goes through here.
 */
gboolean md_outbox_queue_composed(MdTxn *txn, const MdConfig *config,
    const char *kind, guint64 ticket, guint32 seq, guint64 customer_id,
    const char *from, const char *to, const char *message_id, GBytes *data,
    gint64 now, GArray *ids, GError **error);

gboolean md_outbox_queue_owed(MdTxn *txn, const MdConfig *config,
    const char *kind, guint64 ticket, guint32 seq, guint64 customer_id,
    const char *from, const char *to, gint64 now, GArray *ids,
    GError **error);

/*
 * Makes the owed entry @e an ordinary one: its mail @data (CRLF), with
 * @message_id, kept as message @seq of its ticket; indexes the
 * Message-ID as md_outbox_queue() does and saves @e (write txn).
 */
gboolean md_outbox_fill(MdTxn *txn, MdOutboxEntry *e, GBytes *data,
    const char *message_id, guint32 seq, GError **error);

/* Removes entry @id (write txn); missing is fine. */
gboolean md_outbox_remove(MdTxn *txn, guint64 id, GError **error);

/* Every entry, in id order (transfer full, of MdOutboxEntry). */
GPtrArray *md_outbox_list(MdTxn *txn, GError **error);

/*
 * The entries about ticket @ticket, in id order (transfer full); decodes
 * only those, however long the queue grew.
 */
GPtrArray *md_outbox_list_ticket(MdTxn *txn, guint64 ticket,
    GError **error);

/*
 * The entries among @ids (guint64) that are still queued, in the order of
 * @ids; those sent, failed or erased meanwhile are left out (transfer
 * full, of MdOutboxEntry).
 */
GPtrArray *md_outbox_load(MdTxn *txn, GArray *ids, GError **error);

typedef struct {
	guint sent;
	guint deferred;
	guint failed;
} MdFlushResult;

/*
 * Sends what is due (only @ids when non-NULL) through the configured
 * relay, at most @timeout_s per SMTP step; records the outcome.  Leases
 * the entries in a write transaction first; records each outcome in a
 * transaction of its own as soon as the relay answered.  Never a
 * transaction open while talking SMTP.  SMTP trouble is not an error: it
 * defers the entries.  Owed entries are left alone: compose them first
 * (md_autoreply_compose_due).
 */
gboolean md_outbox_flush(MdStore *store, const MdConfig *config,
    GArray *ids, guint timeout_s, gint64 now, MdFlushResult *result,
    GError **error);

/*
 * Records in @txn (write) what the relay said about @e: sent (the entry
 * goes), failed for good (noted in the ticket, the customer marked
 * bouncing), or to be tried again after a back-off.  Counts it in
 * @result.  An entry erased meanwhile stays erased.
 */
gboolean md_outbox_settle(MdTxn *txn, const MdConfig *config,
    MdOutboxEntry *e, MdSmtpOutcome outcome, const char *reply, gint64 now,
    MdFlushResult *result, GError **error);

/*
 * Counts an acknowledgement to @address against the hourly and daily
 * limits of its person (lower case, "+detail" removed) and of its
 * domain; FALSE in *@allowed when one is over (nothing counted then).
 */
gboolean md_outbox_ratelimit(MdTxn *txn, const MdConfig *config,
    const char *address, gint64 now, gboolean *allowed, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdOutboxEntry, md_outbox_entry_free)
