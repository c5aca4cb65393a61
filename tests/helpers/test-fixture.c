/* SPDX-License-Identifier: MIT */
/*
 * The store fixture of the unit tests; see test-fixture.h.
 */
#include "test-fixture.h"
#include "test-util.h"

void
md_test_store_set_up_dir(MdTestStore *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	(void)data;
	f->dir = g_dir_make_tmp("maildesk-test-XXXXXX", &error);
	g_assert_no_error(error);
	f->store_path = g_build_filename(f->dir, "store", NULL);
}

void
md_test_store_load_config(MdTestStore *f, guint64 map_size_bytes,
    const char *extra)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(f->dir, "maildesk.conf",
	    NULL);
	g_autofree char *text = g_strdup_printf(
	    "[store]\n"
	    "path = %s\n"
	    "map-size-bytes = %" G_GUINT64_FORMAT "\n"
	    "[addresses]\n"
	    "support@example.com = support\n"
	    "sales@example.com = sales\n"
	    /* Storage alone: the compiled-in templates would add acks. */
	    "[ack]\n"
	    "enabled = false\n"
	    "%s",
	    f->store_path, map_size_bytes, extra ? extra : "");

	g_file_set_contents(path, text, -1, &error);
	g_assert_no_error(error);
	f->config = md_config_load(path, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->config);
}

void
md_test_store_open(MdTestStore *f, guint64 map_size_bytes)
{
	g_autoptr(GError) error = NULL;
	gboolean created = FALSE;

	g_assert_true(md_store_init(f->store_path, map_size_bytes, &created,
	    &error));
	g_assert_no_error(error);
	f->store = md_store_open(f->store_path, map_size_bytes, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->store);
}

void
md_test_store_set_up(MdTestStore *f, gconstpointer data)
{
	md_test_store_set_up_dir(f, data);
	md_test_store_load_config(f, MD_TEST_MAP_BYTES, data);
	md_test_store_open(f, MD_TEST_MAP_BYTES);
}

void
md_test_store_set_up_small(MdTestStore *f, gconstpointer data)
{
	md_test_store_set_up_dir(f, data);
	md_test_store_load_config(f, MD_TEST_SMALL_MAP_BYTES, data);
	md_test_store_open(f, MD_TEST_SMALL_MAP_BYTES);
}

void
md_test_store_tear_down(MdTestStore *f, gconstpointer data)
{
	(void)data;
	g_clear_pointer(&f->store, md_store_close);
	g_clear_pointer(&f->config, md_config_free);
	md_test_rm_rf(f->dir);
	g_free(f->store_path);
	g_free(f->dir);
}

gboolean
md_test_deliver(MdStore *store, const MdConfig *config, const guint8 *raw,
    gsize len, const char *sender, const char *recipient, gint64 now,
    MdDeliverResult *result, GError **error)
{
	MdDeliverOptions opts = {
		.sender = sender,
		.recipient = recipient,
	};

	return md_deliver_opts(store, config, raw, len, &opts, now, result,
	    error);
}
