/* SPDX-License-Identifier: MIT */
/*
 * The mbox format (mboxrd): writing one for the export, reading one for
 * the import (mbox.c).
 */
#pragma once
#include <glib.h>

/* Appends @raw as one mail of an mbox, dated @when (Unix seconds). */
void md_mbox_append(GString *mbox, const guint8 *raw, gsize len,
    gint64 when);

/* Called with each mail of an mbox (transfer full); FALSE stops. */
typedef gboolean (*MdMboxFunc)(GBytes *raw, gpointer data, GError **error);

/*
 * Reads the mbox @path and calls @fn with each mail, unquoted, in order;
 * an empty file has no mail.  USAGE when @path cannot be read or does not
 * begin with "From "; else what @fn returns.
 */
gboolean md_mbox_read(const char *path, MdMboxFunc fn, gpointer data,
    GError **error);
