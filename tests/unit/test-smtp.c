/* SPDX-License-Identifier: MIT */
/*
 * md_smtp_send against a real SMTP server on loopback, Postfix's
 * smtp-sink: a 250 is sent, a 5xx to RCPT a permanent failure, a 4xx a
 * temporary one, nobody listening a temporary one (reported at the end,
 * not as it comes); several mails go in one session, each reported once.  Skipped where smtp-sink is missing.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maildesk/smtp.h"
#include "test-fixture.h"

typedef MdTestStore Fixture;

static const char mail[] =
    "From: support@example.com\r\nTo: anna@example.net\r\n"
    "Subject: x\r\n\r\nHello.\r\n";

/* A port nobody listens on now, on 127.0.0.1. */
static guint
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&a, &len), ==, 0);
	close(fd);
	return ntohs(a.sin_port);
}

static gboolean
listening(guint port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	gboolean ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/*
 * Starts smtp-sink with @option (nullable, e.g. "-f RCPT") on a free port;
 * its pid, or 0 when there is no smtp-sink.
 */
static GPid
start_sink(const char *option, guint *port)
{
	const char *bin = g_file_test("/usr/sbin/smtp-sink",
	    G_FILE_TEST_IS_EXECUTABLE) ? "/usr/sbin/smtp-sink" : NULL;

	for (int tries = 0; bin != NULL && tries < 10; tries++) {
		g_autofree char *where = NULL;
		const char *argv[8];
		guint n = 0;
		GPid pid;

		*port = free_port();
		where = g_strdup_printf("127.0.0.1:%u", *port);
		argv[n++] = bin;
		if (geteuid() == 0) {
			argv[n++] = "-u";
			argv[n++] = "nobody";
		}
		if (option != NULL) {
			argv[n++] = option;
			argv[n++] = "RCPT";
		}
		argv[n++] = where;
		argv[n++] = "10";
		argv[n] = NULL;
		g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
		    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
		    G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, NULL));
		for (int i = 0; i < 50; i++) {
			if (listening(*port))
				return pid;
			if (waitpid(pid, NULL, WNOHANG) == pid)
				break;	/* the port was taken: again */
			g_usleep(100 * 1000);
		}
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	return 0;
}

static void
stop_sink(GPid pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static void
load_config(Fixture *f, guint port)
{
	g_autofree char *text = g_strdup_printf("[smtp]\nhost = 127.0.0.1\n"
	    "port = %u\ntimeout-seconds = 10\n", port);

	md_test_store_set_up_dir(f, NULL);
	md_test_store_load_config(f, MD_TEST_MAP_BYTES, text);
}

static void
count_done(MdSmtpJob *job, guint index, gpointer data)
{
	guint *n = data;

	(void)job;
	(void)index;
	(*n)++;
}

/* Sends @n copies of the mail to @option's sink; checks each outcome. */
static void
send_to_sink(const char *option, gboolean up, guint n, MdSmtpOutcome want,
    const char *reply_prefix)
{
	Fixture f = { 0 };
	g_autoptr(GBytes) data = g_bytes_new_static(mail, strlen(mail));
	char anna[] = "anna@example.net";
	char *to[] = { anna, NULL };
	MdSmtpJob jobs[2];
	guint port = 0, done = 0;
	GPid pid = 0;

	g_assert_cmpuint(n, <=, G_N_ELEMENTS(jobs));
	if (up && (pid = start_sink(option, &port)) == 0) {
		g_test_skip("smtp-sink (Postfix) is not installed");
		return;
	}
	if (!up)
		port = free_port();
	load_config(&f, port);
	memset(jobs, 0, sizeof(jobs));
	for (guint i = 0; i < n; i++) {
		jobs[i].from = "support@example.com";
		jobs[i].recipients = to;
		jobs[i].data = data;
	}
	md_smtp_send(f.config, jobs, n, 10, count_done, &done);
	if (pid != 0)
		stop_sink(pid);
	for (guint i = 0; i < n; i++) {
		g_assert_cmpint(jobs[i].outcome, ==, want);
		/* What a server answered is reported as it comes. */
		g_assert_cmpint(jobs[i].reported, ==, up);
		if (reply_prefix != NULL) {
			g_assert_nonnull(jobs[i].reply);
			g_assert_true(g_str_has_prefix(jobs[i].reply,
			    reply_prefix));
		}
		g_free(jobs[i].reply);
	}
	g_assert_cmpuint(done, ==, up ? n : 0);
	md_test_store_tear_down(&f, NULL);
}

static void
test_sent(void)
{
	send_to_sink(NULL, TRUE, 1, MD_SMTP_SENT, "2");
}

static void
test_two_in_one_session(void)
{
	send_to_sink(NULL, TRUE, 2, MD_SMTP_SENT, "2");
}

static void
test_permfail(void)
{
	send_to_sink("-f", TRUE, 1, MD_SMTP_PERMFAIL, "5");
}

static void
test_tempfail(void)
{
	send_to_sink("-r", TRUE, 1, MD_SMTP_TEMPFAIL, "4");
}

static void
test_nobody_listens(void)
{
	send_to_sink(NULL, FALSE, 1, MD_SMTP_TEMPFAIL, NULL);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	signal(SIGPIPE, SIG_IGN);
	g_test_add_func("/smtp/sent", test_sent);
	g_test_add_func("/smtp/two-in-one-session", test_two_in_one_session);
	g_test_add_func("/smtp/permfail", test_permfail);
	g_test_add_func("/smtp/tempfail", test_tempfail);
	g_test_add_func("/smtp/nobody-listens", test_nobody_listens);
	return g_test_run();
}
