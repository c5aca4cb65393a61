/* SPDX-License-Identifier: MIT */
/*
 * A main() for the fuzz targets where libFuzzer is not linked in (gcc,
 * the sanitizer build in CI): runs every file named on the command line,
 * or every file in a directory named there, through the target once.
 * Exits non-zero when a target aborts (the sanitizers see to that).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static unsigned long runs;

static int
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
run_file(const char *path)
{
	g_autofree char *data = NULL;
	gsize len;
	g_autoptr(GError) e = NULL;

	if (!g_file_get_contents(path, &data, &len, &e)) {
		fprintf(stderr, "replay: %s\n", e->message);
		exit(2);
	}
	LLVMFuzzerTestOneInput((const guint8 *)data, len);
	runs++;
}

static void
run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		perror(path);
		exit(2);
	}
	if (S_ISDIR(st.st_mode)) {
		g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(
		    g_free);
		const char *n;

		while (d != NULL && (n = g_dir_read_name(d)) != NULL)
			g_ptr_array_add(names, g_build_filename(path, n,
			    NULL));
		g_ptr_array_sort(names, by_name);
		for (guint i = 0; i < names->len; i++)
			run_path(g_ptr_array_index(names, i));
	} else
		run_file(path);
}

int
main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		run_path(argv[i]);
	printf("replay: %lu inputs, no failure\n", runs);
	return 0;
}
