/* SPDX-License-Identifier: MIT */
/*
 * Rate limits.  Every limit of one decision is checked before any is
 * counted, so a refused mail costs no quota.  Keys are normalised here
 * and only here: erasure finds a person's counters by the same key.
 */
#include <string.h>

#include "maildesk/error.h"
#include "maildesk/ratelimit.h"

static GString *
counter_key(const char *key, char unit, gint64 window)
{
	GString *k = g_string_new(key);

	g_string_append_c(k, '\0');
	g_string_append_c(k, unit);
	g_string_append_c(k, '\0');
	g_string_append_printf(k, "%" G_GINT64_FORMAT, window);
	return k;
}

static void
string_free(gpointer p)
{
	g_string_free(p, TRUE);
}

static gboolean
count(MdTxn *txn, const GString *key, guint32 *value, gboolean increment,
    GError **error)
{
	MDB_val v;
	guint32 n = 0;
	gboolean found;

	if (!md_store_lookup(txn, MD_DB_RATELIMIT, key->str, key->len, &v,
	    &found, error))
		return FALSE;
	if (found && v.mv_size == 4)
		n = md_key_read_be32(v.mv_data);
	*value = n;
	if (increment) {
		guint32 be = GUINT32_TO_BE(n + 1);

		return md_store_put(txn, MD_DB_RATELIMIT, key->str, key->len,
		    &be, 4, 0, error);
	}
	return TRUE;
}

gboolean
md_ratelimit_take(MdTxn *txn, const MdRateLimit *limits, guint n,
    gint64 now, gboolean *allowed, GError **error)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(
	    string_free);

	*allowed = FALSE;
	for (guint i = 0; i < n; i++) {
		gint64 span = limits[i].unit == 'd' ? 86400 : 3600;
		GString *k = counter_key(limits[i].key, limits[i].unit,
		    now - now % span);
		guint32 value;

		g_ptr_array_add(keys, k);
		if (!count(txn, k, &value, FALSE, error))
			return FALSE;
		if (value >= limits[i].limit)
			return TRUE;
	}
	*allowed = TRUE;
	for (guint i = 0; i < n; i++) {
		guint32 value;

		if (!count(txn, g_ptr_array_index(keys, i), &value, TRUE,
		    error))
			return FALSE;
	}
	return TRUE;
}

char *
md_ratelimit_address_key(const char *address)
{
	g_autofree char *lower = g_ascii_strdown(address ? address : "", -1);
	char *at = strrchr(lower, '@');
	char *plus = strchr(lower, '+');

	/* Sub-addressing: the detail reaches the same mailbox. */
	if (at != NULL && plus != NULL && plus < at && plus != lower)
		memmove(plus, at, strlen(at) + 1);
	return md_store_key_text(lower);
}

char *
md_ratelimit_domain_key(const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;
	g_autofree char *lower = g_ascii_strdown(at ? at : "@", -1);

	return md_store_key_text(lower);
}
