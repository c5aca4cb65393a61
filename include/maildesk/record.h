/* SPDX-License-Identifier: MIT */
/*
 * Versioned records: every value is a GVariant "(ya{sv})", a version byte
 * and a dictionary, so fields can be added without a migration and old
 * readers skip what they do not know.
 */
#pragma once
#include <glib.h>

#include "maildesk/customer.h"
#include "maildesk/message.h"
#include "maildesk/ticket.h"

#define MD_RECORD_VERSION 1

/*
 * The dictionary of a "(ya{sv})" record of a version this maildesk knows;
 * CORRUPT (naming @what) otherwise.  For record kinds of other modules.
 */
GVariantDict *md_record_open(const void *data, gsize len, const char *what,
    GError **error);

/* A record from @dict (consumed), with the current version byte. */
GBytes *md_record_close(GVariantDict *dict);

GBytes *md_record_from_ticket(const MdTicket *t);
MdTicket *md_record_to_ticket(const void *data, gsize len, GError **error);

GBytes *md_record_from_customer(const MdCustomer *c);
MdCustomer *md_record_to_customer(const void *data, gsize len,
    GError **error);

GBytes *md_record_from_message(const MdMessage *m);
MdMessage *md_record_to_message(const void *data, gsize len, GError **error);
