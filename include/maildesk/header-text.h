/* SPDX-License-Identifier: MIT */
/*
 * Header values as UTF-8: RFC 2047 encoded words and raw 8-bit bytes,
 * for subjects, display names and file names.  Each word's bytes are
 * decoded on their own, the bytes of adjacent words in one charset are
 * joined before the charset conversion (a character split across two
 * words survives), and the charset rules are charset.c's.
 */
#pragma once
#include <glib.h>

/* TRUE if @raw holds no encoded word, no 8-bit byte and no escape:
 * GMime's own decoding of it is right. */
gboolean md_header_text_is_plain(const char *raw);

/*
 * @s (nullable) as one line of valid UTF-8 (transfer full): line breaks
 * and tabs become spaces, so that a decoded value cannot forge a line of
 * what the CLI prints; leading and trailing white space goes.
 */
char *md_header_text_one_line(const char *s);

/*
 * The text of the raw (folded) header value @raw, unfolded and decoded,
 * as one line of valid UTF-8 (transfer full).  @hint (nullable) is the
 * charset for raw 8-bit bytes the context suggests; *@guessed (nullable)
 * receives the first charset that had to be guessed (interned), and is
 * left alone when none was.
 */
char *md_header_text_decode(const char *raw, const char *hint,
    const char **guessed);

/*
 * Like md_header_text_decode(), for a structured header (address list,
 * Content-Type, Content-Disposition) that a parser reads again: a
 * decoded word holding specials becomes a quoted string, inside quotes
 * and comments it is escaped, so the structure stays as written.
 */
char *md_header_text_structured(const char *raw, const char *hint,
    const char **guessed);

/*
 * Where the header block of @raw ends, looking from offset @from: the
 * offset of its blank line (or @len), and in *@body where the body starts.
 */
gsize md_header_text_block_end(const guint8 *raw, gsize len, gsize from,
    gsize *body);

/* A Message-ID without angle brackets and white space, or NULL when it
 * is empty, too long or not UTF-8 (transfer full). */
char *md_header_text_clean_id(const char *id);
