/* SPDX-License-Identifier: MIT */
/*
 * Participants: the people a customer wrote to besides us (To and Cc),
 * and those an agent added.  They are people on the ticket, as its
 * customer is: their replies thread in, answers reach them in Cc, and
 * the privacy duties cover them (export shows, erase forgets them).
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/customer.h"
#include "maildesk/message.h"
#include "maildesk/store.h"
#include "maildesk/ticket.h"

/*
 * At most this many participants per ticket: a mail with a hundred
 * recipients must not turn every answer into a mass mailing.
 */
#define MD_PARTICIPANTS_MAX 20

/* TRUE when customer @id is a participant of @t. */
gboolean md_participants_has(const MdTicket *t, guint64 id);

/*
 * Makes the person @mb a participant of @t (write txn): profile found or
 * created, linked to the ticket.  Nothing is added, and *@why (static)
 * says why, for one of our addresses, an agent, the ticket's customer,
 * one already there, or a full list.  Errors only for the store.
 */
gboolean md_participants_add(MdTxn *txn, const MdConfig *config,
    MdTicket *t, const MdMailbox *mb, gint64 now, const char **why,
    GError **error);

/*
 * The To and Cc of @m, a mail of @t's customer or of a participant,
 * become participants (write txn); see md_participants_add().
 */
gboolean md_participants_add_from(MdTxn *txn, const MdConfig *config,
    MdTicket *t, const MdMessage *m, gint64 now, GError **error);

/*
 * Takes @address off @t's list (write txn); its link to the ticket goes
 * too unless the person wrote in it.  NOT_FOUND when not on the list.
 */
gboolean md_participants_remove(MdTxn *txn, MdTicket *t, const char *address,
    GError **error);

/* The participants' profiles, in list order (transfer full). */
GPtrArray *md_participants_load(MdTxn *txn, const MdTicket *t,
    GError **error);

/*
 * The participants an answer goes to in Cc: profiles neither restricted
 * (Art. 18) nor bouncing (transfer full, of MdCustomer).
 */
GPtrArray *md_participants_recipients(MdTxn *txn, const MdTicket *t,
    GError **error);

/*
 * Erasure of @c, a participant of @t (write txn): off the list, and
 * every verbatim copy of their addresses and name cut out of @t's other
 * messages (records, raw bytes, relayed copies).  Saves @t.
 */
gboolean md_participants_forget(MdTxn *txn, MdTicket *t, const MdCustomer *c,
    GError **error);
