/* SPDX-License-Identifier: MIT */
/*
 * The search modules below the commands: folding, language guessing and
 * query preparation (search-text.c), the due marks and requests in the
 * store (search-queue.c), and the engine (search-engine.cc): fields,
 * stemming per document language, removal, order, compaction.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "test-util.h"
#include "maildesk/error.h"
#include "maildesk/search-engine.h"
#include "maildesk/search-queue.h"
#include "maildesk/search-text.h"
#include "maildesk/store.h"

#define MAP_SIZE_BYTES (G_GUINT64_CONSTANT(64) << 20)

static void
test_fold(void)
{
	static const struct {
		const char *in;
		gboolean lower;
		const char *out;
	} cases[] = {
		{ "Müller", TRUE, "mueller" },
		{ "MÜLLER", TRUE, "mueller" },
		{ "Mueller", TRUE, "mueller" },
		{ "Straße", TRUE, "strasse" },
		{ "GROẞ", TRUE, "gross" },
		{ "Käse Öl", TRUE, "kaese oel" },
		{ "café déjà vu", TRUE, "cafe deja vu" },
		{ "Øre Łódź Æble", TRUE, "ore lodz aeble" },
		{ "Ἀθῆναι", FALSE, "Ἀθῆναι" },	/* not Latin: kept */
		{ "Müller AND Straße", FALSE, "Mueller AND Strasse" },
		{ "a\xff" "b", TRUE, "a\xef\xbf\xbd" "b" },	/* U+FFFD */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *f = md_search_text_fold(cases[i].in, -1,
		    cases[i].lower);

		g_assert_cmpstr(f, ==, cases[i].out);
	}
}

static void
test_language(void)
{
	g_assert_cmpstr(md_search_text_language("Drucker defekt",
	    "Sehr geehrte Damen und Herren, der Drucker ist leider nicht "
	    "mehr zu gebrauchen. Mit freundlichen Grüßen", "en"), ==, "de");
	g_assert_cmpstr(md_search_text_language("Printer broken",
	    "Dear team, the printer is not working and we have a deadline. "
	    "Thank you for your help.", "de"), ==, "en");
	/* Nothing to go by: the queue's language. */
	g_assert_cmpstr(md_search_text_language(NULL, "LIC-4711", "de"), ==,
	    "de");
	g_assert_cmpstr(md_search_text_language("", NULL, "en"), ==, "en");
}

static void
test_query(void)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "Drucker AND Müller", "drucker AND mueller" },
		{ "Hamburg OR NOT Berlin", "hamburg OR NOT berlin" },
		{ "\"Broken Printer\" NEAR/3 Toner", "\"broken printer\" NEAR/3 toner" },
		{ "Subject:Drucker owner:Agent@Example.COM",
		  "subject:drucker owner:agent@example.com" },
		{ "date:2026-03-01", "date:2026-03-01..2026-03-01" },
		{ "(date:2026-03-01)", "(date:2026-03-01..2026-03-01)" },
		{ "date:2026-03-01..2026-03-31", "date:2026-03-01..2026-03-31" },
		{ "date:2026-03-01..", "date:2026-03-01.." },
		{ "and or not", "and or not" },	/* words, not operators */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *q = md_search_text_query(cases[i].in);

		g_assert_cmpstr(q, ==, cases[i].out);
	}
}

static void
test_request_query(void)
{
	static const struct {
		const char *text;
		const char *query;	/* NULL: no request */
	} cases[] = {
		{ "#search Drucker Hamburg\n\nThanks", "Drucker Hamburg" },
		{ "\n\n  #Search   \"broken printer\"  \r\nrest",
		  "\"broken printer\"" },
		{ "#search\tx", "x" },
		{ "#search", NULL },
		{ "#search   \nx", NULL },
		{ "#searchx y", NULL },
		{ "Hello\n#search x", NULL },
		{ "#note\n#search x", NULL },
		{ NULL, NULL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *q = md_search_queue_request_query(
		    cases[i].text);

		g_assert_cmpstr(q, ==, cases[i].query);
	}
}

typedef struct {
	char *dir;
	MdStore *store;
} Fixture;

static void
set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	gboolean created;

	f->dir = g_dir_make_tmp("maildesk-search-XXXXXX", &error);
	g_assert_no_error(error);
	path = g_build_filename(f->dir, "store", NULL);
	g_assert_true(md_store_init(path, MAP_SIZE_BYTES, &created, &error));
	g_assert_no_error(error);
	f->store = md_store_open(path, MAP_SIZE_BYTES, &error);
	g_assert_no_error(error);
}

static void
tear_down(Fixture *f, gconstpointer data)
{
	md_store_close(f->store);
	md_test_rm_rf(f->dir);
	g_free(f->dir);
}

