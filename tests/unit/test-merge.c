/* SPDX-License-Identifier: MIT */
/*
 * Merge.  md_merge_parse_number takes "N" and "#N" and nothing else;
 * md_merge over a temp store filled by md_deliver moves the messages
 * with their Message-ID and dedupe entries (a retried copy is still a
 * duplicate, a reply still threads), leaves a stub that
 * md_merge_target follows, refuses across customers unless forced, and
 * leaves a store that md_check_store finds clean.  A stub waits for
 * nobody: its pending date and service levels go with the merge.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "test-fixture.h"
#include "test-util.h"
#include "maildesk/check.h"
#include "maildesk/deliver.h"
#include "maildesk/error.h"
#include "maildesk/merge.h"
#include "maildesk/sla.h"
#include "maildesk/ticket.h"

#define NOW 1704186000

typedef struct {
	const char *path;
	const char *text;
	gboolean valid;
	guint64 number;
} NumberCase;

static const NumberCase numbers[] = {
	{ "/merge/number/plain", "42", TRUE, 42 },
	{ "/merge/number/hash", "#7", TRUE, 7 },
	{ "/merge/number/zero", "0", FALSE, 0 },
	{ "/merge/number/negative", "-1", FALSE, 0 },
	{ "/merge/number/plus", "+3", FALSE, 0 },
	{ "/merge/number/letters", "12a", FALSE, 0 },
	{ "/merge/number/empty", "", FALSE, 0 },
	{ "/merge/number/hash-only", "#", FALSE, 0 },
	{ "/merge/number/huge", "99999999999999999999", FALSE, 0 },
};

static void
test_number(gconstpointer data)
{
	const NumberCase *c = data;
	guint64 n = 0;

	g_assert_cmpint(md_merge_parse_number(c->text, &n), ==, c->valid);
	if (c->valid)
		g_assert_cmpuint(n, ==, c->number);
}

typedef MdTestStore Fixture;

/* Delivers; returns the ticket and sets *@dup. */
static guint64
deliver(Fixture *f, const char *from, const char *msgid, const char *extra,
    gboolean *dup)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *raw = g_strdup_printf("From: %s\n"
	    "To: support@example.com\nSubject: s\nMessage-ID: <%s>\n%s\n"
	    "body\n", from, msgid, extra ? extra : "");
	MdDeliverResult r = { 0 };
	guint64 n;

	g_assert_true(md_test_deliver(f->store, f->config, (const guint8 *)raw,
	    strlen(raw), NULL, "support@example.com", NOW, &r, &error));
	g_assert_no_error(error);
	n = r.ticket;
	if (dup != NULL)
		*dup = r.duplicate;
	md_deliver_result_clear(&r);
	return n;
}

static gboolean
merge(Fixture *f, guint64 from, guint64 into, gboolean force,
    GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdTicket) a = NULL, b = NULL;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, NULL));
	a = md_ticket_load(&txn, from, NULL);
	b = md_ticket_load(&txn, into, NULL);
	if (!md_merge(&txn, a, b, force, NOW, error))
		return FALSE;
	return md_store_commit(&txn, error);
}

static MdTicket *
load(Fixture *f, guint64 n)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	MdTicket *t;

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, NULL));
	t = md_ticket_load(&txn, n, NULL);
	g_assert_nonnull(t);
	return t;
}

