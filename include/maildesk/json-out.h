/* SPDX-License-Identifier: MIT */
/*
 * JSON for people who script: tickets, messages and customers as
 * documented in maildesk(8).  json-glib writes; we only choose the fields.
 */
#pragma once
#include <json-glib/json-glib.h>

#include "maildesk/customer.h"
#include "maildesk/message.h"
#include "maildesk/ticket.h"

/* ISO 8601 with offset, e.g. 2026-11-27T10:00:00+01:00 (transfer full). */
char *md_json_time(gint64 unix_s, gint32 offset_s);

/* Add member @name with @value to the open object (NULL: null). */
void md_json_add_string(JsonBuilder *b, const char *name, const char *value);
void md_json_add_int(JsonBuilder *b, const char *name, gint64 value);
void md_json_add_bool(JsonBuilder *b, const char *name, gboolean value);

/*
 * Adds member @name: @unix_s as md_json_time() gives it in the local
 * time zone of that moment, or null for 0.
 */
void md_json_add_local_time(JsonBuilder *b, const char *name, gint64 unix_s);

/* Adds the ticket's fields (without messages) to the open object. */
void md_json_add_ticket(JsonBuilder *b, const MdTicket *t,
    const MdCustomer *customer);
/* "participants": the addresses of @people (of MdCustomer). */
void md_json_add_participants(JsonBuilder *b, GPtrArray *people);
void md_json_add_message(JsonBuilder *b, const MdMessage *m);
/*
 * A message as its text only: direction, kind, internal, flags, from
 * (the address), received and text; for internal notes in an export.
 */
void md_json_add_message_text(JsonBuilder *b, const MdMessage *m);
/* The customer object; @tickets may be NULL. */
void md_json_add_customer(JsonBuilder *b, const MdCustomer *c,
    GArray *tickets);

/* Pretty-printed text of the builder's root, with a final newline. */
char *md_json_finish(JsonBuilder *b);

/* md_json_finish() written to standard output. */
void md_json_print(JsonBuilder *b);
