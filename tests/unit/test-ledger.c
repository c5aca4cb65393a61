/* SPDX-License-Identifier: MIT */
/*
 * The erasure ledger and its replay: what erase and expire record (keyed
 * hashes, no personal data), and a copy of the store taken before the
 * erasure forgetting the same things when the ledger is replayed on it,
 * but not a person who wrote again later.  Every test has its own temp dir
 * with a store ("live") and a compacted copy of it ("copy").
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "test-fixture.h"
#include "test-util.h"
#include "maildesk/check.h"
#include "maildesk/config.h"
#include "maildesk/customer.h"
#include "maildesk/deliver.h"
#include "maildesk/error.h"
#include "maildesk/ledger.h"
#include "maildesk/privacy.h"
#include "maildesk/replay.h"
#include "maildesk/store.h"
#include "maildesk/ticket.h"
#include "maildesk/token.h"

#define MAP_SIZE_BYTES (G_GUINT64_CONSTANT(64) << 20)
#define T0 1704186000		/* the first mails */
#define T_COPY (T0 + 100)	/* the copy (a backup) is taken */
#define T_ERASE (T0 + 200)	/* the erasure on the live store */
#define T_LATER (T0 + 300)	/* the person writes again */

typedef struct {
	char *dir;
	MdConfig *config;
	MdStore *live;
	MdStore *copy;		/* nullable until take_copy() */
} Fixture;

static void
set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *conf = NULL, *text = NULL, *path = NULL;
	gboolean created;

	f->dir = g_dir_make_tmp("maildesk-ledger-XXXXXX", &error);
	g_assert_no_error(error);
	path = g_build_filename(f->dir, "live", NULL);
	conf = g_build_filename(f->dir, "maildesk.conf", NULL);
	text = g_strdup_printf("[store]\npath = %s\n[addresses]\n"
	    "support@example.com = support\n[ack]\nenabled = false\n"
	    "[tickets]\nretention-days = 1\n", path);
	g_file_set_contents(conf, text, -1, &error);
	g_assert_no_error(error);
	f->config = md_config_load(conf, &error);
	g_assert_no_error(error);
	g_assert_true(md_store_init(path, MAP_SIZE_BYTES, &created, &error));
	f->live = md_store_open(path, MAP_SIZE_BYTES, &error);
	g_assert_no_error(error);
}

static void
tear_down(Fixture *f, gconstpointer data)
{
	g_clear_pointer(&f->live, md_store_close);
	g_clear_pointer(&f->copy, md_store_close);
	g_clear_pointer(&f->config, md_config_free);
	md_test_rm_rf(f->dir);
	g_free(f->dir);
}

/* A mail to @rcpt, our address or a signed reply address of ours. */
static MdDeliverResult
deliver_to(Fixture *f, MdStore *store, const char *rcpt, const char *from,
    const char *msgid, const char *in_reply_to, const char *body, gint64 now)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) raw = g_string_new(NULL);
	MdDeliverResult r;

	g_string_append_printf(raw, "From: %s\r\nTo: %s\r\n"
	    "Subject: question\r\n", from, rcpt);
	if (msgid != NULL)
		g_string_append_printf(raw, "Message-ID: <%s>\r\n", msgid);
	if (in_reply_to != NULL)
		g_string_append_printf(raw, "In-Reply-To: <%s>\r\n",
		    in_reply_to);
	g_string_append_printf(raw, "\r\n%s\r\n", body);
	g_assert_true(md_test_deliver(store, f->config, (const guint8 *)raw->str,
	    raw->len, NULL, rcpt, now, &r, &error));
	g_assert_no_error(error);
	md_deliver_result_clear(&r);
	return r;
}

static MdDeliverResult
deliver(Fixture *f, MdStore *store, const char *from, const char *msgid,
    const char *in_reply_to, const char *body, gint64 now)
{
	return deliver_to(f, store, "support@example.com", from, msgid,
	    in_reply_to, body, now);
}

