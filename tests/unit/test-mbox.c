/* SPDX-License-Identifier: MIT */
/*
 * The mbox format (mbox.c): what md_mbox_append writes, md_mbox_read gives
 * back byte for byte; the mail boundaries of mboxes written elsewhere
 * (CRLF, unquoted "From " lines, mail GMime cannot parse); files that are
 * no mbox.
 */
#include <string.h>

#include <unistd.h>

#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "maildesk/error.h"
#include "maildesk/mbox.h"

/* Collects every mail md_mbox_read hands over. */
static gboolean
collect(GBytes *raw, gpointer data, GError **error)
{
	(void)error;
	g_ptr_array_add(data, raw);
	return TRUE;
}

/* Writes @len bytes to a new temporary file; its path. */
static char *
tmp_file(const char *text, gssize len)
{
	g_autoptr(GError) e = NULL;
	char *path = NULL;
	int fd = g_file_open_tmp("test-mbox-XXXXXX", &path, &e);

	g_assert_no_error(e);
	close(fd);
	g_assert_true(g_file_set_contents(path, text, len, &e));
	g_assert_no_error(e);
	return path;
}

/* The mails of the mbox @text, which must read without error. */
static GPtrArray *
read_text(const char *text, gssize len)
{
	g_autofree char *path = tmp_file(text, len);
	g_autoptr(GError) e = NULL;
	GPtrArray *mails = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_bytes_unref);

	g_assert_true(md_mbox_read(path, collect, mails, &e));
	g_assert_no_error(e);
	g_unlink(path);
	return mails;
}

static void
assert_mail(GPtrArray *mails, guint i, const char *want)
{
	gsize len;
	const char *got;

	g_assert_cmpuint(i, <, mails->len);
	got = g_bytes_get_data(g_ptr_array_index(mails, i), &len);
	g_assert_cmpmem(got, len, want, strlen(want));
}

/* @mails are exactly @want (NULL-terminated); frees @mails. */
static void
assert_mails(GPtrArray *mails, const char *const *want)
{
	guint n = g_strv_length((char **)want);

	g_assert_cmpuint(mails->len, ==, n);
	for (guint i = 0; i < n; i++)
		assert_mail(mails, i, want[i]);
	g_ptr_array_unref(mails);
}

/* The mbox @text gives exactly the mails @want. */
static void
assert_reads(const char *text, const char *const *want)
{
	assert_mails(read_text(text, -1), want);
}

/* Writes @raws with md_mbox_append, reads them back. */
static GPtrArray *
round_trip(const char *const *raws)
{
	g_autoptr(GString) mbox = g_string_new(NULL);

	for (const char *const *r = raws; *r != NULL; r++)
		md_mbox_append(mbox, (const guint8 *)*r, strlen(*r),
		    1767225600 + (r - raws));
	return read_text(mbox->str, mbox->len);
}

/* Each of @raws comes back as it was. */
static void
assert_round_trip(const char *const *raws)
{
	assert_mails(round_trip(raws), raws);
}

static void
test_round_trip_quoting(void)
{
	static const char *const raws[] = {
		"From: a@example.com\nSubject: one\n\nFrom here on,\n"
		    ">From the quoted\n>>From twice\n>>>From thrice\n"
		    "\nFrom after a blank line\n> From not quoted\n",
		"From: b@example.com\nSubject: two\n\n"
		    "From the first line\n\n\n",
		"Subject: three\n\n>From the last line\n",
		NULL
	};

	assert_round_trip(raws);
}

static void
test_round_trip_crlf(void)
{
	static const char *const raws[] = {
		"From: a@example.com\r\nSubject: one\r\n\r\n"
		    "From here\r\n>From there\r\n",
		"Subject: two\r\n\r\nends in a blank line\r\n\r\n",
		"Subject: three\r\n\r\nlast\r\n",
		NULL
	};

	assert_round_trip(raws);
}

/* Bytes GMime would rewrite (bare CR, odd folding, 8 bit, NUL) stay. */
static void
test_round_trip_raw_bytes(void)
{
	static const char raw[] = "Subject:   odd\n\tfolded \r\n"
	    "X-8bit: caf\xc3\xa9 \xff\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nFrom inside a part\n--b--\nbare\rcr\n";
	g_autoptr(GString) mbox = g_string_new(NULL);
	g_autoptr(GPtrArray) mails = NULL;
	gsize len;
	const guint8 *got;

	md_mbox_append(mbox, (const guint8 *)raw, sizeof(raw) - 1, 0);
	md_mbox_append(mbox, (const guint8 *)"A: \0b\n", 6, 0);
	mails = read_text(mbox->str, mbox->len);
	g_assert_cmpuint(mails->len, ==, 2);
	assert_mail(mails, 0, raw);
	got = g_bytes_get_data(g_ptr_array_index(mails, 1), &len);
	g_assert_cmpmem(got, len, "A: \0b\n", 6);
}

/* mboxrd cannot tell "x" from "x\n": the mail comes back with one. */
static void
test_no_final_newline(void)
{
	static const char *const raws[] = {
		"Subject: one\n\nno newline", "Subject: two\n\nlast", NULL
	};
	static const char *const want[] = {
		"Subject: one\n\nno newline\n", "Subject: two\n\nlast\n",
		NULL
	};

	assert_mails(round_trip(raws), want);
}

/* A "From " line right after text is a body line of mboxo, not a mail. */
static void
test_unquoted_from(void)
{
	static const char *const want[] = {
		"Subject: one\n\ntext\nFrom here on, this is one mail\nmore\n",
		"Subject: two\n\ntwo\n", NULL
	};

	assert_reads("From a Thu Jan  1 00:00:00 2026\nSubject: one\n\n"
	    "text\nFrom here on, this is one mail\nmore\n\n"
	    "From b Thu Jan  1 00:00:00 2026\nSubject: two\n\ntwo\n", want);
}

