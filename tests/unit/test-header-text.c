/* SPDX-License-Identifier: MIT */
/*
 * Header values: RFC 2047 words as mailers write them, raw 8-bit bytes,
 * and the structured form that GMime parses again.  The padded base64 run
 * is here so that a GMime upgrade cannot bring its bug back unnoticed.
 */
#include <gmime/gmime.h>

#include "maildesk/header-text.h"

typedef struct {
	const char *path;
	const char *raw;
	const char *hint;
	const char *text;	/* md_header_text_decode */
	const char *structured;	/* md_header_text_structured; NULL: skip */
} HeaderCase;

static const HeaderCase cases[] = {
	{ "/header-text/plain", " Hello world\n", NULL, "Hello world",
	  "Hello world" },
	{ "/header-text/padded-run",
	  " =?utf-8?B?YQ==?= =?utf-8?B?Yg==?=\n =?utf-8?B?Yw==?=\n", NULL,
	  "abc", "abc" },
	{ "/header-text/unpadded-word", "=?utf-8?B?YWI?=", NULL, "ab", "ab" },
	/* A character split across words of one charset survives. */
	{ "/header-text/split-b", "=?utf-8?B?w6E=?= =?utf-8?B?4oI=?= "
	  "=?utf-8?B?rA==?=", NULL, "á€", "á€" },
	{ "/header-text/split-q", "=?utf-8?Q?Gr=C3?= =?utf-8?Q?=BC=C3=9Fe?=",
	  NULL, "Grüße", "Grüße" },
	/* Words in different charsets are converted each on its own. */
	{ "/header-text/two-charsets", "=?iso-8859-1?Q?M=FCller?= "
	  "=?utf-8?Q?=E2=82=AC?=", NULL, "Müller€", "Müller€" },
	/* Space between a word and text stays; between words it goes. */
	{ "/header-text/word-and-text", "Re: =?utf-8?Q?Gr=C3=BC=C3=9Fe?= aus"
	  " =?utf-8?Q?K=C3=B6ln?=", NULL, "Re: Grüße aus Köln",
	  "Re: Grüße aus Köln" },
	{ "/header-text/raw-utf8-and-word", "Grüße =?utf-8?Q?aus?=", NULL,
	  "Grüße aus", "Grüße aus" },
	{ "/header-text/raw-gbk-with-hint", "\xb1\xa8\xbc\xdb", "gb2312",
	  "报价", "报价" },
	{ "/header-text/language-tag", "=?utf-8*de?Q?Gr=C3=BC=C3=9Fe?=", NULL,
	  "Grüße", "Grüße" },
	{ "/header-text/underscore-is-space", "=?utf-8?Q?a_b=5Fc?=", NULL,
	  "a b_c", "\"a b_c\"" },
	/* A decoded line break cannot forge a line. */
	{ "/header-text/line-break", "=?utf-8?Q?a=0D=0Ab?=", NULL, "a  b",
	  "\"a  b\"" },
	/* Not a word: left as written. */
	{ "/header-text/not-a-word", "=?utf-8?X?abc?= =?broken", NULL,
	  "=?utf-8?X?abc?= =?broken", NULL },
	/* Structured: specials a word decodes to are quoted or escaped. */
	{ "/header-text/comma-in-word",
	  "=?utf-8?Q?M=C3=BCller=2C_Hans?= <hm@example.org>", NULL,
	  "Müller, Hans <hm@example.org>",
	  "\"Müller, Hans\" <hm@example.org>" },
	{ "/header-text/word-in-quotes", "\"=?utf-8?Q?A_=22B=22?=\" <a@b.c>",
	  NULL, "\"A \"B\"\" <a@b.c>", "\"A \\\"B\\\"\" <a@b.c>" },
	{ "/header-text/word-in-comment", "a@b.c (=?utf-8?Q?x=29y?=)", NULL,
	  "a@b.c (x)y)", "a@b.c (x\\)y)" },
	{ "/header-text/filename-param",
	  "attachment; filename=\"=?utf-8?B?S8O8bmQ=?= =?utf-8?B?aWd1bmc=?="
	  ".pdf\"", NULL, NULL,
	  "attachment; filename=\"Kündigung.pdf\"" },
};

static void
test_decode(gconstpointer data)
{
	const HeaderCase *c = data;

	if (c->text != NULL) {
		g_autofree char *t = md_header_text_decode(c->raw, c->hint,
		    NULL);

		g_assert_cmpstr(t, ==, c->text);
	}
	if (c->structured != NULL) {
		g_autofree char *s = md_header_text_structured(c->raw, c->hint,
		    NULL);

		g_assert_cmpstr(s, ==, c->structured);
	}
}

static void
test_plain(void)
{
	g_assert_true(md_header_text_is_plain("Hello <a@b.c>"));
	g_assert_true(md_header_text_is_plain(NULL));
	g_assert_false(md_header_text_is_plain("=?utf-8?Q?x?="));
	g_assert_false(md_header_text_is_plain("Gr\xc3\xbc\xc3\x9f" "e"));
	g_assert_false(md_header_text_is_plain("\x1b$B$3\x1b(B"));
}

static void
test_guessed(void)
{
	const char *g = NULL;
	g_autofree char *t = md_header_text_decode(
	    "=?unknown-8bit?Q?caf=E9?=", NULL, &g);
	g_autofree char *u = NULL;

	g_assert_cmpstr(t, ==, "café");
	g_assert_nonnull(g);
	/* Raw UTF-8 in a header is the standard (RFC 6532): no guess. */
	g = NULL;
	u = md_header_text_decode("Gr\xc3\xbc\xc3\x9f" "e", NULL, &g);
	g_assert_cmpstr(u, ==, "Grüße");
	g_assert_null(g);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i], test_decode);
	g_test_add_func("/header-text/is-plain", test_plain);
	g_test_add_func("/header-text/guessed", test_guessed);
	return g_test_run();
}