static void
test_moves(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(MdTicket) into = NULL, stub = NULL;
	guint64 t1, t2, tickets, messages;
	gboolean dup;

	t1 = deliver(f, "anna@example.org", "a1@example.org", NULL, NULL);
	t2 = deliver(f, "anna@example.org", "a2@example.org", NULL, NULL);
	g_assert_cmpuint(deliver(f, "anna@example.org", "a3@example.org",
	    "In-Reply-To: <a2@example.org>\n", NULL), ==, t2);
	g_assert_true(merge(f, t2, t1, FALSE, &error));
	g_assert_no_error(error);
	into = load(f, t1);
	stub = load(f, t2);
	g_assert_cmpuint(into->message_count, ==, 3);
	g_assert_cmpuint(stub->message_count, ==, 0);
	g_assert_cmpuint(stub->merged_into, ==, t1);
	g_assert_cmpint(stub->status, ==, MD_STATUS_CLOSED);
	{
		g_auto(MdTxn) txn = MD_TXN_INIT;

		g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn,
		    NULL));
		g_assert_cmpuint(md_merge_target(&txn, t2), ==, t1);
		g_assert_cmpuint(md_merge_target(&txn, t1), ==, t1);
	}
	/* A retried copy is a duplicate; a reply to a moved mail threads. */
	deliver(f, "anna@example.org", "a2@example.org", NULL, &dup);
	g_assert_true(dup);
	g_assert_cmpuint(deliver(f, "anna@example.org", "a4@example.org",
	    "In-Reply-To: <a3@example.org>\n", NULL), ==, t1);
	g_assert_true(md_check_store(f->store, problems, &tickets, &messages,
	    &error));
	g_assert_cmpuint(problems->len, ==, 0);
	g_assert_cmpuint(messages, ==, 4);
}

/* Counts the due entries of ticket @user_data[0] into @user_data[1]. */
static gboolean
count_due(gint64 time, guint64 ticket, MdSlaDue kind, gpointer user_data)
{
	guint64 *c = user_data;

	(void)time;
	(void)kind;
	if (ticket == c[0])
		c[1]++;
	return TRUE;
}

static void
test_stub_waits_for_nobody(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	guint64 t1 = deliver(f, "anna@example.org", "p1@example.org", NULL,
	    NULL);
	guint64 t2 = deliver(f, "anna@example.org", "p2@example.org", NULL,
	    NULL);
	guint64 count[2] = { t2, 0 };

	{
		g_auto(MdTxn) txn = MD_TXN_INIT;
		g_autoptr(MdTicket) t = NULL;

		g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn,
		    NULL));
		t = md_ticket_load(&txn, t2, NULL);
		md_ticket_set_status(t, MD_STATUS_PENDING, NOW);
		g_assert_true(md_sla_set_pending(&txn, f->config, t,
		    NOW + 86400, FALSE, NOW, &error));
		g_assert_true(md_ticket_save(&txn, t, &error));
		g_assert_true(md_store_commit(&txn, &error));
		g_assert_no_error(error);
	}
	g_assert_true(merge(f, t2, t1, FALSE, &error));
	g_assert_no_error(error);
	{
		g_auto(MdTxn) txn = MD_TXN_INIT;
		g_autoptr(MdSla) sla = NULL;

		g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn,
		    NULL));
		sla = md_sla_load(&txn, t2, &error);
		g_assert_no_error(error);
		g_assert_null(sla);
		g_assert_true(md_sla_foreach_due(&txn, G_MAXINT64, count_due,
		    count, &error));
		g_assert_cmpuint(count[1], ==, 0);
	}
}

static void
test_refusals(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	guint64 a = deliver(f, "anna@example.org", "r1@example.org", NULL,
	    NULL);
	guint64 b = deliver(f, "bob@example.org", "r2@example.org", NULL,
	    NULL);

	g_assert_false(merge(f, a, a, FALSE, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_USAGE);
	g_clear_error(&error);
	g_assert_false(merge(f, b, a, FALSE, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_USAGE);
	g_clear_error(&error);
	g_assert_true(merge(f, b, a, TRUE, &error));
	g_assert_no_error(error);
	g_assert_false(merge(f, b, a, TRUE, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_USAGE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	for (gsize i = 0; i < G_N_ELEMENTS(numbers); i++)
		g_test_add_data_func(numbers[i].path, &numbers[i], test_number);
	g_test_add("/merge/moves", Fixture, NULL,
	    md_test_store_set_up, test_moves, md_test_store_tear_down);
	g_test_add("/merge/stub-waits-for-nobody", Fixture, NULL,
	    md_test_store_set_up, test_stub_waits_for_nobody,
	    md_test_store_tear_down);
	g_test_add("/merge/refusals", Fixture, NULL,
	    md_test_store_set_up, test_refusals, md_test_store_tear_down);
	return g_test_run();
}