static void
mark(Fixture *f, guint64 ticket)
{
	g_autoptr(GError) error = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_search_queue_mark(&txn, ticket, &error));
	g_assert_true(md_store_commit(&txn, &error));
	g_assert_no_error(error);
}

static GArray *
due(Fixture *f, guint64 after, guint max)
{
	g_autoptr(GError) error = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	GArray *out = g_array_new(FALSE, FALSE, sizeof(MdSearchDue));

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	g_assert_true(md_search_queue_due(&txn, after, max, out, &error));
	g_assert_no_error(error);
	return out;
}

static void
done(Fixture *f, GArray *d)
{
	g_autoptr(GError) error = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_search_queue_done(&txn, (MdSearchDue *)(void *)d->data,
	    d->len, &error));
	g_assert_true(md_store_commit(&txn, &error));
	g_assert_no_error(error);
}

/*
 * A ticket marked again while it was being indexed stays due: the mark
 * goes only if its stamp is the one the indexer read.
 */
static void
test_queue_stamps(Fixture *f, gconstpointer data)
{
	g_autoptr(GArray) first = NULL, again = NULL, rest = NULL;

	mark(f, 7);
	mark(f, 300);
	mark(f, 2);
	first = due(f, 0, 10);
	g_assert_cmpuint(first->len, ==, 3);
	g_assert_cmpuint(g_array_index(first, MdSearchDue, 0).ticket, ==, 2);
	g_assert_cmpuint(g_array_index(first, MdSearchDue, 2).ticket, ==, 300);
	/* Batches go on after the last ticket of the one before. */
	{
		g_autoptr(GArray) after = due(f, 2, 1);

		g_assert_cmpuint(after->len, ==, 1);
		g_assert_cmpuint(g_array_index(after, MdSearchDue, 0).ticket,
		    ==, 7);
	}
	mark(f, 7);	/* changed meanwhile */
	done(f, first);
	rest = due(f, 0, 10);
	g_assert_cmpuint(rest->len, ==, 1);
	g_assert_cmpuint(g_array_index(rest, MdSearchDue, 0).ticket, ==, 7);
	g_assert_cmpuint(g_array_index(rest, MdSearchDue, 0).stamp, !=,
	    g_array_index(first, MdSearchDue, 1).stamp);
	done(f, rest);
	again = due(f, 0, 10);
	g_assert_cmpuint(again->len, ==, 0);
}

static void
test_queue_requests(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdSearchRequest) r = md_search_request_new();
	g_autoptr(GPtrArray) all = NULL;
	gboolean taken;
	guint dropped = 0;

	r->agent = g_strdup("agent@example.com");
	r->query = g_strdup("Drucker");
	r->queue = g_strdup("support");
	r->received_at = 1700000000;
	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_search_queue_add_request(&txn, r, &error));
	/* Requests and due tickets share the database, not the listing. */
	g_assert_true(md_search_queue_mark(&txn, 1, &error));
	g_assert_true(md_store_commit(&txn, &error));
	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	all = md_search_queue_requests(&txn, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(all->len, ==, 1);
	g_assert_cmpstr(((MdSearchRequest *)all->pdata[0])->query, ==,
	    "Drucker");
	g_assert_true(md_search_queue_take_request(&txn, r->id, &taken,
	    &error));
	g_assert_true(taken);
	g_assert_true(md_search_queue_take_request(&txn, r->id, &taken,
	    &error));
	g_assert_false(taken);
	g_assert_true(md_search_queue_drop_requests(&txn, &dropped, &error));
	g_assert_cmpuint(dropped, ==, 0);
	g_assert_no_error(error);
	{
		g_autoptr(GArray) d = g_array_new(FALSE, FALSE,
		    sizeof(MdSearchDue));

		g_assert_true(md_search_queue_due(&txn, 0, 10, d, &error));
		g_assert_cmpuint(d->len, ==, 1);
	}
}

static gint
by_number(gconstpointer a, gconstpointer b)
{
	guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

	return x < y ? -1 : x > y;
}

/* The tickets @query finds in @e, ascending, as "1 2 3". */
static char *
hits(MdSearchEngine *e, const char *query, gboolean restricted)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *q = md_search_text_query(query);
	g_autoptr(MdSearchHits) h = md_search_engine_query(e, q, restricted, 0,
	    100, &error);
	g_autoptr(GArray) n = g_array_new(FALSE, FALSE, sizeof(guint64));
	GString *s = g_string_new(NULL);

	g_assert_no_error(error);
	for (guint i = 0; i < md_search_hits_count(h); i++) {
		guint64 t;
		guint32 seq;
		int pct;

		md_search_hits_get(h, i, &t, &seq, &pct);
		g_array_append_val(n, t);
	}
	g_array_sort(n, by_number);
	for (guint i = 0; i < n->len; i++)
		g_string_append_printf(s, "%s%" G_GUINT64_FORMAT, i ? " " : "",
		    g_array_index(n, guint64, i));
	return g_string_free(s, FALSE);
}

