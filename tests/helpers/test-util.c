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
