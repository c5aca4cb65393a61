/* SPDX-License-Identifier: MIT */
/*
 * Mail texts from template files: <dir>/<name>.<language>.txt, else the
 * copy compiled into the binary, with {{placeholder}} fields.  Values are
 * inserted as text, never interpreted.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/customer.h"
#include "maildesk/ticket.h"

/*
 * Renders template @name ("ack", "notification") in @language with @vars
 * (char * -> char *).  Unknown placeholders are left as they are.
 * The configured directory's file wins; one it lacks is taken from the
 * binary, and a language without the template falls back to English.
 * CONFIG when a file cannot be read or is not UTF-8, or when the
 * template is found nowhere.
 */
char *md_template_render(const MdConfig *config, const char *name,
    const char *language, GHashTable *vars, GError **error);

/*
 * The variables every template of a ticket knows: ticket, tag, subject,
 * queue, and of the customer @c (nullable: "-") name (the display name,
 * else the address), first_name, last_name, email; and text.  Owns names
 * and values; add more with md_template_put().
 */
GHashTable *md_template_variables(const MdConfig *config,
    const MdTicket *t, const MdCustomer *c, const char *text);
/* Sets variable @name (a literal) to a copy of @value (NULL: ""). */
void md_template_put(GHashTable *vars, const char *name, const char *value);

/* Substitutes @vars into @text (transfer full). */
char *md_template_expand(const char *text, GHashTable *vars);
