/* SPDX-License-Identifier: MIT */
/*
 * Agent records: "(ya{sv})" like every record, keyed by the lower-cased
 * address.  The config's [queue] agents lists are merged in on reading,
 * so a set-up from the config keeps working after agents move to the store.
 */
#include <string.h>

#include "maildesk/agent.h"
#include "maildesk/error.h"
#include "maildesk/record.h"

MdAgent *
md_agent_new(void)
{
	return g_new0(MdAgent, 1);
}

void
md_agent_free(MdAgent *a)
{
	if (a == NULL)
		return;
	g_free(a->email);
	g_free(a->name);
	g_strfreev(a->queues);
	g_free(a);
}

static MdAgent *
from_record(const void *data, gsize len, GError **error)
{
	g_autoptr(GVariantDict) d = md_record_open(data, len, "agent", error);
	g_autoptr(MdAgent) a = NULL;

	if (d == NULL)
		return NULL;
	a = md_agent_new();
	g_variant_dict_lookup(d, "email", "s", &a->email);
	g_variant_dict_lookup(d, "name", "s", &a->name);
	g_variant_dict_lookup(d, "queues", "^as", &a->queues);
	if (a->email == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "agent record has no address");
		return NULL;
	}
	if (a->queues == NULL)
		a->queues = g_new0(char *, 1);
	return g_steal_pointer(&a);
}

gboolean
md_agent_save(MdTxn *txn, const MdAgent *a, GError **error)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
	g_autoptr(GBytes) rec = NULL;
	g_autofree char *key = g_ascii_strdown(a->email, -1);
	g_autofree char *k = md_store_key_text(key);
	const char *const none[] = { NULL };
	gsize len;
	const void *data;

	g_variant_dict_insert(&d, "email", "s", key);
	if (a->name != NULL)
		g_variant_dict_insert(&d, "name", "s", a->name);
	g_variant_dict_insert(&d, "queues", "^as",
	    a->queues ? a->queues : (char **)none);
	rec = md_record_close(&d);
	data = g_bytes_get_data(rec, &len);
	return md_store_put(txn, MD_DB_AGENTS, k, strlen(k), data, len, 0,
	    error);
}

gboolean
md_agent_remove(MdTxn *txn, const char *email, GError **error)
{
	g_autofree char *key = g_ascii_strdown(email, -1);
	g_autofree char *k = md_store_key_text(key);
	MDB_val v;

	if (!md_store_get(txn, MD_DB_AGENTS, k, strlen(k), &v, NULL)) {
		g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND,
		    "no agent %s", email);
		return FALSE;
	}
	return md_store_del(txn, MD_DB_AGENTS, k, strlen(k), NULL, 0, error);
}

typedef struct {
	GPtrArray *out;
	GError *error;
} Collect;

static gboolean
collect(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Collect *c = user_data;
	MdAgent *a = from_record(data->mv_data, data->mv_size, &c->error);

	if (a == NULL)
		return FALSE;
	g_ptr_array_add(c->out, a);
	return TRUE;
}

GPtrArray *
md_agent_list(MdTxn *txn, GError **error)
{
	Collect c = { g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_agent_free), NULL };

	if (!md_store_foreach(txn, MD_DB_AGENTS, NULL, 0, collect, &c,
	    error) || c.error != NULL) {
		if (c.error != NULL)
			g_propagate_error(error, c.error);
		g_ptr_array_unref(c.out);
		return NULL;
	}
	return c.out;
}

MdAgent *
md_agent_find(MdTxn *txn, const MdConfig *config, const char *email,
    GError **error)
{
	g_autofree char *key = NULL, *k = NULL;
	gboolean found;
	MDB_val v;

	if (email == NULL)
		return NULL;
	key = g_ascii_strdown(email, -1);
	k = md_store_key_text(key);
	if (!md_store_lookup(txn, MD_DB_AGENTS, k, strlen(k), &v, &found,
	    error))
		return NULL;
	if (found)
		return from_record(v.mv_data, v.mv_size, error);
	/* An agent named only in the config. */
	for (guint i = 0; i < config->queues->len; i++) {
		const MdQueue *q = g_ptr_array_index(config->queues, i);

		for (char **a = q->agents; a && *a; a++)
			if (strcmp(*a, key) == 0) {
				MdAgent *agent = md_agent_new();
				GPtrArray *queues = g_ptr_array_new();

				agent->email = g_strdup(key);
				for (guint j = 0; j < config->queues->len;
				    j++) {
					const MdQueue *qq = g_ptr_array_index(
					    config->queues, j);

					if (g_strv_contains((const char *
					    const *)qq->agents, key))
						g_ptr_array_add(queues,
						    g_strdup(qq->name));
				}
				g_ptr_array_add(queues, NULL);
				agent->queues = (char **)g_ptr_array_free(
				    queues, FALSE);
				return agent;
			}
	}
	return NULL;
}

char **
md_agent_of_queue(MdTxn *txn, const MdConfig *config, const char *queue,
    GError **error)
{
	g_autoptr(GPtrArray) stored = md_agent_list(txn, error);
	const MdQueue *q = md_config_queue(config, queue);
	GPtrArray *out;

	if (stored == NULL)
		return NULL;
	out = g_ptr_array_new();
	for (char **a = q->agents; a && *a; a++)
		g_ptr_array_add(out, g_strdup(*a));
	for (guint i = 0; i < stored->len; i++) {
		MdAgent *a = g_ptr_array_index(stored, i);
		gboolean dup = FALSE;

		if (!g_strv_contains((const char *const *)a->queues, queue))
			continue;
		for (guint j = 0; j < out->len; j++)
			dup |= strcmp(g_ptr_array_index(out, j), a->email) == 0;
		if (!dup)
			g_ptr_array_add(out, g_strdup(a->email));
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}
