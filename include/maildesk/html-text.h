/* SPDX-License-Identifier: MIT */
/*
 * Readable text from HTML-only mail (html-text.c).
 */
#pragma once
#include <glib.h>

/*
 * Readable plain text from an HTML document in UTF-8 (libxml2's parser,
 * loaded on first use).  NULL when libxml2 cannot be loaded.
 */
char *md_html_text_from_html(const char *html, gsize len);
