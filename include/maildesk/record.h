/* SPDX-License-Identifier: MIT */
/*
 * Versioned records: every value is a GVariant "(ya{sv})", a version byte
 * and a dictionary, so fields can be added without a migration and old
 * readers skip what they do not know.
 */
#pragma once
#include <glib.h>


#define MD_RECORD_VERSION 1

/*
 * The dictionary of a "(ya{sv})" record of a version this maildesk knows;
 * CORRUPT (naming @what) otherwise.  For record kinds of other modules.
 */
GVariantDict *md_record_open(const void *data, gsize len, const char *what,
    GError **error);

/* A record from @dict (consumed), with the current version byte. */
GBytes *md_record_close(GVariantDict *dict);

/* Inserts string @value under @key; nothing when @value is NULL. */
void md_record_put_str(GVariantDict *d, const char *key, const char *value);
/* The string under @key, or NULL (transfer full). */
char *md_record_get_str(GVariantDict *d, const char *key);
/* The number under @key, or 0. */
guint64 md_record_get_u64(GVariantDict *d, const char *key);
gint64 md_record_get_i64(GVariantDict *d, const char *key);
guint32 md_record_get_u32(GVariantDict *d, const char *key);
/* @list (of char *) as a string array (floating). */
GVariant *md_record_strings(GPtrArray *list);
/* Appends the strings of the array under @key to @out (of char *). */
void md_record_get_strings(GVariantDict *d, const char *key, GPtrArray *out);
