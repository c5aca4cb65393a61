/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the unit tests: temp directories and running a test
 * again in a child process.
 */
#pragma once
#include <glib.h>

/* Removes @path and everything below it; asserts it could. */
void md_test_rm_rf(const char *path);

/*
 * Runs the current test again in a child whose temp dir is made inside
 * @tmpdir, so the parent's teardown removes whatever a failing child
 * leaves.
 */
void md_test_trap_child(const char *tmpdir, GTestSubprocessFlags flags);

/*
 * In the parent, runs the current test in a child and fails it if the
 * child fails, without stopping the tests after it; returns TRUE there.
 * In the child returns FALSE: the test body runs.  For tests that pin a
 * bug found when they were written.
 */
gboolean md_test_run_in_child(const char *tmpdir);
