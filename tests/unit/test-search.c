/* SPDX-License-Identifier: MIT */
/*
 * The search modules below the commands: folding (search-text.c), the
 * query language (search-query.c), the due marks and requests in the
 * store (search-queue.c), and the engine (search-engine.c): fields,
 * stemming in both languages, removal, order, compaction.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "test-fixture.h"
#include "test-util.h"
#include "maildesk/error.h"
#include "maildesk/search-engine.h"
#include "maildesk/search-query.h"
#include "maildesk/search-queue.h"
#include "maildesk/search-text.h"
#include "maildesk/store.h"


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
test_query(void)
{
	static const struct {
		const char *in;
		const char *out;	/* NULL: a usage error */
	} cases[] = {
		{ "Drucker", "(\"Drucker\")" },
		{ "Drucker AND Müller", "(\"Drucker\" AND \"Müller\")" },
		{ "printer OR toner", "(\"printer\") OR (\"toner\")" },
		{ "printer -toner", "((\"printer\") NOT (\"toner\"))" },
		{ "NOT toner", "((meta : \"0a\") NOT (\"toner\"))" },
		{ "a NOT (b OR c)",
		  "((\"a\") NOT (((\"b\") OR (\"c\"))))" },
		{ "druck*", "(\"druck\" *)" },
		{ "\"broken printer\" toner",
		  "(\"broken printer\" AND \"toner\")" },
		{ "subject:printer", "(subject : \"printer\")" },
		{ "From:hans.mueller@example.de",
		  "(sender : \"hans.mueller@example.de\")" },
		{ "to:\"Hans Müller\"", "(recipients : \"Hans Müller\")" },
		{ "subject:(a OR b)",
		  "(subject : ((\"a\") OR (\"b\")))" },
		{ "attachment:rechnung*", "(attachment : \"rechnung\" *)" },
		{ "status:Open", "(meta : \"0sopen\")" },
		{ "ticket:42", "(meta : \"0t42\")" },
		{ "owner:none", "(meta : \"0onone\")" },
		{ "owner:A@B.c", "(meta : \"0o6140622e63\")" },
		{ "date:2026-03-02", "((meta : \"0d20260302\"))" },
		{ "date:2026-03", "((meta : \"0m202603\"))" },
		{ "date:2026-02-27..2026-04-02",
		  "((meta : \"0d20260227\" OR meta : \"0d20260228\" OR "
		  "meta : \"0m202603\" OR meta : \"0d20260401\" OR "
		  "meta : \"0d20260402\"))" },
		{ "date:2025-12-31..2027-01-01",
		  "((meta : \"0d20251231\" OR meta : \"0y2026\" OR "
		  "meta : \"0d20270101\"))" },
		{ "date:20270102..20270101", "(meta : \"0none\")" },
		{ "foo:bar", "(\"foo:bar\")" },	/* no field: words */
		{ "say \"hi \"\"there", "(\"say\" AND \"hi \" AND \"there\")" },
		{ "hello)", "(\"hello\")" },
		{ "status:maybe", NULL },
		{ "ticket:x", NULL },
		{ "date:yesterday", NULL },
		{ "!!! \"\" ()", NULL },
		{ "", NULL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *q = md_search_query_to_fts5(cases[i].in,
		    &error);

		if (cases[i].out == NULL) {
			g_assert_null(q);
			g_assert_error(error, MD_ERROR, MD_ERROR_USAGE);
		} else {
			g_assert_no_error(error);
			g_assert_cmpstr(q, ==, cases[i].out);
		}
	}
}

static void
test_meta(void)
{
	g_autofree char *m = md_search_query_meta(42, "open", "Support",
	    NULL, 20260302, TRUE);

	g_assert_cmpstr(m, ==, "0a 0t42 0sopen 0q737570706f7274 0onone "
	    "0y2026 0m202603 0d20260302 0r");
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

/* A temp dir with a store of its own. */
typedef MdTestStore Fixture;

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

/*
 * The tickets @query finds in @e, at most @limit, best first; their
 * scores are positive and never rise.
 */
static GArray *
found(MdSearchEngine *e, const char *query, gboolean restricted,
    guint limit)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *q = md_search_query_to_fts5(query, &error);
	g_autoptr(MdSearchHits) h = NULL;
	GArray *n = g_array_new(FALSE, FALSE, sizeof(guint64));
	double last = G_MAXDOUBLE;

	g_assert_no_error(error);
	h = md_search_engine_query(e, q, restricted, limit, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < md_search_hits_count(h); i++) {
		guint64 t;
		guint32 seq;
		double score;

		md_search_hits_get(h, i, &t, &seq, &score);
		g_assert_cmpfloat(score, >, 0.0);
		g_assert_cmpfloat(score, <=, last);
		last = score;
		g_array_append_val(n, t);
	}
	return n;
}

