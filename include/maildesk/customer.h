/* SPDX-License-Identifier: MIT */
/*
 * Customer profiles, keyed by id and found by lower-cased address.
 */
#pragma once
#include <glib.h>

#include "maildesk/message.h"
#include "maildesk/store.h"

typedef enum {
	MD_CUSTOMER_NAME_MANUAL = 1 << 0,	/* name set by hand: keep it */
	MD_CUSTOMER_RESTRICTED = 1 << 1,
	MD_CUSTOMER_BOUNCING = 1 << 2,
} MdCustomerFlags;

typedef struct {
	guint64 id;
	char *email;		/* owned, as first seen */
	char *first_name;	/* owned, nullable */
	char *last_name;	/* owned, nullable */
	GHashTable *fields;	/* owned, char * -> char *: manual additions */
	gint64 created_at;
	guint32 flags;
	gint64 hold_until;	/* legal hold until then, or 0 */
	char *hold_reason;	/* owned, nullable */
	GPtrArray *former;	/* owned, of char *: addresses corrected away */
} MdCustomer;

MdCustomer *md_customer_new(void);
void md_customer_free(MdCustomer *c);

/* TRUE if @address is @c's, now or before a correction. */
gboolean md_customer_has_address(const MdCustomer *c, const char *address);

/*
 * USAGE unless @address can be a customer's address: UTF-8 with an '@'
 * that has text on both sides, no white space, no control character and
 * no angle bracket.  For an address a person typed, before the store is
 * used; mail is never refused by it.
 */
gboolean md_customer_check_address(const char *address, GError **error);

/*
 * USAGE unless @value may be set as profile field @field by hand: the
 * fields first_name, last_name, email and language (one of the languages
 * we answer in, or empty), or a free field named by 1 to 32 of a-z, 0-9,
 * '_' and '-' starting with a letter.  No value holds a control
 * character (a newline would break the lines it is shown in).
 */
gboolean md_customer_check_field(const char *field, const char *value,
    GError **error);

/* Lower-cased key for an address (transfer full). */
char *md_customer_address_key(const char *email);

MdCustomer *md_customer_load(MdTxn *txn, guint64 id, GError **error);
/*
 * Sets profile field @field (checked by md_customer_check_field) of @c to
 * @value ("" clears it).  A name set so is final: mail no longer changes
 * it.  A new email moves the address key (USAGE when another customer has
 * it) and keeps the old address among the former ones, so an erasure
 * still finds mail from it.  The caller saves @c (write txn).
 */
gboolean md_customer_set_field(MdTxn *txn, MdCustomer *c, const char *field,
    const char *value, GError **error);

/*
 * Calls @fn for each customer in id order until it returns FALSE or sets
 * its error (which is then returned).  @c is borrowed for the call.
 */
typedef gboolean (*MdCustomerFunc)(MdCustomer *c, gpointer data,
    GError **error);
gboolean md_customer_foreach(MdTxn *txn, MdCustomerFunc fn, gpointer data,
    GError **error);

/*
 * The name to address @c by: first and last name, one space between,
 * NULL when neither is set (transfer full).
 */
char *md_customer_display_name(const MdCustomer *c);
/* The record of @c (transfer full) and back; CORRUPT if it is none. */
GBytes *md_customer_to_record(const MdCustomer *c);
MdCustomer *md_customer_from_record(const void *data, gsize len,
    GError **error);
/*
 * Found or not: *@out is the customer (transfer full) or NULL when there
 * is none.  FALSE only for an error of the store or a corrupt record.
 */
gboolean md_customer_lookup(MdTxn *txn, guint64 id, MdCustomer **out,
    GError **error);
/* Found or not: *@out is who has @email (transfer full), or NULL. */
gboolean md_customer_lookup_email(MdTxn *txn, const char *email,
    MdCustomer **out, GError **error);
/* NOT_FOUND when nobody has @email. */
MdCustomer *md_customer_find_by_email(MdTxn *txn, const char *email,
    GError **error);
gboolean md_customer_save(MdTxn *txn, const MdCustomer *c, GError **error);

/*
 * The customer for @mailbox: found by address or created (write txn).
 * Fills an empty name from the display name; never overwrites a name set
 * by hand.  Sets *@created.
 */
MdCustomer *md_customer_find_or_create(MdTxn *txn, const MdMailbox *mailbox,
    gint64 now, gboolean *created, GError **error);

/* Ticket numbers of customer @id, ascending (transfer full). */
GArray *md_customer_tickets(MdTxn *txn, guint64 id, GError **error);
gboolean md_customer_link_ticket(MdTxn *txn, guint64 id, guint64 ticket,
    GError **error);
/* Sets *@yes when customer @id is linked to @ticket (customer or participant). */
gboolean md_customer_has_ticket(MdTxn *txn, guint64 id, guint64 ticket,
    gboolean *yes, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdCustomer, md_customer_free)
