/* SPDX-License-Identifier: MIT */
/*
 * Text helpers: any charset to valid UTF-8, HTML to readable text.
 */
#pragma once
#include <glib.h>

/*
 * Converts @len bytes of body text in @charset (nullable: undeclared) to
 * valid UTF-8 with LF line ends and no NULs (transfer full), by the rules
 * of md_charset_to_utf8(); @hint and *@guessed (both nullable) as there.
 */
char *md_mime_text_to_utf8(const char *data, gsize len, const char *charset,
    const char *hint, const char **guessed);

/*
 * The charset an HTML document declares in a <meta> element among its
 * first bytes (an interned name), or NULL: for HTML parts whose
 * Content-Type says nothing.
 */
const char *md_mime_text_html_charset(const char *data, gsize len);

