/* SPDX-License-Identifier: MIT */
/*
 * Text helpers: any charset to valid UTF-8, HTML to readable text.
 */
#pragma once
#include <glib.h>

/*
 * Converts @len bytes in @charset (nullable: undeclared) to valid UTF-8.
 * Undeclared or unknown charsets try UTF-8, then windows-1252.
 */
char *md_mime_text_to_utf8(const char *data, gsize len, const char *charset);

/*
 * Readable plain text from an HTML document in UTF-8 (libxml2's parser,
 * loaded on first use).  NULL when libxml2 cannot be loaded.
 */
char *md_html_to_text(const char *html, gsize len);
