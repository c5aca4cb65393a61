/* SPDX-License-Identifier: MIT */
/*
 * Signed reply addresses and Message-IDs.  A token is a truncated
 * HMAC-SHA256 under the store's secret: whoever presents a valid one has
 * received our mail, so it may thread into the ticket it names.  A reply
 * address carries the day it was issued and counts on its own for
 * [deliver] token-days only; a Message-ID names the address it went to.
 */
#pragma once
#include <glib.h>

#define MD_TOKEN_MAC_CHARS 12
#define MD_TOKEN_TO_CHARS 8

/* The day (Unix time / 86400) a token issued at @now carries. */
#define MD_TOKEN_DAY(now) ((guint32)((now) / 86400))

/*
 * The MAC for @ticket issued on @day (0: the form without a day, made
 * before tokens carried one), and for @agent when non-NULL (transfer full).
 */
char *md_token_mac(GBytes *secret, guint64 ticket, guint32 day,
    const char *agent);

/* TRUE if @mac is the MAC for @ticket, @day (and @agent), in constant time. */
gboolean md_token_verify(GBytes *secret, guint64 ticket, guint32 day,
    const char *agent, const char *mac);

/*
 * A value derived from the secret for @purpose, the same for the store's
 * life and no other (transfer full, 12 hex digits).
 */
char *md_token_derive(GBytes *secret, const char *purpose);

/* TRUE if a token of @day is at most @max_days old at @now (day 0: never). */
gboolean md_token_is_fresh(guint32 day, guint max_days, gint64 now);

/*
 * "local<delim><ticket>.<day>.<mac>@domain" from our address @base,
 * issued at @now (transfer full).
 */
char *md_token_reply_address(GBytes *secret, const char *base,
    char delimiter, guint64 ticket, const char *agent, gint64 now);

/*
 * Splits a reply address: TRUE when @address has the form
 * local<delim><ticket>.<day>.<mac>@domain (or the older
 * local<delim><ticket>.<mac>@domain, *@day 0) with a delimiter from
 * @delimiters; sets *@ticket, *@day, *@mac (transfer full) and *@base
 * (transfer full, the address without extension).  Says nothing about
 * validity.
 */
gboolean md_token_parse_address(const char *address, const char *delimiters,
    guint64 *ticket, guint32 *day, char **mac, char **base);

/*
 * A fresh Message-ID (without <>) for mail about @ticket to @to, in the
 * domain of our address @from (or @from itself when it is a bare domain).
 */
char *md_token_message_id(GBytes *secret, guint64 ticket, const char *from,
    const char *to);

/*
 * A fresh unsigned Message-ID (without <>) for mail a person writes
 * through us (the command line, a contact form): "@prefix.TIME.RANDOM" in
 * the domain of @address (nullable; "localhost" without one).
 */
char *md_token_plain_message_id(const char *prefix, const char *address);

/* The ticket an id made by md_token_message_id() names, or 0. */
guint64 md_token_message_id_ticket(GBytes *secret, const char *id);

/* TRUE if @id is ours and was made for mail to @address (any case). */
gboolean md_token_message_id_sent_to(GBytes *secret, const char *id,
    const char *address);