/*
 * The signed reply address of @ticket's customer: what a participant
 * writes to (a Message-ID alone lets nobody in).
 */
static char *
reply_address(MdStore *store, guint64 ticket, gint64 now)
{
	g_autoptr(GError) error = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GBytes) secret = NULL;

	g_assert_true(md_store_begin(store, MD_TXN_READ, &txn, &error));
	secret = md_store_secret(&txn, &error);
	g_assert_nonnull(secret);
	return md_token_reply_address(secret, "support@example.com", '+',
	    ticket, NULL, now);
}

/* The store as it is now, as a compacted copy beside it (a backup). */
static void
take_copy(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_build_filename(f->dir, "copy", NULL);
	g_autofree char *data = g_build_filename(dir, "data.mdb", NULL);
	int fd;

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	fd = open(data, O_WRONLY | O_CREAT | O_EXCL, 0600);
	g_assert_cmpint(fd, >=, 0);
	g_assert_true(md_store_copy_to_fd(f->live, fd, &error));
	g_assert_no_error(error);
	close(fd);
	f->copy = md_store_open(dir, MAP_SIZE_BYTES, &error);
	g_assert_no_error(error);
}

static void
erase(Fixture *f, const char *address, gint64 now)
{
	g_autoptr(GError) error = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdCustomer) c = NULL;
	MdEraseReport r;

	g_assert_true(md_store_begin(f->live, MD_TXN_WRITE, &txn, &error));
	c = md_customer_find_by_email(&txn, address, &error);
	g_assert_no_error(error);
	md_privacy_report_init(&r);
	g_assert_true(md_privacy_erase(&txn, c, now, &r, &error));
	g_assert_no_error(error);
	md_privacy_report_clear(&r);
	g_assert_true(md_store_commit(&txn, &error));
}

static GPtrArray *
ledger_of(MdStore *store)
{
	g_autoptr(GError) error = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	GPtrArray *entries;

	g_assert_true(md_store_begin(store, MD_TXN_READ, &txn, &error));
	entries = md_ledger_load(&txn, &error);
	g_assert_no_error(error);
	return entries;
}

/* Replays the live store's ledger on the copy; returns the report. */
static void
replay(Fixture *f, MdReplayReport *r)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) entries = ledger_of(f->live);
	g_auto(MdTxn) txn = MD_TXN_INIT;

	md_replay_report_init(r);
	g_assert_true(md_store_begin(f->copy, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_replay_apply(&txn, entries, r, &error));
	g_assert_no_error(error);
	g_assert_true(md_store_commit(&txn, &error));
}

static gboolean
has_customer(MdStore *store, const char *address)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdCustomer) c = NULL;

	g_assert_true(md_store_begin(store, MD_TXN_READ, &txn, NULL));
	c = md_customer_find_by_email(&txn, address, NULL);
	return c != NULL;
}

static gboolean
has_ticket(MdStore *store, guint64 n)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdTicket) t = NULL;

	g_assert_true(md_store_begin(store, MD_TXN_READ, &txn, NULL));
	t = md_ticket_load(&txn, n, NULL);
	return t != NULL;
}

static guint
check_problems(MdStore *store)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(
	    g_free);
	guint entries = 0;

	g_assert_true(md_check_ledger(store, problems, &entries, &error));
	g_assert_no_error(error);
	return problems->len;
}