/* An mbox with CRLF lines throughout, as some Windows tools write. */
static void
test_crlf_mbox(void)
{
	static const char *const want[] = {
		"Subject: one\r\n\r\none\r\nFrom x\r\n",
		"Subject: two\r\n\r\ntwo\r\n", NULL
	};

	assert_reads("From a Thu Jan  1 00:00:00 2026\r\n"
	    "Subject: one\r\n\r\none\r\n>From x\r\n\r\n"
	    "From b Thu Jan  1 00:00:00 2026\r\nSubject: two\r\n\r\n"
	    "two\r\n\r\n", want);
}

/*
 * Mail GMime cannot parse is still a mail, and so is the one after it.
 * A "From " line with only the blank line after it is no mail.
 */
static void
test_unparsable_mail(void)
{
	static const char *const want[] = {
		"no header at all\n", "Subject: three\n\nthree\n", NULL
	};

	assert_reads("From a Thu Jan  1 00:00:00 2026\nno header at all\n\n"
	    "From b Thu Jan  1 00:00:00 2026\n\n"
	    "From c Thu Jan  1 00:00:00 2026\nSubject: three\n\nthree\n",
	    want);
}

static void
test_empty_mbox(void)
{
	g_autoptr(GPtrArray) mails = read_text("", 0);

	g_assert_cmpuint(mails->len, ==, 0);
}

/* A "From " line and nothing else: no mail. */
static void
test_marker_only(void)
{
	g_autoptr(GPtrArray) a = read_text("From a Thu Jan  1 2026\n", -1);
	g_autoptr(GPtrArray) b = read_text("From a Thu Jan  1 2026", -1);
	g_autoptr(GPtrArray) c = read_text("From a Thu Jan  1 2026\n\n", -1);
	g_autoptr(GPtrArray) d = read_text("From a\r\n\r\nFrom b\r\n\r\n", -1);

	g_assert_cmpuint(a->len, ==, 0);
	g_assert_cmpuint(b->len, ==, 0);
	g_assert_cmpuint(c->len, ==, 0);
	g_assert_cmpuint(d->len, ==, 0);
}

static void
test_not_mbox(void)
{
	static const char *const texts[] = {
		"Subject: a mail\n\nFrom here\n", "From", "\nFrom a\n\n",
		NULL
	};

	for (const char *const *t = texts; *t != NULL; t++) {
		g_autofree char *path = tmp_file(*t, -1);
		g_autoptr(GPtrArray) mails = g_ptr_array_new_with_free_func(
		    (GDestroyNotify)g_bytes_unref);
		g_autoptr(GError) e = NULL;

		g_assert_false(md_mbox_read(path, collect, mails, &e));
		g_assert_error(e, MD_ERROR, MD_ERROR_USAGE);
		g_assert_nonnull(strstr(e->message, "is not an mbox"));
		g_assert_null(strchr(e->message, '\n'));
		g_assert_cmpuint(mails->len, ==, 0);
		g_unlink(path);
	}
}

static void
test_missing_file(void)
{
	g_autoptr(GError) e = NULL;

	g_assert_false(md_mbox_read("/nonexistent/mbox", collect, NULL, &e));
	g_assert_error(e, MD_ERROR, MD_ERROR_USAGE);
	g_assert_null(strchr(e->message, '\n'));
}

/* The callback's FALSE stops the reading with its error. */
static gboolean
refuse_second(GBytes *raw, gpointer data, GError **error)
{
	guint *n = data;

	g_bytes_unref(raw);
	if (++*n < 2)
		return TRUE;
	g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL, "stop");
	return FALSE;
}

static void
test_callback_stops(void)
{
	static const char *const raws[] = {
		"Subject: 1\n\n", "Subject: 2\n\n", "Subject: 3\n\n", NULL
	};
	g_autoptr(GString) mbox = g_string_new(NULL);
	g_autofree char *path = NULL;
	g_autoptr(GError) e = NULL;
	guint n = 0;

	for (const char *const *r = raws; *r != NULL; r++)
		md_mbox_append(mbox, (const guint8 *)*r, strlen(*r), 0);
	path = tmp_file(mbox->str, mbox->len);
	g_assert_false(md_mbox_read(path, refuse_second, &n, &e));
	g_assert_error(e, MD_ERROR, MD_ERROR_TEMPFAIL);
	g_assert_cmpuint(n, ==, 2);
	g_unlink(path);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add_func("/mbox/round-trip/quoting", test_round_trip_quoting);
	g_test_add_func("/mbox/round-trip/crlf", test_round_trip_crlf);
	g_test_add_func("/mbox/round-trip/raw-bytes",
	    test_round_trip_raw_bytes);
	g_test_add_func("/mbox/round-trip/no-final-newline",
	    test_no_final_newline);
	g_test_add_func("/mbox/read/unquoted-from", test_unquoted_from);
	g_test_add_func("/mbox/read/crlf-mbox", test_crlf_mbox);
	g_test_add_func("/mbox/read/unparsable-mail", test_unparsable_mail);
	g_test_add_func("/mbox/read/empty", test_empty_mbox);
	g_test_add_func("/mbox/read/marker-only", test_marker_only);
	g_test_add_func("/mbox/read/not-mbox", test_not_mbox);
	g_test_add_func("/mbox/read/missing-file", test_missing_file);
	g_test_add_func("/mbox/read/callback-stops", test_callback_stops);
	return g_test_run();
}
