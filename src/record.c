/* SPDX-License-Identifier: MIT */
/*
 * Versioned records: the open and close every record kind shares, and the
 * typed field helpers.  Readers accept any record whose version they know
 * and ignore unknown dictionary keys; a record that is not a valid
 * "(ya{sv})" is reported as corruption, never guessed at.  The layouts
 * are their modules' own: ticket.c, customer.c, message-record.c, ...
 */
#include <string.h>

#include "maildesk/error.h"
#include "maildesk/record.h"

#define RECORD_TYPE G_VARIANT_TYPE("(ya{sv})")

GBytes *
md_record_close(GVariantDict *dict)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new("(y@a{sv})",
	    MD_RECORD_VERSION, g_variant_dict_end(dict)));

	return g_variant_get_data_as_bytes(v);
}

GVariantDict *
md_record_open(const void *data, gsize len, const char *what, GError **error)
{
	g_autoptr(GBytes) bytes = g_bytes_new(data, len);
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new_from_bytes(
	    RECORD_TYPE, bytes, FALSE));
	g_autoptr(GVariant) dict = NULL;
	guint8 version;

	if (!g_variant_is_normal_form(v)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "%s record is malformed", what);
		return NULL;
	}
	g_variant_get(v, "(y@a{sv})", &version, &dict);
	if (version == 0 || version > MD_RECORD_VERSION) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "%s record has unknown version %u", what, version);
		return NULL;
	}
	return g_variant_dict_new(dict);
}

void
md_record_put_str(GVariantDict *d, const char *key, const char *value)
{
	if (value != NULL)
		g_variant_dict_insert(d, key, "s", value);
}

char *
md_record_get_str(GVariantDict *d, const char *key)
{
	char *s = NULL;

	if (!g_variant_dict_lookup(d, key, "s", &s))
		return NULL;
	return s;
}

guint64
md_record_get_u64(GVariantDict *d, const char *key)
{
	guint64 v = 0;

	g_variant_dict_lookup(d, key, "t", &v);
	return v;
}

gint64
md_record_get_i64(GVariantDict *d, const char *key)
{
	gint64 v = 0;

	g_variant_dict_lookup(d, key, "x", &v);
	return v;
}

guint32
md_record_get_u32(GVariantDict *d, const char *key)
{
	guint32 v = 0;

	g_variant_dict_lookup(d, key, "u", &v);
	return v;
}

GVariant *
md_record_strings(GPtrArray *list)
{
	return g_variant_new_strv((const char *const *)list->pdata, list->len);
}

void
md_record_get_strings(GVariantDict *d, const char *key, GPtrArray *out)
{
	g_autofree const char **v = NULL;

	if (!g_variant_dict_lookup(d, key, "^a&s", &v))
		return;
	for (const char **s = v; *s != NULL; s++)
		g_ptr_array_add(out, g_strdup(*s));
}
