/* SPDX-License-Identifier: MIT */
/*
 * The outbox on a store of its own: what is queued is listed as queued;
 * settling a send removes it, a 4xx backs off exponentially up to the cap
 * and gives up after give-up-hours, a 5xx fails it and records that in the
 * ticket and on the customer; an entry erased meanwhile stays erased; the
 * acknowledgement limits count per person and stop at the limit.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/customer.h"
#include "maildesk/deliver.h"
#include "maildesk/outbox.h"
#include "maildesk/ticket.h"
#include "test-fixture.h"

#define NOW 1704186000

typedef MdTestStore Fixture;

static const char config_text[] =
    "[outbox]\nretry-base-seconds = 60\nretry-max-seconds = 200\n"
    "give-up-hours = 1\n[ack]\nper-hour = 2\nper-day = 3\n";

static const char mail[] =
    "From: Hans <hans@example.org>\nTo: support@example.com\n"
    "Subject: Invoice\nMessage-ID: <m1@example.org>\n\nWhere is it?\n";

/* Delivers @mail: ticket 1, customer hans; returns the customer's id. */
static guint64
deliver_one(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	MdDeliverOptions opts = { .sender = "hans@example.org" };
	MdDeliverResult r = { 0 };
	guint64 customer;

	g_assert_true(md_deliver_opts(f->store, f->config,
	    (const guint8 *)mail, strlen(mail), &opts, NOW, &r, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(r.ticket, ==, 1);
	customer = r.customer;
	md_deliver_result_clear(&r);
	return customer;
}

/* Queues one ack to hans for ticket 1 and returns it as listed. */
static MdOutboxEntry *
queue_one(Fixture *f, guint64 customer)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) data = g_bytes_new_static("Subject: x\r\n\r\nx\r\n",
	    17);
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_autoptr(GPtrArray) all = NULL;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_outbox_queue(&txn, f->config, "ack", 1, 1, customer,
	    "support@example.com", "hans@example.org", "ack.1@example.com",
	    data, NOW, ids, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(ids->len, ==, 1);
	all = md_outbox_list(&txn, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(all->len, ==, 1);
	g_assert_true(md_store_commit(&txn, &error));
	return g_ptr_array_steal_index(all, 0);
}

/* Settles @e with @outcome at @now in a transaction of its own. */
static void
settle(Fixture *f, MdOutboxEntry *e, MdSmtpOutcome outcome, gint64 now,
    MdFlushResult *r)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_outbox_settle(&txn, f->config, e, outcome,
	    outcome == MD_SMTP_PERMFAIL ? "550 no such user" : "451 later",
	    now, r, &error));
	g_assert_no_error(error);
	g_assert_true(md_store_commit(&txn, &error));
	g_assert_no_error(error);
}

static GPtrArray *
list(Fixture *f)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	GPtrArray *all;

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	all = md_outbox_list(&txn, &error);
	g_assert_no_error(error);
	return all;
}

static void
test_queue(Fixture *f, gconstpointer data)
{
	g_autoptr(MdOutboxEntry) e = queue_one(f, deliver_one(f));

	g_assert_cmpstr(e->kind, ==, "ack");
	g_assert_cmpint(e->state, ==, MD_OUTBOX_QUEUED);
	g_assert_cmpstr(e->envelope_from, ==, "support@example.com");
	g_assert_cmpstr(e->recipients[0], ==, "hans@example.org");
	g_assert_null(e->recipients[1]);
	g_assert_cmpstr(e->message_id, ==, "ack.1@example.com");
	g_assert_cmpuint(e->ticket, ==, 1);
	g_assert_cmpint(e->created_at, ==, NOW);
	g_assert_cmpuint(e->attempts, ==, 0);
	g_assert_cmpstr(md_outbox_state_name(e->state), ==, "queued");
	g_assert_cmpstr(md_outbox_state_name(MD_OUTBOX_FAILED), ==, "failed");
}

static void
test_sent(Fixture *f, gconstpointer data)
{
	g_autoptr(MdOutboxEntry) e = queue_one(f, deliver_one(f));
	g_autoptr(GPtrArray) all = NULL;
	MdFlushResult r = { 0 };

	settle(f, e, MD_SMTP_SENT, NOW + 1, &r);
	g_assert_cmpuint(r.sent, ==, 1);
	all = list(f);
	g_assert_cmpuint(all->len, ==, 0);
}

