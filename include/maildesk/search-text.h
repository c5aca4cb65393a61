/* SPDX-License-Identifier: MIT */
/*
 * Text as the search index sees it: folded so that "Müller", "Mueller"
 * and "MÜLLER", "Straße" and "Strasse", "café" and "cafe" are one word;
 * the stemming language of a mail; a person's query made ready for the
 * query parser.  Pure functions, no engine.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/*
 * @text (@len bytes, -1: NUL-terminated; invalid UTF-8 is replaced) with
 * ä ö ü as ae oe ue, ß as ss, other Latin letters without their accents
 * (é as e, å as a, ø as o), and lower-cased when @lower (transfer full).
 * Other scripts are left as they are.
 */
char *md_search_text_fold(const char *text, gssize len, gboolean lower);

/*
 * "de" or "en": the language of @subject and @text (either nullable) by
 * counting common words of each; @fallback when neither wins.
 */
const char *md_search_text_language(const char *subject, const char *text,
    const char *fallback);

/*
 * @query ready for the query parser (transfer full): folded, words
 * lower-cased but the operators AND, OR, NOT, XOR, NEAR and ADJ, and a
 * single day "date:D" made the range "date:D..D".
 */
char *md_search_text_query(const char *query);

G_END_DECLS
