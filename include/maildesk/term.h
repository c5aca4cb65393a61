/* SPDX-License-Identifier: MIT */
/*
 * Text for a person at a terminal.  Subjects, names, addresses and
 * attachment names come from strangers; printed as they are, an escape
 * sequence in a subject could retitle the terminal, hide lines or worse.
 * Every human-readable line the commands print goes through here.  JSON
 * output is escaped by json-glib instead.
 */
#pragma once
#include <glib.h>

/*
 * @s (@len bytes, -1: NUL-terminated) with every control character but
 * newline and tab (C0, DEL, C1), and the bidirectional overrides, shown
 * as '?', and invalid UTF-8 as U+FFFD (transfer full).
 */
char *md_term_clean(const char *s, gssize len);

/* printf() to standard output through md_term_clean(). */
void md_out(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* fputs() to standard output through md_term_clean(). */
void md_out_str(const char *s);

/*
 * The columns @s takes on a terminal once cleaned: two for a wide (East
 * Asian) character, none for a combining mark, one for the rest.
 */
glong md_term_width(const char *s);

/*
 * @s padded with spaces to @width columns; cut when longer, ending in
 * "…" (transfer full).  For the columns of a table.
 */
char *md_term_fit(const char *s, glong width);

/* @s padded with spaces to at least @width columns, never cut. */
char *md_term_pad(const char *s, glong width);