/* An erase records hashes and numbers, and no byte of the person. */
static void
test_erase_records(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) entries = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GBytes) secret = NULL;
	g_autofree char *subject = NULL;
	MdLedgerEntry *e;
	MdLedgerTicket *t;
	MDB_val v;
	guint8 key[8];

	deliver(f, f->live, "Alice Zed <alice@example.net>", "a1@example.net",
	    NULL, "AliceSecret", T0);
	deliver(f, f->live, "Bob <bob@example.net>", NULL, NULL, "BobSecret",
	    T0);
	erase(f, "alice@example.net", T_ERASE);
	erase(f, "bob@example.net", T_ERASE);
	entries = ledger_of(f->live);
	g_assert_cmpuint(entries->len, ==, 2);
	e = g_ptr_array_index(entries, 0);
	g_assert_cmpstr(e->action, ==, "erase");
	g_assert_cmpint(e->time, ==, T_ERASE);
	g_assert_cmpuint(e->subjects->len, ==, 1);
	g_assert_true(md_store_begin(f->live, MD_TXN_READ, &txn, &error));
	secret = md_store_secret(&txn, &error);
	subject = md_privacy_subject_hash(secret, "Alice@Example.net");
	g_assert_cmpstr(g_ptr_array_index(e->subjects, 0), ==, subject);
	g_assert_cmpuint(e->tickets->len, ==, 1);
	t = g_ptr_array_index(e->tickets, 0);
	g_assert_cmpuint(t->number, ==, 1);
	g_assert_cmpuint(t->messages->len, ==, 1);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(t->messages, 0),
	    "msgid:"));
	/* Bob's mail had no Message-ID: its digest names it. */
	t = g_ptr_array_index(((MdLedgerEntry *)g_ptr_array_index(entries,
	    1))->tickets, 0);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(t->messages, 0),
	    "digest:"));
	/* The record itself holds no address and no Message-ID. */
	md_key_be64(key, 1);
	g_assert_true(md_store_get(&txn, MD_DB_LEDGER, key, 8, &v, &error));
	g_assert_null(g_strstr_len(v.mv_data, v.mv_size, "alice"));
	g_assert_null(g_strstr_len(v.mv_data, v.mv_size, "a1@example"));
	g_assert_null(g_strstr_len(v.mv_data, v.mv_size, "AliceSecret"));
}

/* A dry run (an aborted transaction) and an empty expire record nothing. */
static void
test_nothing_recorded(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	MdEraseReport r;

	deliver(f, f->live, "alice@example.net", "a1@example.net", NULL, "x",
	    T0);
	g_assert_true(md_store_begin(f->live, MD_TXN_WRITE, &txn, &error));
	md_privacy_report_init(&r);
	g_assert_true(md_privacy_expire(&txn, f->config, T_ERASE, &r,
	    &error));
	g_assert_cmpuint(r.tickets->len, ==, 0);
	md_privacy_report_clear(&r);
	g_assert_true(md_store_commit(&txn, &error));
	entries = ledger_of(f->live);
	g_assert_cmpuint(entries->len, ==, 0);
}

/* The copy forgets Alice, whole tickets and her mail in Carol's. */
static void
test_replay_erase(Fixture *f, gconstpointer data)
{
	g_autofree char *rt = NULL;
	MdReplayReport r;
	g_autoptr(GPtrArray) mine = NULL;

	deliver(f, f->live, "alice@example.net", "a1@example.net", NULL,
	    "AliceSecret", T0);
	deliver(f, f->live, "carol@example.net", "c1@example.net", NULL,
	    "CarolText", T0);
	/*
	 * Alice answers in Carol's ticket, to its signed reply address (Carol
	 * forwarded her our mail): a participant there.
	 */
	rt = reply_address(f->live, 2, T0);
	deliver_to(f, f->live, rt, "alice@example.net", "a2@example.net",
	    "c1@example.net", "AliceInCarols", T0);
	take_copy(f);
	erase(f, "alice@example.net", T_ERASE);
	g_assert_true(has_customer(f->copy, "alice@example.net"));
	/* Before the replay, the copy's check knows nothing of it. */
	g_assert_cmpuint(check_problems(f->copy), ==, 0);

	replay(f, &r);
	g_assert_cmpuint(r.applied, ==, 1);
	g_assert_cmpuint(r.known, ==, 0);
	g_assert_cmpuint(r.removed.customers, ==, 1);
	g_assert_cmpuint(r.removed.tickets->len, ==, 1);
	g_assert_cmpuint(r.removed.participant_messages, ==, 1);
	md_replay_report_clear(&r);
	g_assert_false(has_customer(f->copy, "alice@example.net"));
	g_assert_false(has_ticket(f->copy, 1));
	g_assert_true(has_ticket(f->copy, 2));
	g_assert_true(has_customer(f->copy, "carol@example.net"));
	g_assert_cmpuint(check_problems(f->copy), ==, 0);
	mine = ledger_of(f->copy);
	g_assert_cmpuint(mine->len, ==, 1);

	/* Twice changes nothing. */
	replay(f, &r);
	g_assert_cmpuint(r.applied, ==, 0);
	g_assert_cmpuint(r.known, ==, 1);
	g_assert_cmpuint(r.removed.customers, ==, 0);
	md_replay_report_clear(&r);
}

