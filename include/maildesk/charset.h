/* SPDX-License-Identifier: MIT */
/*
 * Which charset a run of bytes is in, and its text as UTF-8.  A label is
 * a claim and the bytes are the evidence: valid UTF-8 wins over a
 * single-byte label, ISO-2022-JP shows itself by its escape sequences, and
 * where the label is missing or the bytes are invalid in it, uchardet
 * decides (charset-detect.c); windows-1252 is the last resort.  The
 * result is always valid UTF-8 and never holds an undecoded escape.
 */
#pragma once
#include <glib.h>

/*
 * Converts @len bytes labelled @label (nullable: undeclared) to valid
 * UTF-8 (transfer full).  @hint (nullable) is a charset the context
 * suggests (the body's, for raw bytes in a header), tried before the
 * detector.  *@guessed (nullable) is set to the charset used when it was
 * not the label (an interned string), else to NULL.  No NULs are removed
 * and no line ends changed.
 */
char *md_charset_to_utf8(const char *data, gsize len, const char *label,
    const char *hint, const char **guessed);

/* TRUE if @label (nullable) says nothing about 8-bit bytes: missing,
 * US-ASCII, unknown-8bit and the like. */
gboolean md_charset_is_undeclared(const char *label);

/* TRUE if @label names a charset without ASCII-compatible bytes
 * (UTF-16, UTF-32, UTF-7): such text may hold NULs and must be converted
 * before anything looks at its bytes. */
gboolean md_charset_is_wide(const char *label);

/* TRUE for a charset of one byte per character (ISO-8859-x,
 * windows-125x, KOI8...): any bytes convert, right or wrong. */
gboolean md_charset_is_single_byte(const char *label);

/*
 * uchardet's guess for @len bytes (an interned name such as "GB18030"),
 * or NULL when it has none or libuchardet cannot be loaded.  The library
 * is loaded on the first call, never at start-up.
 */
const char *md_charset_detect(const char *data, gsize len);
