/* SPDX-License-Identifier: MIT */
/*
 * Text as the search index sees it: folded so that "Müller", "Mueller"
 * and "MÜLLER", "Straße" and "Strasse", "café" and "cafe" are one word.
 * The tokenizer folds every word of a document and of a query alike.
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

G_END_DECLS
