/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (digest.c): the same hex as GLib's GChecksum, which wrote the
 * digests already in stores, for lengths around SHA-256's block edges;
 * the GMime filter, fed in pieces and through a decoding stream, gives
 * the digest of what passed through.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/digest.h"

static guint8 *
bytes(gsize n)
{
	guint8 *b = g_malloc(n + 1);

	for (gsize i = 0; i < n; i++)
		b[i] = (guint8)(i * 131 + (i >> 8));
	return b;
}

static void
test_same_as_gchecksum(void)
{
	static const gsize lengths[] = { 0, 1, 3, 55, 56, 63, 64, 65, 127,
		1000, 4096, 1 << 20 };
	g_autofree guint8 *b = bytes(1 << 20);

	for (gsize i = 0; i < G_N_ELEMENTS(lengths); i++) {
		g_autofree char *want = g_compute_checksum_for_data(
		    G_CHECKSUM_SHA256, b, lengths[i]);
		g_autofree char *got = md_digest_sha256_hex(b, lengths[i]);

		g_assert_cmpstr(got, ==, want);
	}
	{
		g_autofree char *empty = md_digest_sha256_hex("", 0);

		g_assert_cmpstr(empty, ==, "e3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b855");
	}
}

static void
test_filter(void)
{
	g_autofree guint8 *b = bytes(100000);
	g_autofree char *want = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
	    b, 100000);
	GMimeStream *null = g_mime_stream_null_new();
	GMimeStream *filtered = g_mime_stream_filter_new(null);
	GMimeFilter *sum = md_digest_filter_new();
	g_autofree char *got = NULL, *again = NULL;
	GMimeFilter *copy;

	g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), sum);
	/* In uneven pieces, as a decoder hands them on. */
	for (gsize off = 0; off < 100000;) {
		gsize n = MIN(100000 - off, 1 + off % 7919);

		g_assert_cmpint(g_mime_stream_write(filtered, (char *)b + off,
		    n), ==, (gssize)n);
		off += n;
	}
	g_mime_stream_flush(filtered);
	got = md_digest_filter_hex(sum);
	g_assert_cmpstr(got, ==, want);
	/* Asking does not end it; a copy goes on from the same state. */
	again = md_digest_filter_hex(sum);
	g_assert_cmpstr(again, ==, want);
	copy = g_mime_filter_copy(sum);
	{
		g_autofree char *c = md_digest_filter_hex(copy);

		g_assert_cmpstr(c, ==, want);
	}
	g_mime_filter_reset(sum);
	{
		g_autofree char *r = md_digest_filter_hex(sum);
		g_autofree char *e = md_digest_sha256_hex("", 0);

		g_assert_cmpstr(r, ==, e);
	}
	g_object_unref(copy);
	g_object_unref(sum);
	g_object_unref(filtered);
	g_object_unref(null);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add_func("/digest/same-as-gchecksum", test_same_as_gchecksum);
	g_test_add_func("/digest/filter", test_filter);
	return g_test_run();
}
