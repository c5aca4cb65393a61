/* SPDX-License-Identifier: MIT */
/*
 * search-latency CONFIG < QUERIES: runs each line of standard input as
 * `maildesk search` does (catch-up, query, tickets and snippets from the
 * store), in one process, and prints "milliseconds<TAB>results<TAB>query"
 * per line.  For tests/bench/search-bench.sh: the time of a search
 * without the start-up of the program.  Not a test.
 */
#include <stdio.h>
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/config.h"
#include "maildesk/search.h"
#include "maildesk/store.h"

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) config = NULL;
	g_autoptr(MdStore) store = NULL;
	char line[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: search-latency CONFIG < QUERIES\n");
		return 64;
	}
	g_mime_init();
	config = md_config_load(argv[1], &error);
	if (config != NULL)
		store = md_store_open(config->store_path,
		    config->map_size_bytes, &error);
	if (store == NULL) {
		fprintf(stderr, "search-latency: %s\n", error->message);
		return 75;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		g_autoptr(GPtrArray) results = NULL;
		gint64 start;
		double ms;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		start = g_get_monotonic_time();
		results = md_search_run(store, config, line, FALSE, 20, &error);
		ms = (double)(g_get_monotonic_time() - start) / 1000.0;
		if (results == NULL) {
			fprintf(stderr, "search-latency: %s: %s\n", line,
			    error->message);
			return 1;
		}
		printf("%.3f\t%u\t%s\n", ms, results->len, line);
	}
	return 0;
}
