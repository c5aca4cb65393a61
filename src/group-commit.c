/* SPDX-License-Identifier: MIT */
/*
 * Group commit.  A delivery's cost is dominated by its commit, two syncs
 * of the disk; a process that receives many mails at once (lmtpd) stores
 * them with one commit for all.  Connection threads parse their mail
 * (md_deliver_prepare, at most `workers` at a time) and queue it; one
 * writer thread takes everything queued, stores each mail with
 * md_deliver_opts() in a transaction nested in one write transaction,
 * commits that once, and only then wakes the threads waiting for their
 * outcome.  Mail arriving during a commit waits for the next: the busier,
 * the bigger the groups.
 *
 * Each delivery is all or nothing on its own: a failure aborts its nested
 * transaction and no other.  If the commit itself fails, no mail of the
 * group is acknowledged, and the client will send it again.
 *
 * The acknowledgements and notifications the deliveries queued go to a
 * sender thread, which sends each group's in one SMTP session; the writer
 * records the outcomes in its next transaction, so sending costs no
 * commit of its own.  Acknowledgements are queued owed, as deliver does:
 * the sender thread composes them from the store (a read transaction,
 * beside the writer's), and the writer keeps them in their tickets when
 * it records the outcome, so composing costs the writer nothing.  Killed
 * after sending and before recording, the group is sent again by
 * `maildesk flush` once its lease runs out.
 *
 * Only the writer thread writes to the store; the sender thread reads.
 * Leaving the store for a compaction closes it: the writer does that only
 * while it holds store_lock for writing, the sender reads only while it
 * holds it for reading.
 */
#include <string.h>

#include "maildesk/autoreply.h"
#include "maildesk/deliver.h"
#include "maildesk/error.h"
#include "maildesk/group-commit.h"
#include "maildesk/log.h"
#include "maildesk/outbox.h"
#include "maildesk/smtp.h"

/*
 * At most this many deliveries per transaction: enough that a commit
 * serves a burst, few enough that the first of them does not wait long
 * for the last.
 */
#define MAX_GROUP 256
/* The writer looks for a waiting compaction at least this often. */
#define IDLE_CHECK_US (G_USEC_PER_SEC / 2)
/* At most this many messages per SMTP session of the sender. */
#define MAX_SEND 100

/* One recipient's copy of one message. */
typedef struct {
	const char *sender;	/* borrowed from the session */
	const char *recipient;	/* borrowed from the session */
	const guint8 *raw;	/* borrowed from the session */
	gsize len;
	gint64 now;
	MdMessage *message;	/* owned: prepared */
	gboolean done;
	MdLmtpOutcome outcome;
	char *reason;		/* owned, nullable */
} Job;

/* A sender's session, to be recorded by the writer. */
typedef struct {
	GPtrArray *entries;	/* MdOutboxEntry */
	GPtrArray *acks;	/* MdMessage or NULL, one per entry: an owed
				 * ack as composed, to keep in its ticket */
	gboolean *composed;	/* one per entry: FALSE when composing an
				 * owed one failed (left to flush) */
	MdSmtpJob *jobs;	/* one per entry: the outcomes; data NULL
				 * when nothing was sent */
} Sent;

struct MdGroupCommit {
	MdStore *store;
	const MdConfig *config;
	GRWLock store_lock;	/* written: the store may be closed */
	GMutex lock;
	GCond work;		/* the writer waits for jobs or results */
	GCond done;		/* connection threads wait for outcomes */
	GCond send;		/* the sender waits for entries */
	GCond parse;		/* a thread waits for a parsing slot */
	GQueue jobs;		/* Job *, waiting to be stored */
	GQueue sent;		/* Sent *, waiting to be recorded */
	GPtrArray *to_send;	/* MdOutboxEntry, waiting to be sent */
	guint parsing, workers;
	gboolean storing;	/* the writer has a group in hand */
	gboolean stop_sender, stop_writer;
	GThread *writer, *sender;
};

static void
sent_free(Sent *s)
{
	for (guint i = 0; i < s->entries->len; i++)
		g_free(s->jobs[i].reply);
	g_free(s->jobs);
	g_free(s->composed);
	g_ptr_array_unref(s->acks);
	g_ptr_array_unref(s->entries);
	g_free(s);
}

/* Leaves the store for a waiting compaction, if one waits. */
static void
step_aside(MdGroupCommit *gc)
{
	g_autoptr(GError) e = NULL;
	gboolean yielded;

	g_rw_lock_writer_lock(&gc->store_lock);
	if (!md_store_yield(gc->store, &yielded, &e))
		md_warn("lmtpd: %s", e->message);
	g_rw_lock_writer_unlock(&gc->store_lock);
}

