/* SPDX-License-Identifier: MIT */
/*
 * md_thread_subject_tag: the ticket number in a "[<tag>N]" subject tag.
 * Anything that is not a whole positive number right after the tag gives 0,
 * and a number too long to be a ticket never overflows into a wrong one.
 */
#include <glib.h>

#include "maildesk/thread.h"

typedef struct {
	const char *path;
	const char *subject;	/* nullable */
	const char *tag;	/* nullable */
	guint64 expect;
} TagCase;

static const TagCase cases[] = {
	{ "/thread/subject-tag/reply", "Re: [Ticket#42] x", "Ticket#", 42 },
	{ "/thread/subject-tag/bare", "[Ticket#7]", "Ticket#", 7 },
	{ "/thread/subject-tag/case-insensitive", "AW: [ticket#42] x",
	  "Ticket#", 42 },
	{ "/thread/subject-tag/second-bracket", "[ext] Re: [Ticket#9] x",
	  "Ticket#", 9 },
	{ "/thread/subject-tag/no-number", "Re: [Ticket#] x", "Ticket#", 0 },
	{ "/thread/subject-tag/not-digits", "Re: [Ticket#abc] x",
	  "Ticket#", 0 },
	{ "/thread/subject-tag/digits-then-letters", "[Ticket#12a] x",
	  "Ticket#", 0 },
	{ "/thread/subject-tag/other-tag", "Re: [Other#4] x", "Ticket#", 0 },
	{ "/thread/subject-tag/unclosed", "Re: [Ticket#42 x", "Ticket#", 0 },
	{ "/thread/subject-tag/zero", "Re: [Ticket#0] x", "Ticket#", 0 },
	{ "/thread/subject-tag/negative", "Re: [Ticket#-5] x", "Ticket#", 0 },
	/*
	 * Decided: blanks around the tag and the number are tolerated, as
	 * some clients and agents type them; the number is still exact.
	 */
	{ "/thread/subject-tag/space-after-tag", "Re: [Ticket# 7] x",
	  "Ticket#", 7 },
	{ "/thread/subject-tag/spaces-inside", "Re: [ Ticket# 7 ] x",
	  "Ticket#", 7 },
	{ "/thread/subject-tag/18-digits", "[Ticket#123456789012345678]",
	  "Ticket#", G_GUINT64_CONSTANT(123456789012345678) },
	/* Longer than any ticket number: rejected, not wrapped around. */
	{ "/thread/subject-tag/19-digits", "[Ticket#1234567890123456789]",
	  "Ticket#", 0 },
	{ "/thread/subject-tag/huge", "[Ticket#99999999999999999999999999]",
	  "Ticket#", 0 },
	{ "/thread/subject-tag/huge-then-valid",
	  "[Ticket#99999999999999999999999999] [Ticket#5]", "Ticket#", 5 },
	{ "/thread/subject-tag/null-subject", NULL, "Ticket#", 0 },
	{ "/thread/subject-tag/null-tag", "[Ticket#42]", NULL, 0 },
	{ "/thread/subject-tag/empty-tag", "[42]", "", 0 },
};

static void
test_subject_tag(gconstpointer data)
{
	const TagCase *c = data;

	g_assert_cmpuint(md_thread_subject_tag(c->subject, c->tag), ==,
	    c->expect);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i],
		    test_subject_tag);
	return g_test_run();
}
