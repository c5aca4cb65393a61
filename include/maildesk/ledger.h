/* SPDX-License-Identifier: MIT */
/*
 * The erasure ledger: one entry for every erase and expire, written in the
 * transaction that removes the data, so that a copy of the store made
 * before (a backup, a standby) can be brought to forget the same things.
 * An entry names what went only by keyed hashes (addresses, Message-IDs,
 * raw digests) and ticket numbers: it never holds personal data.
 */
#pragma once
#include <glib.h>

#include "maildesk/message.h"
#include "maildesk/store.h"

/* A ticket removed whole, and the keys of the messages it held. */
typedef struct {
	guint64 number;
	GPtrArray *messages;	/* owned, of char *: md_ledger_message_key */
} MdLedgerTicket;

typedef struct {
	char *id;		/* owned: random, the same in every copy */
	gint64 time;		/* when the data was removed */
	char *action;		/* owned: "erase" or "expire" */
	GPtrArray *subjects;	/* owned, of char *: hashes of addresses */
	GPtrArray *tickets;	/* owned, of MdLedgerTicket */
	GPtrArray *messages;	/* owned, of char *: keys of messages
				 * removed from tickets that stay */
} MdLedgerEntry;

/* An empty entry for @action at @now, with a fresh id. */
MdLedgerEntry *md_ledger_entry_new(const char *action, gint64 now);
void md_ledger_entry_free(MdLedgerEntry *e);

/* TRUE when @e records no removal. */
gboolean md_ledger_entry_is_empty(const MdLedgerEntry *e);

/* Adds ticket @number to @e; returns its message list (borrowed). */
GPtrArray *md_ledger_entry_add_ticket(MdLedgerEntry *e, guint64 number);

/*
 * The key of @m for the ledger (transfer full): "msgid:" and the keyed
 * hash of its Message-ID (as the msgid index holds it), or "digest:" and
 * the keyed hash of its raw digest when it has none.
 */
char *md_ledger_message_key(GBytes *secret, const MdMessage *m);

/* The "msgid:" key of a msgid index key (transfer full). */
char *md_ledger_msgid_key(GBytes *secret, const void *index_key, gsize len);

/*
 * Names the store a ledger belongs to (transfer full): a keyed hash of a
 * fixed text under its secret.  Copies of one store share it; the hashes of
 * a ledger mean nothing in a store with another.
 */
char *md_ledger_store_tag(GBytes *secret);

/* Appends @e to the ledger (write txn).  TEMPFAIL on store errors. */
gboolean md_ledger_append(MdTxn *txn, const MdLedgerEntry *e,
    GError **error);

/*
 * Every entry, oldest first (transfer full, of MdLedgerEntry).  CORRUPT
 * when a record cannot be read.
 */
GPtrArray *md_ledger_load(MdTxn *txn, GError **error);

/* The ids of every entry (transfer full, a set of char *). */
GHashTable *md_ledger_ids(MdTxn *txn, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdLedgerEntry, md_ledger_entry_free)
