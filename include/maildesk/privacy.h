/* SPDX-License-Identifier: MIT */
/*
 * The company's duties under the GDPR, over all tables at once: erase a
 * person (Art. 17), expire what is no longer needed (Art. 5(1)(e)), legal
 * holds that stop both, and the audit trail that proves it (Art. 5(2)).
 * The audit never keeps erased data: it names a person by a keyed hash.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/customer.h"
#include "maildesk/ledger.h"
#include "maildesk/store.h"

typedef struct {
	GArray *tickets;	/* guint64: tickets removed whole */
	guint messages;		/* messages removed (whole tickets included) */
	guint participant_messages;	/* their mails in others' tickets */
	guint index_entries;	/* msgid, dedupe, customer links */
	guint outbox_entries;
	guint counters;		/* rate-limit counters */
	guint customers;	/* profiles removed */
	GPtrArray *kept;	/* of char *: due, but held, and why */
	MdLedgerEntry *ledger;	/* owned, nullable: what erase or expire
				 * recorded in the erasure ledger */
} MdEraseReport;

/* One message: ticket number and sequence. */
typedef struct {
	guint64 ticket;
	guint32 seq;
} MdMessageRef;

void md_privacy_report_init(MdEraseReport *r);
void md_privacy_report_clear(MdEraseReport *r);

/* "hmac-sha256:<hex>" of the lower-cased address under the secret. */
char *md_privacy_subject_hash(GBytes *secret, const char *address);

/* Who runs this command, for the audit (transfer full). */
char *md_privacy_actor(void);

/*
 * Appends an audit entry (write txn): @action ("export", "erase", ...),
 * @address (nullable; only its keyed hash is kept), @tickets (nullable),
 * @detail (nullable, never personal data).
 */
gboolean md_privacy_audit(MdTxn *txn, const char *action, const char *address,
    GArray *tickets, const char *detail, gint64 now, GError **error);

typedef struct {
	gint64 time;
	const char *actor;	/* borrowed, never NULL */
	const char *action;	/* borrowed, never NULL */
	const char *subject;	/* borrowed, nullable: the keyed hash */
	const char *detail;	/* borrowed, nullable */
	GArray *tickets;	/* borrowed, guint64 */
} MdAuditEntry;

typedef gboolean (*MdAuditFunc)(const MdAuditEntry *e, gpointer user_data);

/* Calls @fn for every audit entry, oldest first, until it returns FALSE. */
gboolean md_privacy_audit_foreach(MdTxn *txn, MdAuditFunc fn,
    gpointer user_data, GError **error);

/* Why @c may not be erased now (a hold on them or a ticket), or NULL. */
char *md_privacy_hold_reason(MdTxn *txn, const MdCustomer *c, gint64 now,
    GError **error);

/*
 * Removes customer @c and every trace (write txn): their tickets whole,
 * their mails in others' tickets (left as tombstones), index entries,
 * outbox entries, rate-limit counters, the profile; and records it in the
 * erasure ledger (report->ledger).  REJECT when held.
 */
gboolean md_privacy_erase(MdTxn *txn, const MdCustomer *c, gint64 now,
    MdEraseReport *report, GError **error);

/*
 * Removes tickets closed longer than their queue's retention, and the
 * customers left with no ticket and no hold (write txn); records what it
 * removed in the erasure ledger (report->ledger).
 */
gboolean md_privacy_expire(MdTxn *txn, const MdConfig *config, gint64 now,
    MdEraseReport *report, GError **error);

/*
 * Removes what an erasure recorded elsewhere removed (write txn), asking
 * no hold (it was asked where the erasure was made) and recording nothing
 * in the ledger (the caller copies the entry): @customers (nullable, of
 * MdCustomer, borrowed) as md_privacy_erase() does, @tickets (nullable,
 * guint64) whole, @messages (nullable, MdMessageRef) as tombstones.  What
 * is no longer there is skipped.
 */
gboolean md_privacy_remove(MdTxn *txn, GPtrArray *customers, GArray *tickets,
    GArray *messages, MdEraseReport *report, GError **error);
