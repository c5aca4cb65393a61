/* SPDX-License-Identifier: MIT */
/*
 * md_name_split: first and last name from a display name, or from the local
 * part of the address when the display name gives nothing.  Table-driven;
 * each row is one path under /name/split/.
 */
#include <glib.h>

#include "maildesk/name.h"

typedef struct {
	const char *path;
	const char *display;	/* nullable */
	const char *email;	/* nullable */
	gboolean found;
	const char *first;	/* NULL: expect NULL */
	const char *last;	/* NULL: expect NULL */
} NameCase;

static const NameCase cases[] = {
	{ "/name/split/first-last", "Hans Müller", "hm@example.org",
	  TRUE, "Hans", "Müller" },
	{ "/name/split/last-comma-first", "Müller, Hans", "hm@example.org",
	  TRUE, "Hans", "Müller" },
	/* A sloppy client leaves the quotes in the decoded name. */
	{ "/name/split/quoted-last-comma-first", "\"Müller, Hans\"",
	  "hm@example.org", TRUE, "Hans", "Müller" },
	{ "/name/split/title-dropped", "Dr. Hans-Peter Müller",
	  "hpm@example.org", TRUE, "Hans-Peter", "Müller" },
	{ "/name/split/titles-dropped", "Prof. Dr. Anna Weber",
	  "aw@example.org", TRUE, "Anna", "Weber" },
	{ "/name/split/all-caps", "YANN DEGRAN", "yd@example.org",
	  TRUE, "Yann", "Degran" },
	{ "/name/split/particle", "Ludwig van Beethoven", "lvb@example.org",
	  TRUE, "Ludwig", "van Beethoven" },
	{ "/name/split/single-word", "Madonna", "m@example.org",
	  TRUE, "Madonna", NULL },
	/* A display name that is an address is no name: use the local part. */
	{ "/name/split/display-is-address", "hans.mueller@example.org",
	  "hans.mueller@example.org", TRUE, "Hans", "Mueller" },
	{ "/name/split/local-part-dot", NULL, "hans.mueller@example.org",
	  TRUE, "Hans", "Mueller" },
	{ "/name/split/local-part-underscore", NULL,
	  "anna_schmidt@example.org", TRUE, "Anna", "Schmidt" },
	{ "/name/split/local-part-role", NULL, "info@example.org",
	  FALSE, NULL, NULL },
	{ "/name/split/local-part-initial", NULL, "j.smith@example.org",
	  TRUE, "J", "Smith" },
	{ "/name/split/local-part-extension", NULL,
	  "hans.mueller+shop@example.org", TRUE, "Hans", "Mueller" },
	{ "/name/split/nothing", NULL, NULL, FALSE, NULL, NULL },
	/* Any Unicode white space separates words: U+3000 in Japanese. */
	{ "/name/split/ideographic-space", "山田\u3000太郎",
	  "ty@example.jp", TRUE, "太郎", "山田" },
	{ "/name/split/no-break-space", "Hans\u00a0Müller", "hm@example.org",
	  TRUE, "Hans", "Müller" },
	/* Initials and acronyms in a mixed-case name keep their capitals;
	 * a surname in capitals is still title-cased. */
	{ "/name/split/initials", "TJ Miller", "tj@example.com",
	  TRUE, "TJ", "Miller" },
	{ "/name/split/acronym-word", "Anna ABC Berg", "ab@example.com",
	  TRUE, "Anna ABC", "Berg" },
	{ "/name/split/surname-in-capitals", "Jean DUPONT", "jd@example.fr",
	  TRUE, "Jean", "Dupont" },
	{ "/name/split/empty-display-role-address", "", "info@example.org",
	  FALSE, NULL, NULL },
};

static void
test_split(gconstpointer data)
{
	const NameCase *c = data;
	g_autofree char *first = NULL;
	g_autofree char *last = NULL;
	gboolean found;

	found = md_name_split(c->display, c->email, &first, &last);
	g_assert_cmpint(found, ==, c->found);
	g_assert_cmpstr(first, ==, c->first);
	g_assert_cmpstr(last, ==, c->last);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i], test_split);
	return g_test_run();
}
