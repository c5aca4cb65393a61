/* SPDX-License-Identifier: MIT */
/*
 * Tickets: the model, its states, and appending a message with every index
 * that points at it.  All functions work inside a caller's transaction.
 */
#pragma once
#include <glib.h>

#include "maildesk/message.h"
#include "maildesk/store.h"

typedef enum {
	MD_STATUS_NEW,
	MD_STATUS_OPEN,
	MD_STATUS_PENDING,
	MD_STATUS_RESOLVED,
	MD_STATUS_CLOSED,
} MdStatus;

typedef struct {
	gint64 time;
	char *text;	/* owned: what happened, for people */
} MdEvent;

typedef struct {
	guint64 number;
	char *queue;		/* owned */
	MdStatus status;
	char *subject;		/* owned, UTF-8, may be empty */
	guint64 customer_id;	/* 0: no customer */
	gint64 created_at;
	gint64 updated_at;
	gint64 closed_at;	/* when it became resolved or closed, else 0 */
	guint32 message_count;
	guint64 linked_to;	/* older ticket this one continues, or 0 */
	guint64 cited;		/* ticket number a stranger cited, or 0 */
	char *owner;		/* owned, nullable */
	GPtrArray *events;	/* owned, of MdEvent: delivery failures ... */
	gint64 hold_until;	/* legal hold until then, or 0 */
	char *hold_reason;	/* owned, nullable */
	GArray *participants;	/* owned, guint64 customer ids: people the
				 * customer wrote to besides us, or an agent
				 * added; they get the answers in Cc
				 * (participants.c) */
	guint64 merged_into;	/* the ticket this one was merged into, or 0
				 * (merge.c): a stub */
} MdTicket;

MdTicket *md_ticket_new(void);
void md_ticket_free(MdTicket *t);

const char *md_ticket_status_name(MdStatus status);
gboolean md_ticket_status_from_name(const char *name, MdStatus *status);

/* Records something that happened to the ticket (not a message). */
void md_ticket_add_event(MdTicket *t, gint64 time, const char *text);

/* Sets the status and keeps closed_at in step. */
void md_ticket_set_status(MdTicket *t, MdStatus status, gint64 now);

/* NOT_FOUND when there is no ticket @number. */
MdTicket *md_ticket_load(MdTxn *txn, guint64 number, GError **error);
/* The record of @t (transfer full) and back; CORRUPT if it is none. */
GBytes *md_ticket_to_record(const MdTicket *t);
MdTicket *md_ticket_from_record(const void *data, gsize len, GError **error);
/*
 * Found or not: *@out is the ticket (transfer full) or NULL when there is
 * none.  FALSE only for an error of the store or a corrupt record.
 */
gboolean md_ticket_lookup(MdTxn *txn, guint64 number, MdTicket **out,
    GError **error);
/* Saves @t and marks it due for the search index (write txn). */
gboolean md_ticket_save(MdTxn *txn, const MdTicket *t, GError **error);

/*
 * Makes @next the number of the next new ticket (write txn); USAGE when
 * it is below the next one now: numbers are never given twice.
 */
gboolean md_ticket_set_next_number(MdTxn *txn, guint64 next, GError **error);

/*
 * Creates ticket with the next number in @queue for @customer_id (write
 * txn); links it in customer_tickets.
 */
MdTicket *md_ticket_create(MdTxn *txn, const char *queue,
    const char *subject, guint64 customer_id, gint64 now, GError **error);

/*
 * Appends @m with @raw to @t: message record, raw bytes, Message-ID index,
 * dedupe key @dedupe_key (nullable), and saves @t.  Sets *@seq.
 */
gboolean md_ticket_append_message(MdTxn *txn, MdTicket *t, const MdMessage *m,
    const guint8 *raw, gsize raw_len, const char *dedupe_key, guint32 *seq,
    GError **error);

/* Message @seq (1-based) of ticket @number, parsed record. */
MdMessage *md_ticket_load_message(MdTxn *txn, guint64 number, guint32 seq,
    GError **error);

/*
 * Found or not: *@out is message @seq of ticket @number (transfer full)
 * or NULL when there is none.  FALSE only for an error of the store or a
 * corrupt record (CORRUPT, naming the message).
 */
gboolean md_ticket_lookup_message(MdTxn *txn, guint64 number, guint32 seq,
    MdMessage **out, GError **error);

/* Rewrites the record of message @seq of ticket @number as @m (write txn). */
gboolean md_ticket_update_message(MdTxn *txn, guint64 number, guint32 seq,
    const MdMessage *m, GError **error);

/*
 * The copy of an agent's answer as it went to the customer, kept beside
 * the agent's own mail (message @seq): what an export hands out.
 * load returns NULL without an error when there is none.
 */
gboolean md_ticket_save_sent(MdTxn *txn, guint64 number, guint32 seq,
    GBytes *data, GError **error);
GBytes *md_ticket_load_sent(MdTxn *txn, guint64 number, guint32 seq,
    GError **error);
gboolean md_ticket_drop_sent(MdTxn *txn, guint64 number, guint32 seq,
    GError **error);

/* Raw bytes of message @seq (transfer full). */
GBytes *md_ticket_load_raw(MdTxn *txn, guint64 number, guint32 seq,
    GError **error);

/*
 * The open-tickets index (open-tickets.c) as the tickets say it should be.
 * is_current: TRUE if @t's entry is right (present and equal when @t is
 * new, open or pending, absent otherwise).  rebuild: empties the index
 * and makes it from every ticket (write txn), adding the entries to
 * *@entries.  ensure: rebuilds it once in a store that never had it
 * (write txn; init and the first digest), setting *@built when it did.
 */
gboolean md_ticket_open_entry_is_current(MdTxn *txn, const MdTicket *t);
gboolean md_ticket_rebuild_open_index(MdTxn *txn, guint64 *entries,
    GError **error);
gboolean md_ticket_ensure_open_index(MdTxn *txn, gboolean *built,
    GError **error);

/* Calls @fn for each ticket in number order until it returns FALSE. */
typedef gboolean (*MdTicketFunc)(MdTicket *t, gpointer user_data);
gboolean md_ticket_foreach(MdTxn *txn, MdTicketFunc fn, gpointer user_data,
    GError **error);

/*
 * The customers linked to @t besides its customer (people who wrote in
 * it or were named in it), as customer ids in id order (transfer full).
 * Reads the whole customer_tickets table: for people, not for deliver.
 */
GArray *md_ticket_participants(MdTxn *txn, const MdTicket *t, GError **error);

/*
 * The tickets that continue ticket @number (whose linked_to it is), in
 * number order (transfer full).  Reads every ticket: not for deliver.
 */
GArray *md_ticket_continued_in(MdTxn *txn, guint64 number, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdTicket, md_ticket_free)