/* Records what the sender's sessions achieved; their entries go. */
static void
record_sent(MdGroupCommit *gc, MdTxn *parent, GQueue *sent, gint64 now)
{
	Sent *s;

	while ((s = g_queue_pop_head(sent)) != NULL) {
		g_auto(MdTxn) txn = MD_TXN_INIT;
		g_autoptr(GError) e = NULL;
		MdFlushResult r = { 0 };
		gboolean ok = md_store_begin_nested(parent, &txn, &e);

		for (guint i = 0; ok && i < s->entries->len; i++) {
			MdOutboxEntry *o = g_ptr_array_index(s->entries, i);
			gboolean sendable = s->jobs[i].data != NULL;

			if (!s->composed[i])
				continue;	/* still owed, leased */
			if (o->owed)
				ok = md_autoreply_keep(&txn, gc->config, o,
				    g_ptr_array_index(s->acks, i), now,
				    &sendable, &e);
			if (ok && sendable && s->jobs[i].data != NULL)
				ok = md_outbox_settle(&txn, gc->config, o,
				    s->jobs[i].outcome, s->jobs[i].reply, now,
				    &r, &e);
		}
		if (ok)
			ok = md_store_commit(&txn, &e);
		/* Unrecorded, the entries are sent again after the lease. */
		if (!ok)
			md_warn("lmtpd: recording what was sent failed: %s",
			    e->message);
		sent_free(s);
	}
}

static void
log_delivery(const Job *j, const MdDeliverResult *r)
{
	md_info("lmtpd ticket=%" G_GUINT64_FORMAT " seq=%u customer=%"
	    G_GUINT64_FORMAT " queue=%s kind=%s size=%" G_GSIZE_FORMAT
	    " result=%s", r->ticket, r->seq, r->customer,
	    r->queue ? r->queue : "-", r->kind ? r->kind : "-", j->len,
	    r->duplicate ? "duplicate" : r->new_ticket ? "new-ticket" :
	    "stored");
}

/* One delivery in a transaction nested in @parent. */
static gboolean
store_one(MdGroupCommit *gc, MdTxn *parent, Job *j, GArray *ids)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) e = NULL;
	MdDeliverOptions opts = { 0 };
	MdDeliverResult r = { 0 };
	gboolean ok;

	opts.sender = j->sender;
	opts.recipient = j->recipient;
	opts.message = j->message;
	opts.txn = &txn;
	/* The sender thread composes the ack (see above). */
	opts.defer_ack = gc->config->deliver_flush_s > 0;
	ok = md_store_begin_nested(parent, &txn, &e) &&
	    md_deliver_opts(gc->store, gc->config, j->raw, j->len, &opts,
	    j->now, &r, &e) && md_store_commit(&txn, &e);
	if (ok) {
		log_delivery(j, &r);
		g_array_append_vals(ids, r.outbox_ids->data,
		    r.outbox_ids->len);
	} else {
		j->outcome = g_error_matches(e, MD_ERROR, MD_ERROR_REJECT) ?
		    MD_LMTP_TOO_BIG : MD_LMTP_TEMPFAIL;
		j->reason = g_strdup("not stored, try again later");
		md_info("lmtpd result=failed reason=\"%s\"", e->message);
	}
	md_deliver_result_clear(&r);
	return ok;
}

/*
 * One group: every job and every recorded send in one transaction.  Fills
 * in the outcomes; returns the entries to send once committed.
 */
static GPtrArray *
store_group(MdGroupCommit *gc, GPtrArray *group, GQueue *sent)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) e = NULL;
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_autoptr(GPtrArray) entries = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	/* Between transactions: let a waiting compaction go first. */
	step_aside(gc);
	if (!md_store_begin(gc->store, MD_TXN_WRITE, &txn, &e)) {
		for (guint i = 0; i < group->len; i++) {
			Job *j = g_ptr_array_index(group, i);

			j->outcome = MD_LMTP_TEMPFAIL;
			j->reason = g_strdup("store not available, try again "
			    "later");
		}
		md_warn("lmtpd: %s", e->message);
		g_queue_clear_full(sent, (GDestroyNotify)sent_free);
		return NULL;
	}
	record_sent(gc, &txn, sent, now);
	for (guint i = 0; i < group->len; i++) {
		Job *j = g_ptr_array_index(group, i);

		j->outcome = MD_LMTP_DELIVERED;
		store_one(gc, &txn, j, ids);
	}
	if (ids->len > 0 && gc->config->deliver_flush_s > 0) {
		entries = md_outbox_load(&txn, ids, &e);
		if (entries == NULL) {
			/* Queued all the same: flush sends it later. */
			md_warn("lmtpd: %s", e->message);
			g_clear_error(&e);
		}
	}
	if (!md_store_commit(&txn, &e)) {
		md_warn("lmtpd: %s", e->message);
		for (guint i = 0; i < group->len; i++) {
			Job *j = g_ptr_array_index(group, i);

			if (j->outcome != MD_LMTP_DELIVERED)
				continue;
			j->outcome = MD_LMTP_TEMPFAIL;
			j->reason = g_strdup("not stored, try again later");
		}
		return NULL;
	}
	return g_steal_pointer(&entries);
}

