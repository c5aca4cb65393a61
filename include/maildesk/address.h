/* SPDX-License-Identifier: MIT */
/*
 * Mailboxes from address headers as real mail writes them: GMime's parse
 * first, then, for what it gives up on, a lenient reading of the same
 * header.  An address always has an "@"; a name is never made an address.
 */
#pragma once
#include <gmime/gmime.h>

#include "maildesk/mailbox.h"

/* Appends the mailboxes of @list (groups flattened) with an address to
 * @out (of MdMailbox), up to MD_MAILBOX_LIST_MAX. */
void md_address_collect(InternetAddressList *list, GPtrArray *out);

/*
 * The mailboxes of the raw (folded) address header value @raw, appended
 * to @out: encoded words and raw 8-bit names decoded (header-text.c)
 * before GMime parses the list.  @hint and *@guessed as for
 * md_header_text_decode().
 */
void md_address_parse_list(const char *raw, GMimeParserOptions *options,
    const char *hint, const char **guessed, GPtrArray *out);

/*
 * The first mailbox of @raw, or NULL: the strict parse of the header
 * (@parsed, nullable, is GMime's parse of it, used when @raw needs no
 * decoding), then of its decoded text (an encoded word around the whole
 * address), then a lenient extraction: an address in angle brackets even
 * with spaces or a bracket missing, a bare address among words, an
 * address in a comment or a quoted display name.
 */
MdMailbox *md_address_parse_first(const char *raw,
    InternetAddressList *parsed, GMimeParserOptions *options,
    const char *hint, const char **guessed);
