/* SPDX-License-Identifier: MIT */
/*
 * md_term_clean: what the CLI prints for a person carries no control
 * character from a mail; md_compose_valid_address: which addresses our
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
	for (gsize i = 0; i < G_N_ELEMENTS(address_cases); i++)
		g_test_add_data_func(address_cases[i].path, &address_cases[i],
		    test_address);
	return g_test_run();
}