static gpointer
writer_thread(gpointer data)
{
	MdGroupCommit *gc = data;

	g_mutex_lock(&gc->lock);
	for (;;) {
		g_autoptr(GPtrArray) group = g_ptr_array_new();
		g_autoptr(GPtrArray) entries = NULL;
		GQueue sent = G_QUEUE_INIT;
		Job *j;

		if (g_queue_is_empty(&gc->jobs) &&
		    g_queue_is_empty(&gc->sent)) {
			if (gc->stop_writer)
				break;
			if (g_cond_wait_until(&gc->work, &gc->lock,
			    g_get_monotonic_time() + IDLE_CHECK_US))
				continue;
			/* Idle: a compaction must not wait for us. */
			g_mutex_unlock(&gc->lock);
			step_aside(gc);
			g_mutex_lock(&gc->lock);
			continue;
		}
		while (group->len < MAX_GROUP &&
		    (j = g_queue_pop_head(&gc->jobs)) != NULL)
			g_ptr_array_add(group, j);
		sent = gc->sent;
		g_queue_init(&gc->sent);
		gc->storing = TRUE;
		g_mutex_unlock(&gc->lock);

		entries = store_group(gc, group, &sent);

		g_mutex_lock(&gc->lock);
		gc->storing = FALSE;
		for (guint i = 0; i < group->len; i++)
			((Job *)g_ptr_array_index(group, i))->done = TRUE;
		g_cond_broadcast(&gc->done);
		if (entries != NULL && entries->len > 0) {
			g_ptr_array_extend_and_steal(gc->to_send,
			    g_steal_pointer(&entries));
			g_cond_signal(&gc->send);
		}
	}
	g_mutex_unlock(&gc->lock);
	return NULL;
}

/* The owed acks of @s, composed in a read transaction beside the writer. */
static void
compose_acks(MdGroupCommit *gc, Sent *s)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) e = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gboolean ok;

	s->acks = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_message_free);
	s->composed = g_new0(gboolean, s->entries->len);
	g_rw_lock_reader_lock(&gc->store_lock);
	ok = md_store_begin(gc->store, MD_TXN_READ, &txn, &e);
	for (guint i = 0; i < s->entries->len; i++) {
		MdOutboxEntry *o = g_ptr_array_index(s->entries, i);
		MdMessage *ack = NULL;

		if (o->owed)
			s->composed[i] = ok && md_autoreply_compose(&txn,
			    gc->config, o, now, &ack, &e);
		else
			s->composed[i] = TRUE;
		g_ptr_array_add(s->acks, ack);
	}
	md_txn_clear(&txn);
	g_rw_lock_reader_unlock(&gc->store_lock);
	/* Still owed and leased: flush composes them after the lease. */
	if (e != NULL)
		md_warn("lmtpd: composing acknowledgements: %s", e->message);
}

/* One SMTP session for what of @s has something to send. */
static void
send_session(MdGroupCommit *gc, Sent *s)
{
	guint n = s->entries->len, k = 0;
	g_autofree MdSmtpJob *batch = g_new0(MdSmtpJob, n);
	g_autofree guint *index = g_new0(guint, n);

	s->jobs = g_new0(MdSmtpJob, n);
	for (guint i = 0; i < n; i++) {
		MdOutboxEntry *o = g_ptr_array_index(s->entries, i);

		if (!s->composed[i] || g_bytes_get_size(o->data) == 0)
			continue;
		batch[k].from = o->envelope_from;
		batch[k].recipients = o->recipients;
		batch[k].data = o->data;
		index[k++] = i;
	}
	md_smtp_send(gc->config, batch, k, gc->config->deliver_flush_s, NULL,
	    NULL);
	for (guint j = 0; j < k; j++)
		s->jobs[index[j]] = batch[j];
}