/* @n as "1 2 3". */
static char *
numbers(GArray *n)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < n->len; i++)
		g_string_append_printf(s, "%s%" G_GUINT64_FORMAT, i ? " " : "",
		    g_array_index(n, guint64, i));
	return g_string_free(s, FALSE);
}

/* The tickets @query finds in @e, ascending, as "1 2 3". */
static char *
hits(MdSearchEngine *e, const char *query, gboolean restricted)
{
	g_autoptr(GArray) n = found(e, query, restricted, 100);

	g_array_sort(n, by_number);
	return numbers(n);
}

static void
put(MdSearchEngine *e, guint64 ticket, guint32 seq, const char *subject,
    const char *text, gboolean restricted)
{
	g_autoptr(GError) error = NULL;
	MdSearchDoc d = { 0 };

	d.ticket = ticket;
	d.seq = seq;
	d.day = 20260302;
	d.subject = subject;
	d.text = text;
	d.from = "Hans Müller hans.mueller@example.de";
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

/* @s is in the file @path, byte for byte. */
static gboolean
file_has(const char *path, const char *s)
{
	g_autofree char *data = NULL;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, NULL))
		return FALSE;
	for (gsize i = 0; i + strlen(s) <= len; i++)
		if (memcmp(data + i, s, strlen(s)) == 0)
			return TRUE;
	return FALSE;
}

