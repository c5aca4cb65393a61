/* SPDX-License-Identifier: MIT */
/*
 * md_html_text_from_html: readable text from HTML-only mail.  Paragraphs become
 * blank lines, blocks and <br> line breaks, list items "- ", table cells
 * are separated by tabs, links keep their URL unless the text shows it,
 * scripts, styles and the head are dropped, white space collapses as in a
 * browser except in <pre>.
 */
#include <string.h>

#include "maildesk/html-text.h"

typedef struct {
	const char *path;
	const char *html;
	const char *text;
} Case;

static const Case cases[] = {
	{ "/html-text/paragraphs", "<p>Hello</p><p>World</p>",
	  "Hello\n\nWorld" },
	{ "/html-text/br", "one<br>two<br><br><br>three",
	  "one\ntwo\n\nthree" },
	{ "/html-text/div", "<div>a</div><div>b</div>", "a\nb" },
	{ "/html-text/whitespace", "<p>  many \n\t spaces   here </p>",
	  "many spaces here" },
	{ "/html-text/pre", "<pre>a  b\n  c</pre>", "a  b\n  c" },
	{ "/html-text/nbsp", "<p>a&nbsp;b</p>", "a b" },
	{ "/html-text/entities", "<p>Fish &amp; chips &lt;3</p>",
	  "Fish & chips <3" },
	{ "/html-text/list", "<ul><li>one</li><li>two</li></ul>",
	  "- one\n- two" },
	{ "/html-text/table", "<table><tr><td>a</td><td>b</td></tr>"
	  "<tr><td>c</td><td>d</td></tr></table>", "a\tb\nc\td" },
	{ "/html-text/link", "<p>See <a href=\"https://example.com/x\">the "
	  "page</a>.</p>", "See the page <https://example.com/x>." },
	{ "/html-text/link-shown", "<a href=\"https://example.com/\">"
	  "https://example.com/</a>", "https://example.com/" },
	{ "/html-text/link-mailto", "<a href=\"mailto:a@example.com\">mail "
	  "us</a>", "mail us" },
	{ "/html-text/hidden", "<html><head><title>T</title><style>p{}"
	  "</style></head><body><script>x()</script><p>body</p></body>"
	  "</html>", "body" },
	{ "/html-text/broken", "<p>unclosed <b>bold <i>both</p>text",
	  "unclosed bold both\n\ntext" },
	{ "/html-text/empty", "", "" },
	{ "/html-text/utf8", "<p>Grüße – 你好</p>", "Grüße – 你好" },
};

static void
test_case(gconstpointer data)
{
	const Case *c = data;
	g_autofree char *got = md_html_text_from_html(c->html, strlen(c->html));

	g_assert_nonnull(got);
	g_assert_cmpstr(got, ==, c->text);
}

/* Deep nesting is cut off, not followed into a stack overflow. */
static void
test_deep(void)
{
	g_autoptr(GString) html = g_string_new(NULL);
	g_autofree char *got = NULL;

	for (int i = 0; i < 5000; i++)
		g_string_append(html, "<div>");
	g_string_append(html, "deep");
	got = md_html_text_from_html(html->str, html->len);
	g_assert_nonnull(got);
	g_assert_true(g_utf8_validate(got, -1, NULL));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i], test_case);
	g_test_add_func("/html-text/deep", test_deep);
	return g_test_run();
}
