/* SPDX-License-Identifier: MIT */
/*
 * First and last name from a display name or, failing that, from the local
 * part of the address.  Pure functions; no store access.
 */
#pragma once
#include <glib.h>

/*
 * Splits @display_name (nullable, UTF-8) or else @email into *@first and
 * *@last (transfer full, NULL when unknown).  Returns TRUE if a name was
 * found.  "Müller, Hans", "Dr. Hans-Peter Müller" (titles dropped),
 * "YANN DEGRAN" (title-cased), "hans.mueller@" (Hans / Mueller).
 */
gboolean md_name_split(const char *display_name, const char *email,
    char **first, char **last);
