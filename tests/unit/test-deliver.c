/* SPDX-License-Identifier: MIT */
/*
 * md_deliver end to end on a store of its own: duplicates, threading of a
 * reply, the size limit, a full map, and inputs that once broke it.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "test-fixture.h"
#include "test-util.h"
#include "maildesk/config.h"
#include "maildesk/customer.h"
#include "maildesk/deliver.h"
#include "maildesk/error.h"
#include "maildesk/message.h"
#include "maildesk/store.h"
#include "maildesk/ticket.h"

#define NOW 1704186000

typedef MdTestStore Fixture;

#define set_up_dir md_test_store_set_up_dir
#define set_up_store md_test_store_set_up
#define set_up_small_store md_test_store_set_up_small
#define tear_down md_test_store_tear_down

/* md_deliver */

static const char small_mail[] =
    "From: Hans Müller <hans@example.org>\n"
    "To: Support <support@example.com>\n"
    "Subject: Re: Invoice 7731 missing\n"
    "Message-ID: <first.1@example.org>\n"
    "Date: Tue, 02 Jan 2024 10:00:00 +0100\n"
    "\n"
    "Where is my invoice?\n";

static void
deliver_ok(Fixture *f, const char *raw, gsize len, MdDeliverResult *r)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(md_test_deliver(f->store, f->config, (const guint8 *)raw, len,
	    "hans@example.org", NULL, NOW, r, &error));
	g_assert_no_error(error);
}

typedef struct {
	guint count;
	guint64 last;
} CountTickets;

static gboolean
count_ticket(MdTicket *t, gpointer user_data)
{
	CountTickets *c = user_data;

	c->count++;
	c->last = t->number;
	return TRUE;
}

static guint
ticket_count(MdTxn *txn)
{
	CountTickets c = { 0, 0 };
	g_autoptr(GError) error = NULL;

	g_assert_true(md_ticket_foreach(txn, count_ticket, &c, &error));
	g_assert_no_error(error);
	return c.count;
}

