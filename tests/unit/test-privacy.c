/* SPDX-License-Identifier: MIT */
/*
 * Privacy duties on a store of their own: erase removes a customer with
 * their tickets, messages and index entries and audits it without the
 * address; a hold on the customer or a ticket refuses erase; expire
 * removes closed tickets past the retention and keeps open, recent and
 * held ones, naming why.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/customer.h"
#include "maildesk/deliver.h"
#include "maildesk/error.h"
#include "maildesk/privacy.h"
#include "maildesk/ticket.h"
#include "test-fixture.h"

#define NOW 1704186000
#define DAY 86400

typedef MdTestStore Fixture;

static const char config_text[] = "[tickets]\nretention-days = 30\n";

/* Delivers a mail from @from with @id at @now; returns its ticket. */
static guint64
deliver(Fixture *f, const char *from, const char *id, gint64 now)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *raw = g_strdup_printf("From: %s\n"
	    "To: support@example.com\nSubject: About %s\n"
	    "Message-ID: <%s>\n\nHello.\n", from, id, id);
	MdDeliverOptions opts = { .sender = from };
	MdDeliverResult r = { 0 };
	guint64 n;

	g_assert_true(md_deliver_opts(f->store, f->config,
	    (const guint8 *)raw, strlen(raw), &opts, now, &r, &error));
	g_assert_no_error(error);
	n = r.ticket;
	md_deliver_result_clear(&r);
	return n;
}

/* Closes ticket @n at @when, and sets a hold until @hold (0: none). */
static void
close_ticket(Fixture *f, guint64 n, gint64 when, gint64 hold)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdTicket) t = NULL;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	t = md_ticket_load(&txn, n, &error);
	g_assert_no_error(error);
	md_ticket_set_status(t, MD_STATUS_CLOSED, when);
	if (hold != 0) {
		t->hold_until = hold;
		t->hold_reason = g_strdup("audit");
	}
	g_assert_true(md_ticket_save(&txn, t, &error));
	g_assert_true(md_store_commit(&txn, &error));
}

static void
hold_customer(Fixture *f, const char *address, gint64 until)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdCustomer) c = NULL;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	c = md_customer_find_by_email(&txn, address, &error);
	g_assert_no_error(error);
	c->hold_until = until;
	c->hold_reason = g_strdup("warranty");
	g_assert_true(md_customer_save(&txn, c, &error));
	g_assert_true(md_store_commit(&txn, &error));
}

static gboolean
ticket_exists(Fixture *f, guint64 n)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdTicket) t = NULL;

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	g_assert_true(md_ticket_lookup(&txn, n, &t, &error));
	g_assert_no_error(error);
	return t != NULL;
}

/* Runs erase of @address; returns FALSE with @error set if it refused. */
static gboolean
erase(Fixture *f, const char *address, MdEraseReport *r, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdCustomer) c = NULL;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, NULL));
	c = md_customer_find_by_email(&txn, address, NULL);
	g_assert_nonnull(c);
	if (!md_privacy_erase(&txn, c, NOW, r, error))
		return FALSE;
	g_assert_true(md_store_commit(&txn, NULL));
	return TRUE;
}

static void
test_erase(Fixture *f, gconstpointer data)
{
	guint64 a = deliver(f, "anna@example.net", "a1@x", NOW);
	guint64 b = deliver(f, "anna@example.net", "a2@x", NOW);
	guint64 other = deliver(f, "otto@example.net", "o1@x", NOW);
	g_autoptr(GError) error = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdCustomer) c = NULL;
	MdEraseReport r;

	md_privacy_report_init(&r);
	g_assert_true(erase(f, "Anna@example.net", &r, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(r.tickets->len, ==, 2);
	g_assert_cmpuint(r.messages, ==, 2);
	g_assert_cmpuint(r.customers, ==, 1);
	g_assert_cmpuint(r.index_entries, >, 0);
	md_privacy_report_clear(&r);
	g_assert_false(ticket_exists(f, a));
	g_assert_false(ticket_exists(f, b));
	g_assert_true(ticket_exists(f, other));
	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	c = md_customer_find_by_email(&txn, "anna@example.net", &error);
	g_assert_null(c);
	g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
}

static void
test_erase_held(Fixture *f, gconstpointer data)
{
	guint64 a = deliver(f, "anna@example.net", "a1@x", NOW);
	g_autoptr(GError) error = NULL;
	MdEraseReport r;

	close_ticket(f, a, NOW, NOW + DAY);
	md_privacy_report_init(&r);
	g_assert_false(erase(f, "anna@example.net", &r, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_REJECT);
	g_assert_nonnull(strstr(error->message, "legal hold"));
	g_clear_error(&error);
	md_privacy_report_clear(&r);
	g_assert_true(ticket_exists(f, a));

	/* A customer's own hold, too. */
	deliver(f, "bert@example.net", "b1@x", NOW);
	hold_customer(f, "bert@example.net", NOW + DAY);
	md_privacy_report_init(&r);
	g_assert_false(erase(f, "bert@example.net", &r, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_REJECT);
	md_privacy_report_clear(&r);
}

static void
test_expire(Fixture *f, gconstpointer data)
{
	gint64 then = NOW - 60 * DAY;
	guint64 old = deliver(f, "olga@example.net", "o@x", then);
	guint64 recent = deliver(f, "rex@example.net", "r@x", then);
	guint64 open = deliver(f, "otto@example.net", "p@x", then);
	guint64 held = deliver(f, "hugo@example.net", "h@x", then);
	guint64 custheld = deliver(f, "clara@example.net", "c@x", then);
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	MdEraseReport r;

	close_ticket(f, old, NOW - 40 * DAY, 0);
	close_ticket(f, recent, NOW - 29 * DAY, 0);
	close_ticket(f, held, NOW - 40 * DAY, NOW + DAY);
	close_ticket(f, custheld, NOW - 40 * DAY, 0);
	hold_customer(f, "clara@example.net", NOW + DAY);
	md_privacy_report_init(&r);
	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_privacy_expire(&txn, f->config, NOW, &r, &error));
	g_assert_no_error(error);
	g_assert_true(md_store_commit(&txn, &error));
	g_assert_cmpuint(r.tickets->len, ==, 1);
	g_assert_cmpuint(g_array_index(r.tickets, guint64, 0), ==, old);
	/* olga's profile is left with nothing: it goes too. */
	g_assert_cmpuint(r.customers, ==, 1);
	g_assert_cmpuint(r.kept->len, ==, 2);
	g_assert_nonnull(strstr(g_ptr_array_index(r.kept, 0), "held"));
	g_assert_nonnull(strstr(g_ptr_array_index(r.kept, 1),
	    "customer held"));
	md_privacy_report_clear(&r);
	g_assert_false(ticket_exists(f, old));
	g_assert_true(ticket_exists(f, recent));
	g_assert_true(ticket_exists(f, open));
	g_assert_true(ticket_exists(f, held));
	g_assert_true(ticket_exists(f, custheld));
}

#define ADD(path, fn) \
	g_test_add(path, Fixture, config_text, md_test_store_set_up, fn, \
	    md_test_store_tear_down)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	ADD("/privacy/erase", test_erase);
	ADD("/privacy/erase-held", test_erase_held);
	ADD("/privacy/expire", test_expire);
	return g_test_run();
}