/* 60, 120, then 200 (the cap) seconds; an hour after queueing: failed. */
static void
test_backoff(Fixture *f, gconstpointer data)
{
	g_autoptr(MdOutboxEntry) e = queue_one(f, deliver_one(f));
	static const gint64 delays[] = { 60, 120, 200, 200 };
	MdFlushResult r = { 0 };
	gint64 now = NOW;

	for (gsize i = 0; i < G_N_ELEMENTS(delays); i++) {
		g_autoptr(GPtrArray) all = NULL;
		MdOutboxEntry *stored;

		settle(f, e, MD_SMTP_TEMPFAIL, now, &r);
		all = list(f);
		stored = g_ptr_array_index(all, 0);
		g_assert_cmpint(stored->state, ==, MD_OUTBOX_QUEUED);
		g_assert_cmpint(stored->next_attempt_at - now, ==, delays[i]);
		g_assert_cmpuint(stored->attempts, ==, i + 1);
		g_assert_cmpstr(stored->last_error, ==, "451 later");
		now += delays[i];
	}
	g_assert_cmpuint(r.deferred, ==, G_N_ELEMENTS(delays));
	settle(f, e, MD_SMTP_TEMPFAIL, NOW + 3601, &r);
	g_assert_cmpuint(r.failed, ==, 1);
	{
		g_autoptr(GPtrArray) all = list(f);

		g_assert_cmpint(((MdOutboxEntry *)g_ptr_array_index(all,
		    0))->state, ==, MD_OUTBOX_FAILED);
	}
}

static void
test_permfail(Fixture *f, gconstpointer data)
{
	guint64 customer = deliver_one(f);
	g_autoptr(MdOutboxEntry) e = queue_one(f, customer);
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GPtrArray) all = NULL;
	MdFlushResult r = { 0 };
	MdEvent *ev;

	settle(f, e, MD_SMTP_PERMFAIL, NOW + 5, &r);
	g_assert_cmpuint(r.failed, ==, 1);
	all = list(f);
	g_assert_cmpint(((MdOutboxEntry *)g_ptr_array_index(all, 0))->state,
	    ==, MD_OUTBOX_FAILED);
	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	t = md_ticket_load(&txn, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(t->events->len, ==, 1);
	ev = g_ptr_array_index(t->events, 0);
	g_assert_cmpint(ev->time, ==, NOW + 5);
	g_assert_nonnull(strstr(ev->text, "hans@example.org"));
	g_assert_nonnull(strstr(ev->text, "550 no such user"));
	c = md_customer_load(&txn, customer, &error);
	g_assert_no_error(error);
	g_assert_true(c->flags & MD_CUSTOMER_BOUNCING);
}

/* Erased while SMTP talked: settling does not bring it back. */
static void
test_gone(Fixture *f, gconstpointer data)
{
	g_autoptr(MdOutboxEntry) e = queue_one(f, deliver_one(f));
	g_autoptr(GPtrArray) all = NULL;
	MdFlushResult r = { 0 };

	{
		g_auto(MdTxn) txn = MD_TXN_INIT;
		g_autoptr(GError) error = NULL;

		g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn,
		    &error));
		g_assert_true(md_outbox_remove(&txn, e->id, &error));
		g_assert_true(md_store_commit(&txn, &error));
	}
	settle(f, e, MD_SMTP_TEMPFAIL, NOW + 1, &r);
	settle(f, e, MD_SMTP_PERMFAIL, NOW + 2, &r);
	all = list(f);
	g_assert_cmpuint(all->len, ==, 0);
}

/* Two an hour: hans and hans+shop are one person. */
static void
test_ratelimit(Fixture *f, gconstpointer data)
{
	static const char *const to[] = { "hans@example.org",
		"Hans+shop@example.org", "hans@example.org" };
	static const gboolean want[] = { TRUE, TRUE, FALSE };
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	gboolean allowed;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	for (gsize i = 0; i < G_N_ELEMENTS(to); i++) {
		g_assert_true(md_outbox_ratelimit(&txn, f->config, to[i], NOW,
		    &allowed, &error));
		g_assert_no_error(error);
		g_assert_cmpint(allowed, ==, want[i]);
	}
	/* Another person of the domain still may. */
	g_assert_true(md_outbox_ratelimit(&txn, f->config,
	    "grete@example.org", NOW, &allowed, &error));
	g_assert_true(allowed);
	/* The next hour: one more, then the day's three are used up. */
	g_assert_true(md_outbox_ratelimit(&txn, f->config,
	    "hans@example.org", NOW + 3600, &allowed, &error));
	g_assert_true(allowed);
	g_assert_true(md_outbox_ratelimit(&txn, f->config,
	    "hans@example.org", NOW + 7200, &allowed, &error));
	g_assert_false(allowed);
}

#define ADD(path, fn) \
	g_test_add(path, Fixture, config_text, md_test_store_set_up, fn, \
	    md_test_store_tear_down)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	ADD("/outbox/queue", test_queue);
	ADD("/outbox/settle/sent", test_sent);
	ADD("/outbox/settle/backoff", test_backoff);
	ADD("/outbox/settle/permfail", test_permfail);
	ADD("/outbox/settle/gone", test_gone);
	ADD("/outbox/ratelimit", test_ratelimit);
	return g_test_run();
}
