/* SPDX-License-Identifier: MIT */
/*
 * The LMDB store itself: init and open, counters, get, put and delete.
 * Every test has its own temp dir (test-fixture.h).
 */
#include <string.h>

#include <glib/gstdio.h>

#include "test-fixture.h"
#include "test-util.h"
#include "maildesk/error.h"
#include "maildesk/store.h"

#define MAP_SIZE_BYTES MD_TEST_MAP_BYTES

typedef MdTestStore Fixture;

#define set_up_dir md_test_store_set_up_dir
#define set_up_store md_test_store_set_up
#define set_up_small_store md_test_store_set_up_small
#define tear_down md_test_store_tear_down

static GBytes *
read_secret(MdStore *store)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	GBytes *secret;

	g_assert_true(md_store_begin(store, MD_TXN_READ, &txn, &error));
	secret = md_store_secret(&txn, &error);
	g_assert_no_error(error);
	g_assert_nonnull(secret);
	return secret;
}

/* md_store_init, md_store_open */

static void
test_init_creates(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdStore) store = NULL;
	g_autoptr(GBytes) secret = NULL;
	g_autofree char *mdb = g_build_filename(f->store_path, "data.mdb",
	    NULL);
	gboolean created = FALSE;

	g_assert_true(md_store_init(f->store_path, MAP_SIZE_BYTES, &created,
	    &error));
	g_assert_no_error(error);
	g_assert_true(created);
	g_assert_true(g_file_test(mdb, G_FILE_TEST_IS_REGULAR));

	store = md_store_open(f->store_path, MAP_SIZE_BYTES, &error);
	g_assert_no_error(error);
	g_assert_nonnull(store);
	g_assert_cmpstr(md_store_path(store), ==, f->store_path);
	secret = read_secret(store);
	g_assert_cmpuint(g_bytes_get_size(secret), ==, 32);
}

static void
test_init_idempotent(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) first = NULL;
	g_autoptr(GBytes) second = NULL;
	gboolean created = FALSE;

	g_assert_true(md_store_init(f->store_path, MAP_SIZE_BYTES, &created,
	    &error));
	g_assert_no_error(error);
	g_assert_true(created);
	{
		g_autoptr(MdStore) store = md_store_open(f->store_path,
		    MAP_SIZE_BYTES, &error);

		g_assert_no_error(error);
		first = read_secret(store);
	}

	created = TRUE;
	g_assert_true(md_store_init(f->store_path, MAP_SIZE_BYTES, &created,
	    &error));
	g_assert_no_error(error);
	g_assert_false(created);
	{
		g_autoptr(MdStore) store = md_store_open(f->store_path,
		    MAP_SIZE_BYTES, &error);

		g_assert_no_error(error);
		second = read_secret(store);
	}
	g_assert_true(g_bytes_equal(first, second));
}

static void
test_init_existing_empty_dir(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gboolean created = FALSE;

	/* The temp dir exists already; the store in it does not. */
	g_assert_true(md_store_init(f->dir, MAP_SIZE_BYTES, &created,
	    &error));
	g_assert_no_error(error);
	g_assert_true(created);
}

static void
test_open_missing(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdStore) store = NULL;
	g_autofree char *mdb = g_build_filename(f->store_path, "data.mdb",
	    NULL);

	store = md_store_open(f->store_path, MAP_SIZE_BYTES, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_TEMPFAIL);
	g_assert_null(store);
	/* Opening must not create what init would. */
	g_assert_false(g_file_test(mdb, G_FILE_TEST_EXISTS));
}

static void
test_open_uninitialised_dir(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdStore) store = NULL;

	store = md_store_open(f->dir, MAP_SIZE_BYTES, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_TEMPFAIL);
	g_assert_null(store);
}

/*
 * A store made by an older maildesk lacks the databases added since: the
 * first open adds them, empty, rather than deferring mail until init.
 */
