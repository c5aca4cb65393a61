/* SPDX-License-Identifier: MIT */
/*
 * The files inside an Outlook "winmail.dat" (application/ms-tnef), read
 * with libytnef in a child process; the library is loaded on the first
 * such mail.
 */
#pragma once
#include <glib.h>

/* One file: @name (UTF-8) and @mime_type are nullable; @sha256 is hex. */
typedef void (*MdTnefFileFunc)(const char *name, const char *mime_type,
    guint64 size, const char *sha256, gpointer user_data);

/*
 * Calls @func for each file in the TNEF stream @data, in order, and sets
 * *@body (nullable; transfer full) to the message text it carries, if
 * any.  FALSE (and no call) when @data is no TNEF, libytnef cannot be
 * loaded or fails on it; the caller then keeps the winmail.dat as it is.
 * Forks; the child never writes to our standard output.
 */
gboolean md_tnef_unpack(const guint8 *data, gsize len, MdTnefFileFunc func,
    gpointer user_data, char **body);
