/* SPDX-License-Identifier: MIT */
/*
 * md_charset_to_utf8: the charset rules, one row per rule, with the bytes
 * written out so that the test shows what a mailer sent.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/charset.h"
#include "maildesk/mime-text.h"

typedef struct {
	const char *path;
	const char *data;
	gssize len;		/* -1: strlen */
	const char *label;	/* nullable */
	const char *hint;	/* nullable */
	const char *want;
	const char *guessed;	/* NULL: no guess */
} CharsetCase;

static const CharsetCase cases[] = {
	{ "/charset/ascii", "plain text", -1, NULL, NULL, "plain text", NULL },
	{ "/charset/label-believed", "Gr\xfc\xdf" "e", -1, "iso-8859-1", NULL,
	  "Grüße", NULL },
	/* Latin-1 is read as windows-1252, as browsers do. */
	{ "/charset/latin1-is-1252", "\x84" "Zitat\x93 \x80", -1,
	  "iso-8859-1", NULL, "„Zitat“ €", NULL },
	/* Valid UTF-8 wins over a single-byte label... */
	{ "/charset/utf8-beats-single-byte", "Gr\xc3\xbc\xc3\x9f" "e", -1,
	  "windows-1252", NULL, "Grüße", "UTF-8" },
	/* ...but two characters valid in both stay the multi-byte label's. */
	{ "/charset/short-gbk-stays-gbk", "\xc4\xa3", -1, "gbk", NULL, "模",
	  NULL },
	{ "/charset/gb2312-as-gb18030", "\xb1\xb1\xbe\xa9\x86\xb4", -1,
	  "gb2312", NULL, "北京喆", NULL },
	{ "/charset/shift-jis-as-cp932", "\x87\x40\x87\x54", -1, "shift_jis",
	  NULL, "①Ⅰ", NULL },
	{ "/charset/ks-c-5601-as-cp949", "\x8c\x63", -1, "ks_c_5601-1987",
	  NULL, "똠", NULL },
	/* ISO-2022-JP is known by its escapes, whatever the label. */
	{ "/charset/iso2022jp-unlabelled", "\x1b$B$3$s$K$A$O\x1b(B", -1,
	  NULL, NULL, "こんにちは", "ISO-2022-JP" },
	{ "/charset/iso2022jp-us-ascii", "\x1b$BF|K\\\x1b(B", -1, "us-ascii",
	  NULL, "日本", "ISO-2022-JP" },
	/* NEC row 13 (circled digits) under an ISO-2022-JP label. */
	{ "/charset/iso2022jp-nec", "\x1b$B-!-\"\x1b(B", -1, "iso-2022-jp",
	  NULL, "①②", "CP50221" },
	/* IBM extensions (row 92) too. */
	{ "/charset/iso2022jp-ibm", "\x1b$B|q\x1b(B", -1, "iso-2022-jp",
	  NULL, "ⅰ", "CP50221" },
	/* An escape that names nothing known is never shown as text. */
	{ "/charset/iso2022jp-broken", "a\x1b$(Dzz\x1b(Bb", -1, "iso-2022-jp",
	  NULL, "a\xef\xbf\xbd\xef\xbf\xbd" "b", "CP50221" },
	/* Invalid in the label: the hint, then the detector. */
	{ "/charset/hint-for-invalid", "\xc4\xe3\xba\xc3", -1, "utf-8",
	  "gb2312", "你好", "GB18030" },
	/* One broken byte leaves UTF-8 text UTF-8. */
	{ "/charset/mostly-utf8", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5"
	  "\xd1\x82 \xd0\xbc\xd0\xb8\xd1\x80 \xd1" "f", -1, "utf-8", NULL,
	  "Привет мир \xef\xbf\xbd" "f", "UTF-8" },
	/* C1 controls in UTF-8 were windows-1252 once. */
	{ "/charset/c1-in-utf8", "\xc2\x80 5", -1, "utf-8", NULL, "€ 5",
	  NULL },
	{ "/charset/utf16", "H\0i\0", 4, "utf-16le", NULL, "Hi", NULL },
};

static void
test_convert(gconstpointer data)
{
	const CharsetCase *c = data;
	const char *guessed = (const char *)1;
	gsize len = c->len < 0 ? strlen(c->data) : (gsize)c->len;
	g_autofree char *out = md_charset_to_utf8(c->data, len, c->label,
	    c->hint, &guessed);

	g_assert_true(g_utf8_validate(out, -1, NULL));
	g_assert_cmpstr(out, ==, c->want);
	g_assert_cmpstr(guessed, ==, c->guessed);
}

/* Without a label and with enough text, uchardet names the charset. */
static void
test_detect(void)
{
	static const char gb[] = "\xd7\xf0\xbe\xb4\xb5\xc4\xbf\xcd\xbb\xa7"
	    "\xa3\xac\xb1\xbe\xd6\xdc\xce\xd2\xc3\xc7\xce\xaa\xc4\xfa\xd7\xbc"
	    "\xb1\xb8\xc1\xcb\xcc\xd8\xbc\xdb\xc9\xcc\xc6\xb7\xa3\xac\xc8\xab"
	    "\xb3\xa1\xce\xe5\xd5\xdb\xc6\xf0\xa1\xa3";
	const char *guessed = NULL;
	g_autofree char *out = md_charset_to_utf8(gb, strlen(gb), NULL, NULL,
	    &guessed);

	g_assert_cmpstr(out, ==,
	    "尊敬的客户，本周我们为您准备了特价商品，全场五折起。");
	g_assert_cmpstr(guessed, ==, "GB18030");
}

/* Bytes no charset explains still give valid UTF-8, and a guess. */
static void
test_fallback(void)
{
	const char *guessed = NULL;
	g_autofree char *out = md_charset_to_utf8("caf\xe9 \x81\x8d", 7,
	    "x-unknown", NULL, &guessed);

	g_assert_true(g_utf8_validate(out, -1, NULL));
	g_assert_true(g_str_has_prefix(out, "café "));
	g_assert_nonnull(guessed);
}

/* Body text: CRLF to LF, NULs gone, HTML's own charset found. */
static void
test_body(void)
{
	static const char html[] = "<html><head><meta http-equiv="
	    "\"Content-Type\" content=\"text/html; charset=windows-1251\">";
	g_autofree char *t = md_mime_text_to_utf8("a\r\nb\0c\r\n", 8, NULL,
	    NULL, NULL);

	g_assert_cmpstr(t, ==, "a\nbc\n");
	g_assert_cmpstr(md_mime_text_html_charset(html, strlen(html)), ==,
	    "windows-1251");
	g_assert_cmpstr(md_mime_text_html_charset("<meta charset='koi8-r'>",
	    23), ==, "koi8-r");
	g_assert_null(md_mime_text_html_charset("<p>charset=x</p>", 16));
	g_assert_null(md_mime_text_html_charset(NULL, 0));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i], test_convert);
	g_test_add_func("/charset/detect-gb2312", test_detect);
	g_test_add_func("/charset/fallback", test_fallback);
	g_test_add_func("/charset/body-text", test_body);
	return g_test_run();
}
