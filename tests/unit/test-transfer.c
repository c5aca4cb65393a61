/* SPDX-License-Identifier: MIT */
/*
 * Transfer encodings as mailers get them wrong: base64 without padding,
 * or with a mailing list's footer after it, uuencode without "begin",
 * uuencoded files in text.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/transfer.h"

static char *
b64(const char *in)
{
	g_autoptr(GByteArray) out = g_byte_array_new();

	md_base64_decode_into(in, strlen(in), out);
	return g_strndup((const char *)out->data, out->len);
}

static void
test_base64(void)
{
	g_autofree char *padded = b64("MDEyMzQ1Njc4OQ==");
	g_autofree char *unpadded = b64("MDEyMzQ1Njc4OQ");
	g_autofree char *one = b64("MDEyMzQ1Njc4");
	g_autofree char *two = b64("MDEyMzQ1Njc");
	g_autofree char *footer = b64("YWI=\n\n-- \nList footer\n");
	g_autofree char *per_line = b64("YQ==\nYg==\r\nYw==\n");
	g_autofree char *lines = b64("MDEy\nMzQ1\r\nNjc4\nOQ");

	g_assert_cmpstr(padded, ==, "0123456789");
	g_assert_cmpstr(unpadded, ==, "0123456789");
	g_assert_cmpstr(one, ==, "012345678");
	g_assert_cmpstr(two, ==, "01234567");
	g_assert_cmpstr(footer, ==, "ab");
	g_assert_cmpstr(per_line, ==, "abc");
	g_assert_cmpstr(lines, ==, "0123456789");
}

/* Streamed in pieces that cut the groups anywhere, the same bytes. */
static void
test_base64_steps(void)
{
	static const char in[] = "SGVsbG8sIHdvcmxkIQ";
	guint8 out[64];

	for (gsize cut = 0; cut <= sizeof in - 1; cut++) {
		MdBase64 b;
		gsize n;

		md_base64_init(&b);
		n = md_base64_step(&b, in, cut, out);
		n += md_base64_step(&b, in + cut, sizeof in - 1 - cut, out + n);
		n += md_base64_finish(&b, out + n);
		g_assert_cmpmem(out, n, "Hello, world!", 13);
	}
}

static void
test_uudecode(void)
{
	static const char with[] = "begin 644 hi.txt\n%:&5L;&\\`\n`\nend\n";
	static const char without[] = "%:&5L;&\\`\n`\nend\n";
	static const char no_blank[] = "%:&5L;&\\`\nend\n";

	for (int i = 0; i < 3; i++) {
		const char *t = i == 0 ? with : i == 1 ? without : no_blank;
		g_autoptr(GByteArray) out = g_byte_array_new();

		md_uudecode_into(t, strlen(t), out);
		g_assert_cmpmem(out->data, out->len, "hello", 5);
	}
}

static void
test_uuencoded_find(void)
{
	static const char text[] = "Hi,\n\nbegin 644 my file.txt\n"
	    "%:&5L;&\\`\n`\nend\n\nBye\nbegin 644 nothing\nnot uuencode\n";
	g_autofree char *name = NULL;
	gsize start, end;

	g_assert_true(md_uuencoded_find(text, 0, &start, &end, &name));
	g_assert_cmpstr(name, ==, "my file.txt");
	g_assert_cmpuint(start, ==, 5);
	g_assert_cmpstr(text + end, ==, "\nBye\nbegin 644 nothing\n"
	    "not uuencode\n");
	g_clear_pointer(&name, g_free);
	g_assert_false(md_uuencoded_find(text, end, &start, &end, &name));
	g_assert_false(md_uuencoded_find("the beginning 644 x\n", 0, &start,
	    &end, &name));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add_func("/transfer/base64", test_base64);
	g_test_add_func("/transfer/base64-steps", test_base64_steps);
	g_test_add_func("/transfer/uudecode", test_uudecode);
	g_test_add_func("/transfer/uuencoded-find", test_uuencoded_find);
	return g_test_run();
}
