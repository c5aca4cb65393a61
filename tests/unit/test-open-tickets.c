/* SPDX-License-Identifier: MIT */
/*
 * The open-tickets index: md_ticket_save() keeps one entry per new, open
 * or pending ticket and none for a resolved or closed one; the entry
 * follows queue and owner; rebuild and ensure make it from the tickets;
 * md_ticket_open_entry_is_current finds an entry out of step.  Each test
 * has its own temp store.
 */
#include "test-fixture.h"
#include "test-util.h"
#include "maildesk/error.h"
#include "maildesk/open-tickets.h"
#include "maildesk/store.h"
#include "maildesk/ticket.h"

#define NOW 1772442000

/* A temp dir with a store of its own. */
typedef MdTestStore Fixture;

static gboolean
see(const MdOpenTicket *o, gpointer user_data)
{
	GString *s = user_data;

	g_string_append_printf(s, "%s%" G_GUINT64_FORMAT ":%s:%s:%s:%"
	    G_GINT64_FORMAT, s->len ? " " : "", o->number,
	    md_ticket_status_name(o->status), o->queue,
	    o->owner[0] ? o->owner : "-", o->created_at - NOW);
	return TRUE;
}

/* The index as "number:status:queue:owner:created-NOW ..." (transfer full). */
static char *
listing(MdTxn *txn)
{
	g_autoptr(GError) error = NULL;
	GString *s = g_string_new(NULL);

	g_assert_true(md_open_tickets_foreach(txn, see, s, &error));
	g_assert_no_error(error);
	return g_string_free(s, FALSE);
}

static MdTicket *
create(MdTxn *txn, const char *queue, gint64 at)
{
	g_autoptr(GError) error = NULL;
	MdTicket *t = md_ticket_create(txn, queue, "Subject", 0, at, &error);

	g_assert_no_error(error);
	g_assert_nonnull(t);
	return t;
}

static void
save(MdTxn *txn, MdTicket *t)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(md_ticket_save(txn, t, &error));
	g_assert_no_error(error);
}

static void
test_follows(Fixture *f, gconstpointer data)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdTicket) a = NULL, b = NULL, c = NULL;
	g_autofree char *l1 = NULL, *l2 = NULL, *l3 = NULL;

	(void)data;
	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	a = create(&txn, "support", NOW);
	b = create(&txn, "sales", NOW + 60);
	c = create(&txn, "support", NOW + 120);
	l1 = listing(&txn);
	g_assert_cmpstr(l1, ==, "1:new:support:-:0 2:new:sales:-:60 "
	    "3:new:support:-:120");

	b->owner = g_strdup("agent@example.com");
	md_ticket_set_status(b, MD_STATUS_PENDING, NOW + 200);
	save(&txn, b);
	md_ticket_set_status(c, MD_STATUS_RESOLVED, NOW + 300);
	save(&txn, c);
	g_free(a->queue);
	a->queue = g_strdup("sales");
	save(&txn, a);
	l2 = listing(&txn);
	g_assert_cmpstr(l2, ==, "1:new:sales:-:0 "
	    "2:pending:sales:agent@example.com:60");

	/* Reopened, it is back; removed, it is gone. */
	md_ticket_set_status(c, MD_STATUS_OPEN, NOW + 400);
	save(&txn, c);
	g_assert_true(md_open_tickets_remove(&txn, 1, &error));
	g_assert_no_error(error);
	l3 = listing(&txn);
	g_assert_cmpstr(l3, ==, "2:pending:sales:agent@example.com:60 "
	    "3:open:support:-:120");
	g_assert_false(md_ticket_open_entry_is_current(&txn, a));
	g_assert_true(md_ticket_open_entry_is_current(&txn, b));
	g_assert_true(md_ticket_open_entry_is_current(&txn, c));
}

static void
test_rebuild(Fixture *f, gconstpointer data)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdTicket) a = NULL, b = NULL, c = NULL;
	g_autofree char *before = NULL, *after = NULL;
	guint64 entries = 0;
	gboolean built = TRUE;

	(void)data;
	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	a = create(&txn, "support", NOW);
	b = create(&txn, "support", NOW + 1);
	c = create(&txn, "sales", NOW + 2);
	md_ticket_set_status(b, MD_STATUS_CLOSED, NOW + 5);
	save(&txn, b);
	before = listing(&txn);
	/* As a store made before the index: empty, no mark. */
	g_assert_true(md_store_clear(&txn, MD_DB_OPEN_TICKETS, &error));
	g_assert_false(md_ticket_open_entry_is_current(&txn, a));
	g_assert_true(md_ticket_open_entry_is_current(&txn, b));
	g_assert_true(md_store_del(&txn, MD_DB_META, "open-tickets-index",
	    18, NULL, 0, &error));
	g_assert_false(md_open_tickets_is_built(&txn));
	g_assert_true(md_ticket_ensure_open_index(&txn, &built, &error));
	g_assert_no_error(error);
	g_assert_true(built);
	after = listing(&txn);
	g_assert_cmpstr(after, ==, before);
	g_assert_cmpstr(after, ==, "1:new:support:-:0 3:new:sales:-:2");
	/* Once built, ensure leaves it alone. */
	g_assert_true(md_open_tickets_is_built(&txn));
	g_assert_true(md_ticket_ensure_open_index(&txn, &built, &error));
	g_assert_false(built);
	g_assert_true(md_ticket_rebuild_open_index(&txn, &entries, &error));
	g_assert_cmpuint(entries, ==, 2);
}

static void
test_unreadable(Fixture *f, gconstpointer data)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) s = g_string_new(NULL);
	guint8 key[8];

	(void)data;
	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	md_key_be64(key, 7);
	g_assert_true(md_store_put(&txn, MD_DB_OPEN_TICKETS, key, 8, "\1x", 2,
	    0, &error));
	g_assert_false(md_open_tickets_foreach(&txn, see, s, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/open-tickets/follows-the-ticket", Fixture, NULL,
	    md_test_store_set_up, test_follows, md_test_store_tear_down);
	g_test_add("/open-tickets/rebuild-and-ensure", Fixture, NULL,
	    md_test_store_set_up, test_rebuild, md_test_store_tear_down);
	g_test_add("/open-tickets/unreadable-entry", Fixture, NULL,
	    md_test_store_set_up, test_unreadable, md_test_store_tear_down);
	return g_test_run();
}