static gpointer
sender_thread(gpointer data)
{
	MdGroupCommit *gc = data;

	g_mutex_lock(&gc->lock);
	for (;;) {
		Sent *s;

		while (gc->to_send->len == 0 && !gc->stop_sender)
			g_cond_wait(&gc->send, &gc->lock);
		if (gc->to_send->len == 0)
			break;
		s = g_new0(Sent, 1);
		s->entries = g_ptr_array_new_with_free_func(
		    (GDestroyNotify)md_outbox_entry_free);
		while (s->entries->len < MAX_SEND && gc->to_send->len > 0)
			g_ptr_array_add(s->entries, g_ptr_array_steal_index(
			    gc->to_send, 0));
		g_mutex_unlock(&gc->lock);

		compose_acks(gc, s);
		send_session(gc, s);

		g_mutex_lock(&gc->lock);
		g_queue_push_tail(&gc->sent, s);
		g_cond_signal(&gc->work);
	}
	g_mutex_unlock(&gc->lock);
	return NULL;
}

MdGroupCommit *
md_group_commit_new(MdStore *store, const MdConfig *config, guint workers)
{
	MdGroupCommit *gc = g_new0(MdGroupCommit, 1);

	gc->store = store;
	gc->config = config;
	gc->workers = workers > 0 ? workers : g_get_num_processors();
	g_rw_lock_init(&gc->store_lock);
	g_mutex_init(&gc->lock);
	g_cond_init(&gc->work);
	g_cond_init(&gc->done);
	g_cond_init(&gc->send);
	g_cond_init(&gc->parse);
	g_queue_init(&gc->jobs);
	g_queue_init(&gc->sent);
	gc->to_send = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_outbox_entry_free);
	gc->writer = g_thread_new("lmtpd-writer", writer_thread, gc);
	gc->sender = g_thread_new("lmtpd-sender", sender_thread, gc);
	return gc;
}

void
md_group_commit_deliver(MdGroupCommit *gc, MdLmtpMessage *m)
{
	g_autofree Job *jobs = g_new0(Job, m->n_recipients);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gboolean all;

	for (guint i = 0; i < m->n_recipients; i++) {
		Job *j = &jobs[i];

		j->sender = m->sender;
		j->recipient = m->recipients[i];
		j->raw = m->data;
		j->len = m->len;
		j->now = now;
		/* Parsing takes a CPU: no more at once than there are. */
		g_mutex_lock(&gc->lock);
		while (gc->parsing >= gc->workers)
			g_cond_wait(&gc->parse, &gc->lock);
		gc->parsing++;
		g_mutex_unlock(&gc->lock);
		j->message = md_deliver_prepare(gc->config, m->data, m->len,
		    m->sender, m->recipients[i], now);
		g_mutex_lock(&gc->lock);
		gc->parsing--;
		g_cond_signal(&gc->parse);
		g_mutex_unlock(&gc->lock);
	}
	g_mutex_lock(&gc->lock);
	for (guint i = 0; i < m->n_recipients; i++)
		g_queue_push_tail(&gc->jobs, &jobs[i]);
	g_cond_signal(&gc->work);
	do {
		all = TRUE;
		for (guint i = 0; i < m->n_recipients && all; i++)
			all = jobs[i].done;
		if (!all)
			g_cond_wait(&gc->done, &gc->lock);
	} while (!all);
	g_mutex_unlock(&gc->lock);
	for (guint i = 0; i < m->n_recipients; i++) {
		m->outcomes[i] = jobs[i].outcome;
		m->reasons[i] = jobs[i].reason;
		md_message_free(jobs[i].message);
	}
}

void
md_group_commit_free(MdGroupCommit *gc)
{
	if (gc == NULL)
		return;
	/* Store what is queued, then send what that queued ... */
	g_mutex_lock(&gc->lock);
	while (!g_queue_is_empty(&gc->jobs) || gc->storing)
		g_cond_wait(&gc->done, &gc->lock);
	gc->stop_sender = TRUE;
	g_cond_signal(&gc->send);
	g_mutex_unlock(&gc->lock);
	g_thread_join(gc->sender);
	/* ... and record what was sent. */
	g_mutex_lock(&gc->lock);
	gc->stop_writer = TRUE;
	g_cond_signal(&gc->work);
	g_mutex_unlock(&gc->lock);
	g_thread_join(gc->writer);
	g_ptr_array_unref(gc->to_send);
	g_rw_lock_clear(&gc->store_lock);
	g_mutex_clear(&gc->lock);
	g_cond_clear(&gc->work);
	g_cond_clear(&gc->done);
	g_cond_clear(&gc->send);
	g_cond_clear(&gc->parse);
	g_free(gc);
}
