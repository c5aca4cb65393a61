/* SPDX-License-Identifier: MIT */
/*
 * Participants over a temp store filled by md_deliver: the customer's To
 * and Cc become participants, our addresses and agents never, the list
 * stops at MD_PARTICIPANTS_MAX; removal; md_participants_forget cuts the
 * person's address and name out of the ticket's other mail, raw bytes
 * included, and keeps each record's digest true to its bytes.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "test-fixture.h"
#include "test-util.h"
#include "maildesk/agent.h"
#include "maildesk/deliver.h"
#include "maildesk/error.h"
#include "maildesk/participants.h"

#define NOW 1704186000

typedef MdTestStore Fixture;

static guint64
deliver(Fixture *f, const char *headers, const char *msgid)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *raw = g_strdup_printf("%sSubject: s\n"
	    "Message-ID: <%s>\n\nbody\n", headers, msgid);
	MdDeliverResult r = { 0 };
	guint64 n;

	g_assert_true(md_test_deliver(f->store, f->config, (const guint8 *)raw,
	    strlen(raw), NULL, "support@example.com", NOW, &r, &error));
	g_assert_no_error(error);
	n = r.ticket;
	md_deliver_result_clear(&r);
	return n;
}

/* The participants' addresses of ticket @n, space-separated. */
static char *
participants(Fixture *f, guint64 n)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(GPtrArray) people = NULL;
	GString *s = g_string_new(NULL);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	t = md_ticket_load(&txn, n, &error);
	g_assert_no_error(error);
	people = md_participants_load(&txn, t, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < people->len; i++)
		g_string_append_printf(s, "%s%s", i ? " " : "",
		    ((MdCustomer *)g_ptr_array_index(people, i))->email);
	return g_string_free(s, FALSE);
}

static void
test_from_mail(Fixture *f, gconstpointer data)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdAgent) a = md_agent_new();
	g_autofree char *list = NULL;
	guint64 n;

	a->email = g_strdup("agent@example.com");
	a->queues = g_new0(char *, 1);
	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_agent_save(&txn, a, &error));
	g_assert_true(md_store_commit(&txn, &error));
	n = deliver(f, "From: Anna <anna@example.org>\n"
	    "To: support@example.com, Bob <bob@example.org>\n"
	    "Cc: sales@example.com, agent@example.com, ANNA@example.org, "
	    "Carl <carl@example.org>, bob@example.org\n", "m1@example.org");
	list = participants(f, n);
	/* Not ours, not the agent, not Anna herself, Bob once. */
	g_assert_cmpstr(list, ==, "bob@example.org carl@example.org");
}

static void
test_cap(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) h = g_string_new("From: anna@example.org\n"
	    "To: support@example.com\nCc: ");
	g_autofree char *list = NULL;
	guint64 n;

	for (int i = 0; i < MD_PARTICIPANTS_MAX + 5; i++)
		g_string_append_printf(h, "%sp%02d@example.org", i ? ", " : "",
		    i);
	g_string_append_c(h, '\n');
	n = deliver(f, h->str, "cap@example.org");
	list = participants(f, n);
	g_assert_cmpuint(strlen(list), ==, MD_PARTICIPANTS_MAX *
	    strlen("p00@example.org") + MD_PARTICIPANTS_MAX - 1);
	g_assert_true(g_str_has_suffix(list, "p19@example.org"));
}

static void
test_remove(Fixture *f, gconstpointer data)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdTicket) t = NULL;
	guint64 n = deliver(f, "From: anna@example.org\n"
	    "To: support@example.com\nCc: bob@example.org\n", "r@example.org");

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	t = md_ticket_load(&txn, n, &error);
	g_assert_false(md_participants_remove(&txn, t, "carl@example.org",
	    &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_true(md_participants_remove(&txn, t, "BOB@example.org",
	    &error));
	g_assert_no_error(error);
	g_assert_cmpuint(t->participants->len, ==, 0);
}

static void
test_forget(Fixture *f, gconstpointer data)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(MdCustomer) bob = NULL;
	g_autoptr(MdMessage) m = NULL;
	g_autoptr(GBytes) raw = NULL;
	g_autofree char *sum = NULL, *text = NULL;
	guint64 n = deliver(f, "From: anna@example.org\n"
	    "To: support@example.com\nCc: Bob Brown <bob@example.org>, "
	    "carl@example.org\n", "f@example.org");

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	t = md_ticket_load(&txn, n, &error);
	bob = md_customer_find_by_email(&txn, "bob@example.org", &error);
	g_assert_no_error(error);
	g_assert_true(md_participants_forget(&txn, t, bob, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(t->participants->len, ==, 1);
	m = md_ticket_load_message(&txn, n, 1, &error);
	g_assert_cmpuint(m->cc->len, ==, 1);
	raw = md_ticket_load_raw(&txn, n, 1, &error);
	text = g_strndup(g_bytes_get_data(raw, NULL), g_bytes_get_size(raw));
	g_assert_null(strstr(text, "bob@example.org"));
	g_assert_null(strstr(text, "Bob Brown"));
	g_assert_nonnull(strstr(text, "carl@example.org"));
	sum = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, raw);
	g_assert_cmpstr(sum, ==, m->raw_sha256);
	g_assert_cmpuint(m->raw_size, ==, g_bytes_get_size(raw));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add("/participants/from-mail", Fixture, NULL,
	    md_test_store_set_up, test_from_mail, md_test_store_tear_down);
	g_test_add("/participants/cap", Fixture, NULL,
	    md_test_store_set_up, test_cap, md_test_store_tear_down);
	g_test_add("/participants/remove", Fixture, NULL,
	    md_test_store_set_up, test_remove, md_test_store_tear_down);
	g_test_add("/participants/forget", Fixture, NULL,
	    md_test_store_set_up, test_forget, md_test_store_tear_down);
	return g_test_run();
}
