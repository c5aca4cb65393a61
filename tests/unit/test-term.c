/* SPDX-License-Identifier: MIT */
/*
 * md_term_clean: what the CLI prints for a person carries no control
 * character from a mail; md_term_width and md_term_fit: table columns by
 * what a terminal shows; md_compose_valid_address: which addresses our
 * outgoing mail may name.  Table-driven.
 */
#include <glib.h>

#include "maildesk/compose.h"
#include "maildesk/term.h"

typedef struct {
	const char *path;
	const char *in;
	gssize len;
	const char *out;
} TermCase;

static const TermCase term_cases[] = {
	{ "/term/plain", "Grüße aus Köln", -1, "Grüße aus Köln" },
	{ "/term/newline-tab-kept", "a\n\tb\n", -1, "a\n\tb\n" },
	{ "/term/osc-title", "\033]0;owned\007x", -1, "?]0;owned?x" },
	{ "/term/csi", "\033[2J\033[31mred", -1, "?[2J?[31mred" },
	{ "/term/cr", "line\roverwritten", -1, "line?overwritten" },
	{ "/term/del", "a\177b", -1, "a?b" },
	{ "/term/c1-csi", "a\302\2332Jb", -1, "a?2Jb" },
	{ "/term/bidi-override", "txt\342\200\256exe.doc", -1, "txt?exe.doc" },
	{ "/term/bidi-isolate", "a\342\201\246b", -1, "a?b" },
	{ "/term/invalid-utf8", "a\377b", -1, "a\357\277\275b" },
	{ "/term/embedded-nul", "a\0b", 3, "a\357\277\275b" },
};

static void
test_term(gconstpointer data)
{
	const TermCase *c = data;
	g_autofree char *got = md_term_clean(c->in, c->len);

	g_assert_cmpstr(got, ==, c->out);
}

typedef struct {
	const char *path;
	const char *in;
	glong width;		/* md_term_width(in) */
	glong fit_to;
	const char *fitted;	/* md_term_fit(in, fit_to) */
} WidthCase;

static const WidthCase width_cases[] = {
	{ "/term/width/ascii", "Carl", 4, 6, "Carl  " },
	/* Two bytes, one column: the case that shifted customer list. */
	{ "/term/width/umlaut", "Jürgen", 6, 8, "Jürgen  " },
	/* U+0308 combining diaeresis: no column of its own. */
	{ "/term/width/combining", "Ju\314\210rgen", 6, 7, "Ju\314\210rgen " },
	/* CJK: two columns each. */
	{ "/term/width/wide", "山田", 4, 5, "山田 " },
	{ "/term/width/cut", "Bartholomäus", 12, 6, "Barth…" },
	/* A wide character that does not fit leaves a column of padding. */
	{ "/term/width/cut-wide", "山田太郎", 8, 4, "山… " },
	/* A control character is shown as '?': one column. */
	{ "/term/width/control", "a\033b", 3, 3, "a?b" },
	{ "/term/width/empty", "", 0, 2, "  " },
};

static void
test_width(gconstpointer data)
{
	const WidthCase *c = data;
	g_autofree char *fitted = md_term_fit(c->in, c->fit_to);

	g_assert_cmpint(md_term_width(c->in), ==, c->width);
	g_assert_cmpstr(fitted, ==, c->fitted);
	g_assert_cmpint(md_term_width(fitted), ==, c->fit_to);
}

static void
test_pad(void)
{
	g_autofree char *padded = md_term_pad("Müller", 8);
	g_autofree char *whole = md_term_pad("a-very-long-address@example.com",
	    8);

	g_assert_cmpstr(padded, ==, "Müller  ");
	/* Never cut: an address is shown whole. */
	g_assert_cmpstr(whole, ==, "a-very-long-address@example.com");
}

typedef struct {
	const char *path;
	const char *address;
	gboolean valid;
} AddressCase;

static const AddressCase address_cases[] = {
	{ "/compose/address/plain", "paula@example.com", TRUE },
	{ "/compose/address/plus", "support+1.0123456789ab@example.com", TRUE },
	{ "/compose/address/crlf", "a@b.example\r\nBcc: x@y", FALSE },
	{ "/compose/address/space", "a b@example.com", FALSE },
	{ "/compose/address/angle", "a@b.example>, <c@d.example", FALSE },
	{ "/compose/address/comma", "a@b.example,c@d.example", FALSE },
	{ "/compose/address/8bit", "jörg@example.de", FALSE },
	{ "/compose/address/no-at", "postmaster", FALSE },
	{ "/compose/address/two-at", "a@b@c.example", FALSE },
	{ "/compose/address/empty-local", "@example.com", FALSE },
	{ "/compose/address/empty-domain", "a@", FALSE },
	{ "/compose/address/null", NULL, FALSE },
};

static void
test_address(gconstpointer data)
{
	const AddressCase *c = data;

	g_assert_cmpint(md_compose_valid_address(c->address), ==, c->valid);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(term_cases); i++)
		g_test_add_data_func(term_cases[i].path, &term_cases[i],
		    test_term);
	for (gsize i = 0; i < G_N_ELEMENTS(width_cases); i++)
		g_test_add_data_func(width_cases[i].path, &width_cases[i],
		    test_width);
	g_test_add_func("/term/pad", test_pad);
	for (gsize i = 0; i < G_N_ELEMENTS(address_cases); i++)
		g_test_add_data_func(address_cases[i].path, &address_cases[i],
		    test_address);
	return g_test_run();
}
