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
 * The delivery leaves the acknowledgement to the sender: it records that
 * one is owed, and the sender composes it (template, GMime, the ack's
 * record), so that the MTA does not wait for that either.
 *
 * Nothing is lost if the sender dies: the entries are leased to it, and
 * `maildesk flush` composes and sends them once the lease has ended.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <syslog.h>
#include <unistd.h>

#include "maildesk/autoreply.h"
#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/outbox.h"
#include "maildesk/sender.h"
#include "maildesk/smtp.h"
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

/*
 * In the grandchild: a fresh store; the owed acknowledgements composed
 * (a read transaction: the mail sent is built from what is stored); one
 * SMTP session; then one write transaction that keeps each ack in its
 * ticket and records every outcome.  Killed after sending and before
 * recording, the entries are sent again by flush once their lease has
 * run out (a recomposed ack then has a Message-ID of its own).
 */
static gboolean
send_queued(MdStore *store, const MdConfig *config, GArray *ids,
    GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GPtrArray) due = NULL;
	g_autofree MdSmtpJob *jobs = NULL;
	g_autoptr(GPtrArray) acks = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_message_free);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	MdFlushResult r = { 0 };
	guint n = 0;
	gboolean ok = TRUE;

	if (!md_store_begin(store, MD_TXN_READ, &txn, error) ||
	    (due = md_outbox_load(&txn, ids, error)) == NULL)
		return FALSE;
	for (guint i = 0; i < due->len; i++) {
		MdOutboxEntry *e = g_ptr_array_index(due, i);
		MdMessage *ack = NULL;

		if (e->owed && !md_autoreply_compose(&txn, config, e, now,
		    &ack, error))
			return FALSE;
		g_ptr_array_add(acks, ack);
	}
	md_txn_clear(&txn);
	jobs = g_new0(MdSmtpJob, due->len);
	for (guint i = 0; i < due->len; i++) {
		MdOutboxEntry *e = g_ptr_array_index(due, i);

		if (g_bytes_get_size(e->data) == 0)
			continue;	/* nothing to send: kept below */
		jobs[n].from = e->envelope_from;
		jobs[n].recipients = e->recipients;
		jobs[n].data = e->data;
		n++;
	}
	md_smtp_send(config, jobs, n, config->deliver_flush_s, NULL, NULL);
	now = g_get_real_time() / G_USEC_PER_SEC;
	if (!md_store_begin(store, MD_TXN_WRITE, &txn, error))
		ok = FALSE;
	for (guint i = 0, j = 0; ok && i < due->len; i++) {
		MdOutboxEntry *e = g_ptr_array_index(due, i);
		gboolean sendable = g_bytes_get_size(e->data) > 0;
		MdSmtpJob *job = sendable ? &jobs[j++] : NULL;

		if (e->owed)
			ok = md_autoreply_keep(&txn, config, e,
			    g_ptr_array_index(acks, i), now, &sendable, error);
		if (ok && sendable && job != NULL)
			ok = md_outbox_settle(&txn, config, e, job->outcome,
			    job->reply, now, &r, error);
	}
	for (guint i = 0; i < n; i++)
		g_free(jobs[i].reply);
	return ok && md_store_commit(&txn, error);
}

/* In the grandchild: a fresh store, one send, the outcome recorded. */
static void G_GNUC_NORETURN
run(const MdConfig *config, GArray *ids)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(MdStore) store = NULL;

	/* Bounded: a relay that never answers must not keep us for ever. */
	signal(SIGALRM, SIG_DFL);
	/* A relay that hangs up is an outcome to record, not our end. */
	signal(SIGPIPE, SIG_IGN);
	alarm(config->deliver_flush_s * 3 + 1);
	store = md_store_open(config->store_path, config->map_size_bytes, &e);
	if (store == NULL || !send_queued(store, config, ids, &e))
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