/* check reports an entry whose data is still there. */
static void
test_check_reports(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;

	deliver(f, f->live, "alice@example.net", "a1@example.net", NULL,
	    "AliceSecret", T0);
	take_copy(f);
	erase(f, "alice@example.net", T_ERASE);
	/* The entry lands in the copy's ledger, its data stays. */
	entries = ledger_of(f->live);
	g_assert_true(md_store_begin(f->copy, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_ledger_append(&txn, g_ptr_array_index(entries, 0),
	    &error));
	g_assert_true(md_store_commit(&txn, &error));
	g_assert_cmpuint(check_problems(f->copy), ==, 1);
	g_assert_cmpuint(check_problems(f->live), ==, 0);
}

/*
 * A message the ledger names whose record is corrupt: check says so, and
 * the replay stops rather than pass it over (it may be what was erased).
 */
static void
test_corrupt_message(Fixture *f, gconstpointer data)
{
	static const char garbage[] = "not a record";
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(
	    g_free);
	MdReplayReport r;
	guint8 key[12];
	guint n = 0;
	gboolean named = FALSE;

	deliver(f, f->live, "alice@example.net", "a1@example.net", NULL,
	    "AliceSecret", T0);
	take_copy(f);
	erase(f, "alice@example.net", T_ERASE);
	entries = ledger_of(f->live);
	md_key_ticket_seq(key, 1, 1);
	{
		g_auto(MdTxn) txn = MD_TXN_INIT;

		g_assert_true(md_store_begin(f->copy, MD_TXN_WRITE, &txn,
		    &error));
		g_assert_true(md_store_put(&txn, MD_DB_MESSAGES, key,
		    sizeof(key), garbage, sizeof(garbage) - 1, 0, &error));
		g_assert_true(md_store_commit(&txn, &error));
		g_assert_no_error(error);
	}

	/* The replay stops, and removes nothing. */
	{
		g_auto(MdTxn) txn = MD_TXN_INIT;

		md_replay_report_init(&r);
		g_assert_true(md_store_begin(f->copy, MD_TXN_WRITE, &txn,
		    &error));
		g_assert_false(md_replay_apply(&txn, entries, &r, &error));
		g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
		g_assert_nonnull(strstr(error->message, "ticket 1 message 1"));
		g_clear_error(&error);
		md_replay_report_clear(&r);
	}
	g_assert_true(has_ticket(f->copy, 1));
	g_assert_true(has_customer(f->copy, "alice@example.net"));

	/* With the entry in its ledger, check names the corrupt message. */
	{
		g_auto(MdTxn) txn = MD_TXN_INIT;

		g_assert_true(md_store_begin(f->copy, MD_TXN_WRITE, &txn,
		    &error));
		g_assert_true(md_ledger_append(&txn,
		    g_ptr_array_index(entries, 0), &error));
		g_assert_true(md_store_commit(&txn, &error));
		g_assert_no_error(error);
	}
	g_assert_true(md_check_ledger(f->copy, problems, &n, &error));
	g_assert_no_error(error);
	for (guint i = 0; i < problems->len; i++) {
		const char *p = g_ptr_array_index(problems, i);

		named |= strstr(p, "corrupt record") != NULL &&
		    strstr(p, "ticket 1 message 1") != NULL;
	}
	g_assert_true(named);
}

/* Someone who writes again after the erasure is not erased by a replay. */
static void
test_newer_data_stays(Fixture *f, gconstpointer data)
{
	MdReplayReport r;

	deliver(f, f->live, "alice@example.net", "a1@example.net", NULL,
	    "AliceSecret", T0);
	erase(f, "alice@example.net", T_ERASE);
	deliver(f, f->live, "alice@example.net", "a3@example.net", NULL,
	    "AliceAgain", T_LATER);
	/* The live store has her again: not a leftover of the erasure. */
	g_assert_cmpuint(check_problems(f->live), ==, 0);
	take_copy(f);
	{
		g_autoptr(GError) error = NULL;
		g_auto(MdTxn) txn = MD_TXN_INIT;

		/* A copy that lacks the entry, with her newer data. */
		g_assert_true(md_store_begin(f->copy, MD_TXN_WRITE, &txn,
		    &error));
		g_assert_true(md_store_clear(&txn, MD_DB_LEDGER, &error));
		g_assert_true(md_store_commit(&txn, &error));
	}
	replay(f, &r);
	g_assert_cmpuint(r.applied, ==, 1);
	g_assert_cmpuint(r.removed.customers, ==, 0);
	g_assert_cmpuint(r.removed.tickets->len, ==, 0);
	md_replay_report_clear(&r);
	g_assert_true(has_customer(f->copy, "alice@example.net"));
}

/* Expiry: the ticket goes, and the profile left with nothing. */
static void
test_replay_expire(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(MdTicket) t = NULL;
	MdReplayReport rr;
	MdEraseReport r;

	deliver(f, f->live, "dora@example.net", "d1@example.net", NULL,
	    "DoraText", T0);
	deliver(f, f->live, "eve@example.net", "e1@example.net", NULL,
	    "EveText", T0);
	g_assert_true(md_store_begin(f->live, MD_TXN_WRITE, &txn, &error));
	t = md_ticket_load(&txn, 1, &error);
	md_ticket_set_status(t, MD_STATUS_CLOSED, T0);
	g_assert_true(md_ticket_save(&txn, t, &error));
	g_assert_true(md_store_commit(&txn, &error));
	take_copy(f);

	g_assert_true(md_store_begin(f->live, MD_TXN_WRITE, &txn, &error));
	md_privacy_report_init(&r);
	g_assert_true(md_privacy_expire(&txn, f->config, T0 + 3 * 86400, &r,
	    &error));
	g_assert_no_error(error);
	g_assert_cmpuint(r.tickets->len, ==, 1);
	g_assert_cmpuint(r.customers, ==, 1);
	md_privacy_report_clear(&r);
	g_assert_true(md_store_commit(&txn, &error));

	replay(f, &rr);
	g_assert_cmpuint(rr.removed.tickets->len, ==, 1);
	g_assert_cmpuint(rr.removed.customers, ==, 1);
	md_replay_report_clear(&rr);
	g_assert_false(has_ticket(f->copy, 1));
	g_assert_false(has_customer(f->copy, "dora@example.net"));
	g_assert_true(has_ticket(f->copy, 2));
	g_assert_true(has_customer(f->copy, "eve@example.net"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add("/ledger/erase-records", Fixture, NULL, set_up,
	    test_erase_records, tear_down);
	g_test_add("/ledger/nothing-recorded", Fixture, NULL, set_up,
	    test_nothing_recorded, tear_down);
	g_test_add("/ledger/replay-erase", Fixture, NULL, set_up,
	    test_replay_erase, tear_down);
	g_test_add("/ledger/check-reports", Fixture, NULL, set_up,
	    test_check_reports, tear_down);
	g_test_add("/ledger/corrupt-message", Fixture, NULL, set_up,
	    test_corrupt_message, tear_down);
	g_test_add("/ledger/newer-data-stays", Fixture, NULL, set_up,
	    test_newer_data_stays, tear_down);
	g_test_add("/ledger/replay-expire", Fixture, NULL, set_up,
	    test_replay_expire, tear_down);
	return g_test_run();
}
