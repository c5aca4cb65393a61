/* SPDX-License-Identifier: MIT */
/*
 * The LMTP dialogue (lmtp.c) over a socket pair, with a delivery function
 * that records what it was given and answers as each test asks: one reply
 * per recipient after DATA, pipelining, the data as stored (LF line ends,
 * dots unstuffed, Return-Path first), the size limit, and the stop.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "maildesk/lmtp.h"

typedef struct {
	int fd;			/* the client's end */
	GThread *server;
	MdLmtpSession session;
	gint stopping;
	/* what deliver saw, and how it answers */
	GPtrArray *sender;	/* char *, one per transaction */
	GPtrArray *data;	/* GBytes, one per transaction */
	GPtrArray *rcpts;	/* char *, all recipients */
	MdLmtpOutcome answer[8];
	GString *in;		/* replies read so far */
} Fixture;

static void
fake_deliver(MdLmtpMessage *m, gpointer data)
{
	Fixture *f = data;

	g_ptr_array_add(f->sender, g_strdup(m->sender));
	g_ptr_array_add(f->data, g_bytes_new(m->data, m->len));
	for (guint i = 0; i < m->n_recipients; i++) {
		g_ptr_array_add(f->rcpts, g_strdup(m->recipients[i]));
		m->outcomes[i] = f->answer[MIN(i, G_N_ELEMENTS(f->answer) - 1)];
		if (m->outcomes[i] == MD_LMTP_TEMPFAIL)
			m->reasons[i] = g_strdup("store busy");
	}
}

static gpointer
serve(gpointer data)
{
	md_lmtp_serve(data);
	return NULL;
}

static void
setup(Fixture *f, gconstpointer unused)
{
	int sv[2];

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
	f->fd = sv[0];
	f->sender = g_ptr_array_new_with_free_func(g_free);
	f->data = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_bytes_unref);
	f->rcpts = g_ptr_array_new_with_free_func(g_free);
	f->in = g_string_new(NULL);
	f->session = (MdLmtpSession){ sv[1], "desk.example", 1000, 5, 3,
		&f->stopping, fake_deliver, f };
	f->server = g_thread_new("lmtp", serve, &f->session);
}

static void
teardown(Fixture *f, gconstpointer unused)
{
	close(f->fd);
	g_thread_join(f->server);
	g_ptr_array_unref(f->sender);
	g_ptr_array_unref(f->data);
	g_ptr_array_unref(f->rcpts);
	g_string_free(f->in, TRUE);
}

static void
say(Fixture *f, const char *text)
{
	gsize len = strlen(text);

	g_assert_cmpint(write(f->fd, text, len), ==, (gssize)len);
}

/* Reads until @n more reply lines (CRLF-terminated) have come. */
static char *
replies(Fixture *f, guint n)
{
	gsize from = f->in->len;
	guint lines = 0;

	while (lines < n) {
		char buf[512];
		ssize_t r = read(f->fd, buf, sizeof(buf));

		g_assert_cmpint(r, >, 0);
		g_string_append_len(f->in, buf, r);
		lines = 0;
		for (const char *p = f->in->str + from; (p = strstr(p,
		    "\r\n")) != NULL; p += 2)
			lines++;
	}
	return g_strndup(f->in->str + from, f->in->len - from);
}

static void
test_two_recipients(Fixture *f, gconstpointer unused)
{
	g_autofree char *greeting = replies(f, 1);
	g_autofree char *lhlo = NULL, *r = NULL;
	const char *stored;
	const char *want = "Return-Path: <a@example.net>\nSubject: hi\n\n"
	    ".leading dot\nbare\rcr\n";
	gsize len;

	g_assert_true(g_str_has_prefix(greeting, "220 desk.example "));
	say(f, "LHLO mx.example\r\n");
	lhlo = replies(f, 5);
	g_assert_nonnull(strstr(lhlo, "250-PIPELINING\r\n"));
	g_assert_nonnull(strstr(lhlo, "250 SIZE 1000\r\n"));
	f->answer[0] = MD_LMTP_DELIVERED;
	f->answer[1] = MD_LMTP_TEMPFAIL;
	/* Pipelined: everything up to DATA in one write. */
	say(f, "MAIL FROM:<a@example.net> BODY=8BITMIME\r\n"
	    "RCPT TO:<support@example.com>\r\nRCPT TO:<sales@example.com>\r\n"
	    "DATA\r\n");
	r = replies(f, 4);
	g_assert_cmpstr(r, ==, "250 2.1.0 ok\r\n250 2.1.5 ok\r\n"
	    "250 2.1.5 ok\r\n354 go ahead, end with <CRLF>.<CRLF>\r\n");
	g_free(r);
	say(f, "Subject: hi\r\n\r\n..leading dot\r\nbare\rcr\r\n.\r\n");
	r = replies(f, 2);
	g_assert_cmpstr(r, ==, "250 2.0.0 <support@example.com> stored\r\n"
	    "451 4.3.0 <sales@example.com> store busy\r\n");
	g_assert_cmpuint(f->data->len, ==, 1);
	stored = g_bytes_get_data(g_ptr_array_index(f->data, 0), &len);
	g_assert_cmpmem(stored, len, want, strlen(want));
	g_assert_cmpstr(g_ptr_array_index(f->rcpts, 1), ==,
	    "sales@example.com");
}