static void
test_engine(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(f->dir, "ix.sqlite", NULL);
	g_autofree char *copy = g_build_filename(f->dir, "ix2.sqlite", NULL);
	g_autoptr(MdSearchEngine) e = md_search_engine_open(path,
	    MD_SEARCH_ENGINE_BUILD, &error);
	g_autoptr(MdSearchEngine) c = NULL;
	char *h;
	Order o = { g_string_new(NULL) };

	g_assert_no_error(error);
	/* Plainly German: indexed in German stems only. */
	put(e, 10, 1, "Drucker", "Sehr geehrte Damen und Herren, der Drucker "
	    "druckt nicht mehr, und die Lampe ist aus. Mit Grüßen", FALSE);
	put(e, 2, 1, "Printer", "The printer is printing nothing.", FALSE);
	put(e, 2, 3, "Printer", "Still printing nothing, Zq9Gone.", FALSE);
	put(e, 300, 1, "Secret", "Restricted printer words.", TRUE);
	g_assert_true(md_search_engine_commit(e, &error));
	g_clear_pointer(&e, md_search_engine_close);
	/* BUILD refuses a file that is there. */
	e = md_search_engine_open(path, MD_SEARCH_ENGINE_BUILD, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_INTERNAL);
	g_clear_error(&error);
	e = md_search_engine_open(path, MD_SEARCH_ENGINE_WRITE, &error);
	g_assert_no_error(error);

	/* German and English stems, folding, one hit per ticket. */
	h = hits(e, "Druckers", FALSE);
	g_assert_cmpstr(h, ==, "10");
	g_free(h);
	h = hits(e, "GRÜSSE", FALSE);
	g_assert_cmpstr(h, ==, "10");
	g_free(h);
	/* A prefix longer than the stem a word is indexed as. */
	h = hits(e, "drucke*", FALSE);
	g_assert_cmpstr(h, ==, "10");
	g_free(h);
	h = hits(e, "\"drucker druckt\"", FALSE);
	g_assert_cmpstr(h, ==, "10");
	g_free(h);
	h = hits(e, "printed", FALSE);
	g_assert_cmpstr(h, ==, "2");
	g_free(h);
	h = hits(e, "printer", TRUE);
	g_assert_cmpstr(h, ==, "2 300");
	g_free(h);
	h = hits(e, "subject:drucker", FALSE);
	g_assert_cmpstr(h, ==, "10");
	g_free(h);
	h = hits(e, "ticket:2 nothing", FALSE);
	g_assert_cmpstr(h, ==, "2");
	g_free(h);
	h = hits(e, "from:hans.mueller@example.de status:open date:2026-03",
	    FALSE);
	g_assert_cmpstr(h, ==, "2 10");
	g_free(h);
	h = hits(e, "\"printer is printing\"", FALSE);
	g_assert_cmpstr(h, ==, "2");
	g_free(h);
	h = hits(e, "\"printer still\"", FALSE);
	g_assert_cmpstr(h, ==, "");
	g_free(h);

	/* Ticket and message order, whatever the order of indexing. */
	g_assert_true(md_search_engine_foreach(e, each_doc, &o, &error));
	g_assert_cmpstr(o.s->str, ==, "2:1 2:3 10:1 300:1 ");
	g_string_truncate(o.s, 0);

	g_assert_true(md_search_engine_remove(e, 2, 3, &error));
	g_assert_true(md_search_engine_remove_ticket(e, 10, &error));
	g_assert_true(md_search_engine_commit(e, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(md_search_engine_count(e), ==, 2);
	h = hits(e, "drucker", FALSE);
	g_assert_cmpstr(h, ==, "");
	g_free(h);

	/* The compacted copy holds the rest, and nothing of the removed. */
	g_assert_true(md_search_engine_compact(e, copy, &error));
	g_assert_no_error(error);
	g_assert_false(file_has(copy, "Zq9Gone"));
	g_assert_false(file_has(copy, "druckt"));
	g_assert_true(file_has(copy, "Restricted printer words"));
	c = md_search_engine_open(copy, MD_SEARCH_ENGINE_READ, &error);
	g_assert_no_error(error);
	g_assert_true(md_search_engine_foreach(c, each_doc, &o, &error));
	g_assert_cmpstr(o.s->str, ==, "2:1 300:1 ");
	g_string_free(o.s, TRUE);
}

/* The first five tickets @query finds in @e, best first, as "1 2 3". */
static char *
ranked(MdSearchEngine *e, const char *query)
{
	g_autoptr(GArray) n = found(e, query, FALSE, 5);

	return numbers(n);
}

/*
 * Ranking: the subject weighs more than the text, a rare word more than
 * one in thousands of mails (more than the rows a word's weight is
 * counted up to), a word said often more than once.
 */
static void
test_rank(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(f->dir, "rank.sqlite", NULL);
	g_autoptr(MdSearchEngine) e = md_search_engine_open(path,
	    MD_SEARCH_ENGINE_BUILD, &error);
	char *h;

	g_assert_no_error(error);
	for (guint64 t = 100; t < 5100; t++)
		put(e, t, 1, "Filler", "Nothing but the usual widget talk "
		    "about a widget and more.", FALSE);
	put(e, 6010, 1, "Router", "It does not start.", FALSE);
	put(e, 6011, 1, "Question", "The router does not start.", FALSE);
	put(e, 6012, 1, "Question", "A frobnicator is it.", FALSE);
	put(e, 6013, 1, "Question", "The widget broke.", FALSE);
	put(e, 6014, 1, "Question", "Router here, router there, the router "
	    "again and again.", FALSE);
	g_assert_true(md_search_engine_commit(e, &error));
	g_assert_no_error(error);

	h = ranked(e, "router");
	g_assert_cmpstr(h, ==, "6010 6014 6011");
	g_free(h);
	/* The rare word first, though 6013 is newer and as short. */
	h = ranked(e, "frobnicator OR widget");
	g_assert_true(g_str_has_prefix(h, "6012 "));
	g_free(h);
	h = ranked(e, "widget broke");
	g_assert_cmpstr(h, ==, "6013");
	g_free(h);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/search/fold", test_fold);
	g_test_add_func("/search/query", test_query);
	g_test_add_func("/search/meta", test_meta);
	g_test_add_func("/search/request-query", test_request_query);
	g_test_add("/search/queue-stamps", Fixture, NULL,
	    md_test_store_set_up, test_queue_stamps, md_test_store_tear_down);
	g_test_add("/search/queue-requests", Fixture, NULL,
	    md_test_store_set_up, test_queue_requests, md_test_store_tear_down);
	g_test_add("/search/engine", Fixture, NULL,
	    md_test_store_set_up, test_engine, md_test_store_tear_down);
	g_test_add("/search/rank", Fixture, NULL,
	    md_test_store_set_up, test_rank, md_test_store_tear_down);
	return g_test_run();
}
