/* SPDX-License-Identifier: MIT */
/*
 * Unit-test helpers; see test-util.h.
 */
#include <glib/gstdio.h>

#include "test-util.h"

void
md_test_rm_rf(const char *path)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR) &&
	    !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
		const char *name;

		while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
			g_autofree char *child = g_build_filename(path, name,
			    NULL);

			md_test_rm_rf(child);
		}
		g_assert_cmpint(g_rmdir(path), ==, 0);
	} else
		g_assert_cmpint(g_unlink(path), ==, 0);
}

void
md_test_trap_child(const char *tmpdir, GTestSubprocessFlags flags)
{
	g_autofree char *saved = g_strdup(g_getenv("TMPDIR"));

	g_setenv("TMPDIR", tmpdir, TRUE);
	g_test_trap_subprocess(NULL, 0, flags);
	if (saved != NULL)
		g_setenv("TMPDIR", saved, TRUE);
	else
		g_unsetenv("TMPDIR");
}

gboolean
md_test_run_in_child(const char *tmpdir)
{
	if (g_test_subprocess())
		return FALSE;
	md_test_trap_child(tmpdir, G_TEST_SUBPROCESS_INHERIT_STDERR);
	if (!g_test_trap_has_passed())
		g_test_fail_printf("the child failed; its stderr is above");
	return TRUE;
}

void
md_test_store_new(const char *name, const char *extra, char **dir,
    MdConfig **config, MdStore **store)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *tmpl = g_strdup_printf("maildesk-%s-XXXXXX", name);
	g_autofree char *store_path = NULL, *conf = NULL, *text = NULL;
	guint64 size = G_GUINT64_CONSTANT(16) << 20;
	gboolean created = FALSE;

	*dir = g_dir_make_tmp(tmpl, &error);
	g_assert_no_error(error);
	store_path = g_build_filename(*dir, "store", NULL);
	conf = g_build_filename(*dir, "maildesk.conf", NULL);
	text = g_strdup_printf("[store]\npath = %s\n[addresses]\n"
	    "support@example.com = support\nsales@example.com = sales\n%s",
	    store_path, extra ? extra : "");
	g_file_set_contents(conf, text, -1, &error);
	g_assert_no_error(error);
	*config = md_config_load(conf, &error);
	g_assert_no_error(error);
	g_assert_true(md_store_init(store_path, size, &created, &error));
	g_assert_no_error(error);
	*store = md_store_open(store_path, size, &error);
	g_assert_no_error(error);
}