static void
put(MdSearchEngine *e, guint64 ticket, guint32 seq, const char *lang,
    const char *subject, const char *text, gboolean restricted)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *fs = md_search_text_fold(subject, -1, TRUE);
	g_autofree char *ft = md_search_text_fold(text, -1, TRUE);
	MdSearchDoc d = { 0 };

	d.ticket = ticket;
	d.seq = seq;
	d.language = lang;
	d.day = 20260302;
	d.subject = fs;
	d.text = ft;
	d.status = "open";
	d.queue = "support";
	d.restricted = restricted;
	g_assert_true(md_search_engine_put(e, &d, &error));
	g_assert_no_error(error);
}

typedef struct {
	GString *s;
} Order;

static gboolean
each_doc(guint64 ticket, guint32 seq, gpointer user_data)
{
	Order *o = user_data;

	g_string_append_printf(o->s, "%" G_GUINT64_FORMAT ":%u ", ticket, seq);
	return TRUE;
}

static void
test_engine(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_build_filename(f->dir, "ix", NULL);
	g_autofree char *copy = g_build_filename(f->dir, "ix2", NULL);
	g_autoptr(MdSearchEngine) e = md_search_engine_open(dir,
	    MD_SEARCH_ENGINE_BUILD, &error);
	g_autoptr(MdSearchEngine) c = NULL;
	char *h;
	Order o = { g_string_new(NULL) };

	g_assert_no_error(error);
	put(e, 10, 1, "de", "Drucker", "Der Drucker druckt nicht.", FALSE);
	put(e, 2, 1, "en", "Printer", "The printer is printing nothing.",
	    FALSE);
	put(e, 2, 3, "en", "Printer", "Still printing nothing.", FALSE);
	put(e, 300, 1, "en", "Secret", "Restricted printer words.", TRUE);
	g_assert_true(md_search_engine_commit(e, &error));
	g_clear_pointer(&e, md_search_engine_close);
	e = md_search_engine_open(dir, MD_SEARCH_ENGINE_WRITE, &error);
	g_assert_no_error(error);

	/* Each document is stemmed in its own language. */
	h = hits(e, "druckers", FALSE);
	g_assert_cmpstr(h, ==, "10");
	g_free(h);
	h = hits(e, "printed", FALSE);
	g_assert_cmpstr(h, ==, "2");	/* one hit per ticket */
	g_free(h);
	h = hits(e, "printer", TRUE);
	g_assert_true(strstr(h, "300") != NULL);
	g_free(h);
	h = hits(e, "subject:drucker", FALSE);
	g_assert_cmpstr(h, ==, "10");
	g_free(h);
	h = hits(e, "ticket:2 nothing", FALSE);
	g_assert_cmpstr(h, ==, "2");
	g_free(h);

	/* Ticket and message order, whatever the order of indexing. */
	g_assert_true(md_search_engine_foreach(e, each_doc, &o, &error));
	g_assert_cmpstr(o.s->str, ==, "2:1 2:3 10:1 300:1 ");
	g_string_truncate(o.s, 0);

	g_assert_true(md_search_engine_remove(e, 2, 3, &error));
	g_assert_true(md_search_engine_remove_ticket(e, 10, &error));
	g_assert_true(md_search_engine_commit(e, &error));
	g_assert_cmpuint(md_search_engine_count(e), ==, 2);
	h = hits(e, "drucker", FALSE);
	g_assert_cmpstr(h, ==, "");
	g_free(h);

	/* The compacted copy holds the same documents. */
	g_assert_true(md_search_engine_compact(e, copy, &error));
	g_assert_no_error(error);
	c = md_search_engine_open(copy, MD_SEARCH_ENGINE_READ, &error);
	g_assert_no_error(error);
	g_assert_true(md_search_engine_foreach(c, each_doc, &o, &error));
	g_assert_cmpstr(o.s->str, ==, "2:1 300:1 ");
	g_string_free(o.s, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/search/fold", test_fold);
	g_test_add_func("/search/language", test_language);
	g_test_add_func("/search/query", test_query);
	g_test_add_func("/search/request-query", test_request_query);
	g_test_add("/search/queue-stamps", Fixture, NULL, set_up,
	    test_queue_stamps, tear_down);
	g_test_add("/search/queue-requests", Fixture, NULL, set_up,
	    test_queue_requests, tear_down);
	g_test_add("/search/engine", Fixture, NULL, set_up, test_engine,
	    tear_down);
	return g_test_run();
}
