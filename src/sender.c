/* SPDX-License-Identifier: MIT */
/*
 * The sender process.  A delivery's mail (acknowledgement, notifications)
 * is in the outbox once the delivery has committed; sending it is no
 * business of the MTA, which should be free to go as soon as the commit
 * is on disk.  So the delivery forks twice and the grandchild, in a
 * session of its own, sends and records the outcome while the delivery
 * exits.
 *
 * What the grandchild must not keep: the MTA's pipes (Postfix's pipe(8)
 * reads the command's output until every writer has closed it, so an
 * inherited stdout would make the MTA wait for the SMTP dialogue after
 * all), and the parent's LMDB environment (it cannot cross a fork: the
 * child opens the store afresh).  It keeps one descriptor: a shared lock
 * on LOCK_NAME, taken by the parent before the fork so that there is no
 * moment in which a sender runs unseen; whoever wants to wait for the
 * senders takes that lock exclusively (the tests do, with flock(1)).
 *
 * Nothing is lost if the sender dies: the entries are leased to it, and
 * `maildesk flush` sends them once the lease has ended.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <syslog.h>
#include <unistd.h>

#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/outbox.h"
#include "maildesk/sender.h"
#include "maildesk/store.h"

#define LOCK_NAME "maildesk.send"

char *
md_sender_lock_path(const char *store_path)
{
	return g_build_filename(store_path, LOCK_NAME, NULL);
}

/* Everything but @keep closed; /dev/null as stdin, stdout and stderr. */
static void
detach_descriptors(int keep)
{
	int null;

	/* Started with stdio closed, the lock may be 0, 1 or 2: move it. */
	if (keep < 3)
		keep = fcntl(keep, F_DUPFD_CLOEXEC, 3);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* syslog's socket is one of ours: let it reconnect when needed. */
	closelog();
	for (int fd = 0; fd <= 2; fd++)
		if (null >= 0 && null != fd)
			dup2(null, fd);
	if (keep > 3)
		close_range(3, (unsigned)keep - 1, 0);
	close_range((unsigned)MAX(keep + 1, 3), ~0U, 0);
}

/* In the grandchild: a fresh store, one send, the outcome recorded. */
static void G_GNUC_NORETURN
run(const MdConfig *config, GArray *ids)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(MdStore) store = NULL;
	MdFlushResult fr;

	/* Bounded: a relay that never answers must not keep us for ever. */
	signal(SIGALRM, SIG_DFL);
	alarm(config->deliver_flush_s * 3 + 1);
	store = md_store_open(config->store_path, config->map_size_bytes, &e);
	if (store == NULL)
		md_info("sender result=error reason=\"%s\"", e->message);
	else if (!md_outbox_flush(store, config, ids, TRUE,
	    config->deliver_flush_s, g_get_real_time() / G_USEC_PER_SEC, &fr,
	    &e))
		md_info("sender result=error reason=\"%s\"", e->message);
	_exit(0);
}

gboolean
md_sender_start(const MdConfig *config, GArray *ids, GError **error)
{
	g_autofree char *path = md_sender_lock_path(config->store_path);
	int lock;
	pid_t pid;

	lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0 || flock(lock, LOCK_SH) != 0) {
		int saved = errno;

		if (lock >= 0)
			close(lock);
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "sender: %s: %s", path, g_strerror(saved));
		return FALSE;
	}
	pid = fork();
	if (pid < 0) {
		int saved = errno;

		close(lock);
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "sender: fork: %s", g_strerror(saved));
		return FALSE;
	}
	if (pid == 0) {
		/* The child: a session of its own, then the grandchild. */
		setsid();
		pid = fork();
		if (pid != 0)
			_exit(pid < 0 ? 1 : 0);
		detach_descriptors(lock);
		run(config, ids);
	}
	/*
	 * Our copy of the lock goes; the grandchild's stays.  The child
	 * exits at once; it is not waited for here, so that the MTA does
	 * not wait for the second fork either: the caller exits soon, and
	 * init reaps it.
	 */
	close(lock);
	return TRUE;
}