static void
test_deliver_duplicate(Fixture *f, gconstpointer data)
{
	MdDeliverResult r = { 0 };
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(MdMessage) m = NULL;
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GArray) tickets = NULL;
	guint64 customer;

	deliver_ok(f, small_mail, strlen(small_mail), &r);
	g_assert_false(r.duplicate);
	g_assert_cmpuint(r.ticket, ==, 1);
	g_assert_cmpuint(r.seq, ==, 1);
	g_assert_true(r.new_ticket);
	g_assert_cmpuint(r.customer, !=, 0);
	g_assert_cmpstr(r.kind, ==, "customer");
	g_assert_cmpstr(r.queue, ==, "support");
	customer = r.customer;
	md_deliver_result_clear(&r);

	deliver_ok(f, small_mail, strlen(small_mail), &r);
	g_assert_true(r.duplicate);
	g_assert_cmpuint(r.ticket, ==, 1);
	g_assert_cmpuint(r.seq, ==, 1);
	g_assert_false(r.new_ticket);
	g_assert_cmpstr(r.queue, ==, "support");
	md_deliver_result_clear(&r);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	g_assert_cmpuint(ticket_count(&txn), ==, 1);
	t = md_ticket_load(&txn, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(t->message_count, ==, 1);
	g_assert_cmpstr(t->queue, ==, "support");
	g_assert_cmpstr(t->subject, ==, "Invoice 7731 missing");
	g_assert_cmpint(t->status, ==, MD_STATUS_NEW);
	g_assert_cmpuint(t->customer_id, ==, customer);
	g_assert_cmpint(t->created_at, ==, NOW);

	m = md_ticket_load_message(&txn, 1, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(m->message_id, ==, "first.1@example.org");
	g_assert_cmpstr(m->queue, ==, "support");
	g_assert_cmpstr(m->envelope_sender, ==, "hans@example.org");
	g_assert_cmpint(m->received_at, ==, NOW);
	g_assert_null(md_ticket_load_message(&txn, 1, 2, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
	g_clear_error(&error);

	/* The raw bytes are kept exactly. */
	raw = md_ticket_load_raw(&txn, 1, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(raw, NULL), g_bytes_get_size(raw),
	    small_mail, strlen(small_mail));
	g_assert_null(md_ticket_load_raw(&txn, 1, 2, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
	g_clear_error(&error);

	c = md_customer_find_by_email(&txn, "hans@example.org", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(c->id, ==, customer);
	g_assert_cmpstr(c->first_name, ==, "Hans");
	g_assert_cmpstr(c->last_name, ==, "Müller");
	tickets = md_customer_tickets(&txn, customer, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(tickets->len, ==, 1);
	g_assert_cmpuint(g_array_index(tickets, guint64, 0), ==, 1);
}

static void
test_deliver_duplicate_no_message_id(Fixture *f, gconstpointer data)
{
	static const char mail[] =
	    "From: anna@example.org\n"
	    "To: sales@example.com\n"
	    "Subject: no id\n"
	    "\n"
	    "body\n";
	MdDeliverResult r = { 0 };
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;

	deliver_ok(f, mail, strlen(mail), &r);
	g_assert_false(r.duplicate);
	g_assert_cmpstr(r.queue, ==, "sales");
	md_deliver_result_clear(&r);
	deliver_ok(f, mail, strlen(mail), &r);
	g_assert_true(r.duplicate);
	g_assert_cmpuint(r.ticket, ==, 1);
	md_deliver_result_clear(&r);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	g_assert_cmpuint(ticket_count(&txn), ==, 1);
}

static void
test_deliver_reply_threads(Fixture *f, gconstpointer data)
{
	static const char reply[] =
	    "From: Hans Müller <hans@example.org>\n"
	    "To: support@example.com\n"
	    "Subject: Re: Re: Invoice 7731 missing\n"
	    "Message-ID: <second.2@example.org>\n"
	    "In-Reply-To: <first.1@example.org>\n"
	    "References: <first.1@example.org>\n"
	    "\n"
	    "Any news?\n";
	MdDeliverResult r = { 0 };

	deliver_ok(f, small_mail, strlen(small_mail), &r);
	md_deliver_result_clear(&r);
	deliver_ok(f, reply, strlen(reply), &r);
	g_assert_false(r.duplicate);
	g_assert_false(r.new_ticket);
	g_assert_cmpuint(r.ticket, ==, 1);
	g_assert_cmpuint(r.seq, ==, 2);
	md_deliver_result_clear(&r);
}

static void
test_deliver_over_size(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) big = g_string_new(small_mail);
	g_autoptr(GError) error = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	MdDeliverResult r = { 0 };

	f->config->max_size_bytes = 1024;
	while (big->len <= 1024)
		g_string_append(big, "padding padding padding\n");
	g_assert_false(md_test_deliver(f->store, f->config,
	    (const guint8 *)big->str, big->len, NULL, NULL, NOW, &r, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_REJECT);
	md_deliver_result_clear(&r);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, NULL));
	g_assert_cmpuint(ticket_count(&txn), ==, 0);
}

static void
test_deliver_map_full(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) big = g_string_new(
	    "From: Anna Weber <anna@example.org>\n"
	    "To: support@example.com\n"
	    "Subject: a very large mail\n"
	    "Message-ID: <big.1@example.org>\n"
	    "\n");
	g_autoptr(GError) error = NULL;
	MdDeliverResult r = { 0 };

	deliver_ok(f, small_mail, strlen(small_mail), &r);
	g_assert_cmpuint(r.ticket, ==, 1);
	md_deliver_result_clear(&r);

	/* About 2 MB of text into a 1 MiB map. */
	while (big->len < 2 * 1000 * 1000)
		g_string_append(big, "0123456789 abcdefghijklmnopqrstuvwxyz "
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789\n");
	g_assert_false(md_test_deliver(f->store, f->config,
	    (const guint8 *)big->str, big->len, "anna@example.org", NULL, NOW,
	    &r, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_TEMPFAIL);
	g_clear_error(&error);
	md_deliver_result_clear(&r);

	/* Reopen: what was committed before is still there, nothing else. */
	g_clear_pointer(&f->store, md_store_close);
	f->store = md_store_open(f->store_path, MD_TEST_SMALL_MAP_BYTES, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->store);
	{
		g_auto(MdTxn) txn = MD_TXN_INIT;
		g_autoptr(MdTicket) t = NULL;
		g_autoptr(GBytes) raw = NULL;

		g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn,
		    &error));
		g_assert_cmpuint(ticket_count(&txn), ==, 1);
		t = md_ticket_load(&txn, 1, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(t->message_count, ==, 1);
		raw = md_ticket_load_raw(&txn, 1, 1, &error);
		g_assert_no_error(error);
		g_assert_cmpmem(g_bytes_get_data(raw, NULL),
		    g_bytes_get_size(raw), small_mail, strlen(small_mail));
		g_assert_null(md_customer_find_by_email(&txn,
		    "anna@example.org", &error));
		g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
		g_clear_error(&error);
	}

	/* The failed delivery used up no ticket number or dedupe key. */
	{
		static const char next[] =
		    "From: anna@example.org\n"
		    "To: support@example.com\n"
		    "Subject: a small one\n"
		    "Message-ID: <big.1@example.org>\n"
		    "\n"
		    "short now\n";

		deliver_ok(f, next, strlen(next), &r);
		g_assert_false(r.duplicate);
		g_assert_cmpuint(r.ticket, ==, 2);
		md_deliver_result_clear(&r);
	}
}

/*
 * The envelope comes from the MTA's command line and need not be UTF-8;
 * the message record holds only UTF-8 strings (GVariant "s").
 */
static void
test_deliver_8bit_envelope(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdMessage) m = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	MdDeliverResult r = { 0 };

	if (md_test_run_in_child(f->dir))
		return;
	/* Latin-1 bytes: "hänsel@example.org", "support+ä@example.com" */
	g_assert_true(md_test_deliver(f->store, f->config,
	    (const guint8 *)small_mail, strlen(small_mail),
	    "h\xe4nsel@example.org", "support+\xe4@example.com", NOW, &r,
	    &error));
	g_assert_no_error(error);
	g_assert_cmpstr(r.queue, ==, "support");
	md_deliver_result_clear(&r);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	m = md_ticket_load_message(&txn, 1, 1, &error);
	g_assert_no_error(error);
	g_assert_nonnull(m->envelope_sender);
	g_assert_true(g_utf8_validate(m->envelope_sender, -1, NULL));
	g_assert_true(g_str_has_suffix(m->envelope_sender, "@example.org"));
	g_assert_nonnull(m->recipient);
	g_assert_true(g_utf8_validate(m->recipient, -1, NULL));
	g_assert_true(g_str_has_suffix(m->recipient, "@example.com"));
}

/*
 * LMDB keys are at most 511 bytes.  A Message-ID of 490 characters (the
 * parser keeps up to 500) is legal mail and must be stored, and found as a
 * duplicate when it comes again.
 */
static void
test_deliver_long_message_id(Fixture *f, gconstpointer data)
{
	g_autofree char *id = g_strnfill(478, 'a');
	g_autofree char *raw = g_strdup_printf(
	    "From: anna@example.org\n"
	    "To: support@example.com\n"
	    "Subject: long id\n"
	    "Message-ID: <%s@example.org>\n"
	    "\n"
	    "body\n", id);
	g_autoptr(GError) error = NULL;
	MdDeliverResult r = { 0 };

	if (md_test_run_in_child(f->dir))
		return;
	g_assert_true(md_test_deliver(f->store, f->config, (const guint8 *)raw,
	    strlen(raw), NULL, NULL, NOW, &r, &error));
	g_assert_no_error(error);
	g_assert_false(r.duplicate);
	g_assert_cmpuint(r.ticket, ==, 1);
	md_deliver_result_clear(&r);

	g_assert_true(md_test_deliver(f->store, f->config, (const guint8 *)raw,
	    strlen(raw), NULL, NULL, NOW, &r, &error));
	g_assert_no_error(error);
	g_assert_true(r.duplicate);
	g_assert_cmpuint(r.ticket, ==, 1);
	md_deliver_result_clear(&r);
}

/* The same limit for a sender address longer than 511 bytes. */
static void
test_deliver_long_address(Fixture *f, gconstpointer data)
{
	g_autofree char *local = g_strnfill(600, 'b');
	g_autofree char *raw = g_strdup_printf(
	    "From: %s@example.org\n"
	    "To: support@example.com\n"
	    "Subject: long address\n"
	    "Message-ID: <long.address@example.org>\n"
	    "\n"
	    "body\n", local);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) stored = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	MdDeliverResult r = { 0 };

	if (md_test_run_in_child(f->dir))
		return;
	g_assert_true(md_test_deliver(f->store, f->config, (const guint8 *)raw,
	    strlen(raw), NULL, NULL, NOW, &r, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(r.ticket, ==, 1);
	md_deliver_result_clear(&r);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	stored = md_ticket_load_raw(&txn, 1, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(stored, NULL),
	    g_bytes_get_size(stored), raw, strlen(raw));
}

#define ADD_STORE(path, fn) \
	g_test_add(path, Fixture, NULL, set_up_store, fn, tear_down)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();

	ADD_STORE("/deliver/duplicate", test_deliver_duplicate);
	ADD_STORE("/deliver/duplicate-no-message-id",
	    test_deliver_duplicate_no_message_id);
	ADD_STORE("/deliver/reply-threads", test_deliver_reply_threads);
	ADD_STORE("/deliver/over-size", test_deliver_over_size);
	g_test_add("/deliver/map-full", Fixture, NULL,
	    set_up_small_store, test_deliver_map_full, tear_down);
	/* Tests that pin a bug run last, each in a child: see run_in_child. */
	ADD_STORE("/deliver/8bit-envelope", test_deliver_8bit_envelope);
	ADD_STORE("/deliver/long-message-id", test_deliver_long_message_id);
	ADD_STORE("/deliver/long-address", test_deliver_long_address);
	return g_test_run();
}