static void
test_open_adds_new_databases(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdStore) store = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	gboolean created = FALSE;
	MDB_env *env = NULL;
	MDB_txn *raw = NULL;
	MDB_dbi dbi;
	MDB_val v;

	g_assert_true(md_store_init(f->store_path, MAP_SIZE_BYTES, &created,
	    &error));
	/* What an older maildesk left: no "search_queue", no "ratelimit". */
	g_assert_cmpint(mdb_env_create(&env), ==, 0);
	g_assert_cmpint(mdb_env_set_maxdbs(env, 64), ==, 0);
	g_assert_cmpint(mdb_env_open(env, f->store_path, 0, 0600), ==, 0);
	g_assert_cmpint(mdb_txn_begin(env, NULL, 0, &raw), ==, 0);
	g_assert_cmpint(mdb_dbi_open(raw, "search_queue", 0, &dbi), ==, 0);
	g_assert_cmpint(mdb_drop(raw, dbi, 1), ==, 0);
	g_assert_cmpint(mdb_dbi_open(raw, "ratelimit", 0, &dbi), ==, 0);
	g_assert_cmpint(mdb_drop(raw, dbi, 1), ==, 0);
	g_assert_cmpint(mdb_txn_commit(raw), ==, 0);
	mdb_env_close(env);

	store = md_store_open(f->store_path, MAP_SIZE_BYTES, &error);
	g_assert_no_error(error);
	g_assert_nonnull(store);
	g_assert_true(md_store_begin(store, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_store_put(&txn, MD_DB_RATELIMIT, "k", 1, "v", 1, 0,
	    &error));
	g_assert_true(md_store_commit(&txn, &error));
	g_assert_no_error(error);
	g_assert_true(md_store_begin(store, MD_TXN_READ, &txn, &error));
	g_assert_true(md_store_get(&txn, MD_DB_RATELIMIT, "k", 1, &v,
	    &error));
	g_assert_cmpuint(v.mv_size, ==, 1);
}

/* md_store_next_id, get, put, del */

static guint64
next_id(MdStore *store, const char *name, gboolean commit)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	guint64 id = 0;

	g_assert_true(md_store_begin(store, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_store_next_id(&txn, name, &id, &error));
	g_assert_no_error(error);
	if (commit) {
		g_assert_true(md_store_commit(&txn, &error));
		g_assert_no_error(error);
		g_assert_null(txn.txn);
	}
	/* Otherwise the g_auto cleanup aborts it. */
	return id;
}

static void
test_next_id(Fixture *f, gconstpointer data)
{
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 1);
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 2);
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 3);
	/* Aborted: 4 is handed out but not kept. */
	g_assert_cmpuint(next_id(f->store, "next-test", FALSE), ==, 4);
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 4);
	/* Counters are independent. */
	g_assert_cmpuint(next_id(f->store, "next-other", TRUE), ==, 1);
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 5);
}

static void
test_next_id_persists(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 1);
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 2);
	g_clear_pointer(&f->store, md_store_close);
	f->store = md_store_open(f->store_path, MAP_SIZE_BYTES, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 3);
}

static void
test_get_put_del(Fixture *f, gconstpointer data)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	MDB_val v;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	g_assert_false(md_store_get(&txn, MD_DB_AUDIT, "k", 1, &v, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
	g_clear_error(&error);

	g_assert_true(md_store_put(&txn, MD_DB_AUDIT, "k", 1, "value", 5, 0,
	    &error));
	g_assert_true(md_store_get(&txn, MD_DB_AUDIT, "k", 1, &v, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(v.mv_data, v.mv_size, "value", 5);

	g_assert_true(md_store_del(&txn, MD_DB_AUDIT, "k", 1, NULL, 0,
	    &error));
	/* Deleting what is not there is fine. */
	g_assert_true(md_store_del(&txn, MD_DB_AUDIT, "k", 1, NULL, 0,
	    &error));
	g_assert_no_error(error);
	g_assert_false(md_store_get(&txn, MD_DB_AUDIT, "k", 1, &v, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
}

#define ADD_DIR(path, fn) \
	g_test_add(path, Fixture, NULL, set_up_dir, fn, tear_down)
#define ADD_STORE(path, fn) \
	g_test_add(path, Fixture, NULL, set_up_store, fn, tear_down)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	ADD_DIR("/store/init/creates", test_init_creates);
	ADD_DIR("/store/init/idempotent", test_init_idempotent);
	ADD_DIR("/store/init/existing-empty-dir",
	    test_init_existing_empty_dir);
	ADD_DIR("/store/open/missing", test_open_missing);
	ADD_DIR("/store/open/uninitialised-dir", test_open_uninitialised_dir);
	ADD_DIR("/store/open/adds-new-databases", test_open_adds_new_databases);
	ADD_STORE("/store/next-id/count", test_next_id);
	ADD_STORE("/store/next-id/persists", test_next_id_persists);
	ADD_STORE("/store/get-put-del", test_get_put_del);
	return g_test_run();
}
