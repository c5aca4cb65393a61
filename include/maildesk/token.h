/* SPDX-License-Identifier: MIT */
/*
 * Signed reply addresses and Message-IDs.  A token is a truncated
 * HMAC-SHA256 under the store's secret: whoever presents a valid one has
 * received our mail, so it may thread into the ticket it names.
 */
#pragma once
#include <glib.h>

#define MD_TOKEN_MAC_CHARS 12

/* The MAC for @ticket, and for @agent when non-NULL (transfer full). */
char *md_token_mac(GBytes *secret, guint64 ticket, const char *agent);

/* TRUE if @mac is the MAC for @ticket (and @agent), in constant time. */
gboolean md_token_verify(GBytes *secret, guint64 ticket, const char *agent,
    const char *mac);

/*
 * "local<delim><ticket>.<mac>@domain" from our address @base (transfer
 * full).
 */
char *md_token_reply_address(GBytes *secret, const char *base,
    char delimiter, guint64 ticket, const char *agent);

/*
 * Splits a reply address: TRUE when @address has the form
 * local<delim><ticket>.<mac>@domain with a delimiter from @delimiters;
 * sets *@ticket, *@mac (transfer full) and *@base (transfer full, the
 * address without extension).  Says nothing about validity.
 */
gboolean md_token_parse_address(const char *address, const char *delimiters,
    guint64 *ticket, char **mac, char **base);

/*
 * A fresh Message-ID (without <>) for mail about @ticket, in the domain
 * of our address @from (or @from itself when it is a bare domain).
 */
char *md_token_message_id(GBytes *secret, guint64 ticket, const char *from);

/* The ticket an id made by md_token_message_id() names, or 0. */
guint64 md_token_message_id_ticket(GBytes *secret, const char *id);