static void
test_sequence_and_limits(Fixture *f, gconstpointer unused)
{
	g_autofree char *r0 = replies(f, 1), *r = NULL;

	say(f, "HELO x\r\nMAIL FROM:<>\r\nLHLO mx\r\n");
	r = replies(f, 7);
	g_assert_true(g_str_has_prefix(r, "500 5.5.1 this is LMTP"));
	g_assert_nonnull(strstr(r, "503 5.5.1 LHLO first\r\n"));
	g_free(r);
	/* DATA without a recipient; SIZE over the limit; too many. */
	say(f, "MAIL FROM:<>\r\nDATA\r\nRSET\r\nMAIL FROM:<b@x> SIZE=5000\r\n"
	    "MAIL FROM:<b@x> SIZE=10\r\nRCPT TO:<1@x>\r\nRCPT TO:<2@x>\r\n"
	    "RCPT TO:<3@x>\r\nRCPT TO:<4@x>\r\n");
	r = replies(f, 9);
	g_assert_cmpstr(r, ==, "250 2.1.0 ok\r\n"
	    "503 5.5.1 no valid recipients\r\n250 2.0.0 ok\r\n"
	    "552 5.3.4 message too big\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n"
	    "250 2.1.5 ok\r\n250 2.1.5 ok\r\n452 4.5.3 too many recipients\r\n");
	g_free(r);
	/* Data past the limit is read and refused, for every recipient. */
	{
		g_autoptr(GString) big = g_string_new("DATA\r\n");

		for (int i = 0; i < 40; i++)
			g_string_append(big, "0123456789012345678901234567890"
			    "123456789\r\n");
		g_string_append(big, ".\r\nQUIT\r\n");
		say(f, big->str);
	}
	r = replies(f, 5);
	g_assert_cmpstr(r, ==, "354 go ahead, end with <CRLF>.<CRLF>\r\n"
	    "552 5.3.4 <1@x> message too big\r\n"
	    "552 5.3.4 <2@x> message too big\r\n"
	    "552 5.3.4 <3@x> message too big\r\n"
	    "221 2.0.0 desk.example bye\r\n");
	g_assert_cmpuint(f->data->len, ==, 0);
}

static void
test_stop(Fixture *f, gconstpointer unused)
{
	g_autofree char *r0 = replies(f, 1), *r = NULL;

	say(f, "LHLO mx\r\n");
	g_free(replies(f, 5));
	g_atomic_int_set(&f->stopping, 1);
	/* Idle between transactions: told at once, and the end. */
	r = replies(f, 1);
	g_assert_cmpstr(r, ==, "421 4.3.2 desk.example shutting down\r\n");
}

static void
test_stop_finishes_transaction(Fixture *f, gconstpointer unused)
{
	g_autofree char *r0 = replies(f, 1), *r = NULL;

	f->answer[0] = MD_LMTP_DELIVERED;
	say(f, "LHLO mx\r\nMAIL FROM:<a@x>\r\nRCPT TO:<s@x>\r\nDATA\r\n");
	g_free(replies(f, 8));
	/* Stopping in the middle of the data: the message still counts. */
	g_atomic_int_set(&f->stopping, 1);
	say(f, "Subject: late\r\n\r\nbody\r\n.\r\nMAIL FROM:<a@x>\r\n");
	r = replies(f, 2);
	g_assert_cmpstr(r, ==, "250 2.0.0 <s@x> stored\r\n"
	    "421 4.3.2 desk.example shutting down\r\n");
	g_assert_cmpuint(f->data->len, ==, 1);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/lmtp/two-recipients", Fixture, NULL, setup,
	    test_two_recipients, teardown);
	g_test_add("/lmtp/sequence-and-limits", Fixture, NULL, setup,
	    test_sequence_and_limits, teardown);
	g_test_add("/lmtp/stop", Fixture, NULL, setup, test_stop, teardown);
	g_test_add("/lmtp/stop-finishes-transaction", Fixture, NULL, setup,
	    test_stop_finishes_transaction, teardown);
	return g_test_run();
}
