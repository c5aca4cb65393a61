/* SPDX-License-Identifier: MIT */
/*
 * A GTest fixture with a temp dir, a config and an initialised, open
 * store of its own, for the unit tests of modules that sit on the store.
 * Teardown removes the dir and everything in it.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/deliver.h"
#include "maildesk/store.h"

#define MD_TEST_MAP_BYTES (G_GUINT64_CONSTANT(64) << 20)
#define MD_TEST_SMALL_MAP_BYTES G_GUINT64_CONSTANT(1048576)

typedef struct {
	char *dir;		/* owned: the temp dir, removed in teardown */
	char *store_path;	/* owned: dir/store */
	MdStore *store;		/* owned, nullable */
	MdConfig *config;	/* owned, nullable */
} MdTestStore;

/* A temp dir only: for tests of init and open themselves. */
void md_test_store_set_up_dir(MdTestStore *f, gconstpointer data);
/*
 * A temp dir with an initialised, open store and a config naming it:
 * support@ and sales@example.com, no acknowledgements, and @data, when
 * not NULL, as more config text (a const char *).
 */
void md_test_store_set_up(MdTestStore *f, gconstpointer data);
/* The same with a 1 MiB map, to fill it. */
void md_test_store_set_up_small(MdTestStore *f, gconstpointer data);
void md_test_store_tear_down(MdTestStore *f, gconstpointer data);

/* Writes and loads the config (with @extra, nullable, appended). */
void md_test_store_load_config(MdTestStore *f, guint64 map_size_bytes,
    const char *extra);
/* Initialises and opens the store at f->store_path. */
void md_test_store_open(MdTestStore *f, guint64 map_size_bytes);

/*
 * Delivers @raw as the MTA would, with envelope @sender and @recipient
 * (both nullable): md_deliver_opts() with nothing else set.
 */
gboolean md_test_deliver(MdStore *store, const MdConfig *config,
    const guint8 *raw, gsize len, const char *sender, const char *recipient,
    gint64 now, MdDeliverResult *result, GError **error);
