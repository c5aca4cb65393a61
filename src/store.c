/* SPDX-License-Identifier: MIT */
/*
 * LMDB environment, transactions and error mapping.  Durability comes from
 * LMDB's default sync on commit; MDB_NOSYNC and friends are never used,
 * because exit 0 from deliver tells the MTA it may forget the message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/random.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/store.h"

struct MdStore {
	char *path;
	MDB_env *env;
	MDB_dbi dbi[MD_DB_COUNT];
	guint64 map_size_bytes;
	int lock_fd;		/* shared flock while the store is open */
};

/*
 * Swapping in a compacted data file is safe only while no process has the
 * environment open.  Every process holds a shared flock on LOCK_FILE while
 * it has the store open; compaction takes it exclusively.  GATE_FILE keeps
 * new openers out while compaction waits, so it cannot be starved: an
 * opener passes the gate (shared) before it takes the lock, and
 * compaction holds the gate exclusively while it waits and swaps.  The
 * wait of a delivery is bounded by its watchdog (exit 75, retried).
 */
#define LOCK_FILE "maildesk.lock"
#define GATE_FILE "maildesk.gate"

/*
 * The files of a store, none of which may be a symbolic link: whoever
 * could plant one could make us write through it to a file outside the
 * store (the directory is 0700 and the user's own, so that is its owner or
 * root; the check keeps a mistake from turning into damage elsewhere).
 * LMDB opens data.mdb and lock.mdb by name, so they are checked before;
 * our own files are opened with O_NOFOLLOW.
 */
static const char *const store_files[] = {
	"data.mdb", "lock.mdb", LOCK_FILE, GATE_FILE,
	/* only compaction writes these: */
	"compact.tmp", "compact.tmp/data.mdb", "compact.tmp/lock.mdb",
};
#define OPEN_FILES 4	/* the first four: what every open touches */

/* The first @n of store_files. */
static gboolean
no_symlinks(const char *dir, guint n, GError **error)
{
	for (guint i = 0; i < n; i++) {
		g_autofree char *path = g_build_filename(dir, store_files[i],
		    NULL);
		struct stat st;

		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "store %s: %s is a symbolic link, refusing to "
			    "follow it", dir, store_files[i]);
			return FALSE;
		}
	}
	return TRUE;
}

static int
lock_open(const char *dir, const char *name, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		int saved = errno;

		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL, "store %s: %s",
		    path, g_strerror(saved));
	}
	return fd;
}

static gboolean
lock_take(int fd, int how, const char *what, GError **error)
{
	while (flock(fd, how) != 0) {
		int saved = errno;

		if (saved == EINTR)
			continue;
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "store: cannot lock %s: %s", what, g_strerror(saved));
		return FALSE;
	}
	return TRUE;
}

int
md_store_lock(MdStore *store, const char *name, int how, GError **error)
{
	int fd = lock_open(store->path, name, error);

	if (fd >= 0 && !lock_take(fd, how, name, error)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Passes the gate and takes the shared lock; sets store->lock_fd. */
static gboolean
enter(MdStore *store, GError **error)
{
	int gate = lock_open(store->path, GATE_FILE, error);
	gboolean ok;

	if (gate < 0)
		return FALSE;
	store->lock_fd = lock_open(store->path, LOCK_FILE, error);
	ok = store->lock_fd >= 0 &&
	    lock_take(gate, LOCK_SH, GATE_FILE, error) &&
	    lock_take(store->lock_fd, LOCK_SH, LOCK_FILE, error);
	close(gate);	/* releases the gate, keeps the lock */
	return ok;
}

static const struct {
	const char *name;
	unsigned flags;
} dbs[MD_DB_COUNT] = {
	[MD_DB_META] = { "meta", 0 },
	[MD_DB_TICKETS] = { "tickets", 0 },
	[MD_DB_MESSAGES] = { "messages", 0 },
	[MD_DB_RAW] = { "raw", 0 },
	[MD_DB_MSGID] = { "msgid", MDB_DUPSORT },
	[MD_DB_DEDUPE] = { "dedupe", 0 },
	[MD_DB_CUSTOMERS] = { "customers", 0 },
	[MD_DB_CUSTOMER_EMAIL] = { "customer_email", 0 },
	[MD_DB_CUSTOMER_TICKETS] = { "customer_tickets", 0 },
	[MD_DB_OUTBOX] = { "outbox", 0 },
	[MD_DB_RATELIMIT] = { "ratelimit", 0 },
	[MD_DB_AUDIT] = { "audit", 0 },
	[MD_DB_AGENTS] = { "agents", 0 },
	[MD_DB_LEDGER] = { "ledger", 0 },
	[MD_DB_SEARCH_QUEUE] = { "search_queue", 0 },
};

const char *
md_store_db_name(MdDb db)
{
	return dbs[db].name;
}

void
md_store_set_error(GError **error, int rc, const char *what)
{
	MdErrorCode code;

	switch (rc) {
	case MDB_MAP_FULL:
	case MDB_READERS_FULL:
	case MDB_TXN_FULL:
	case MDB_MAP_RESIZED:
	case MDB_BAD_RSLOT:
	case ENOSPC:
	case EIO:
	case EAGAIN:
	case EBUSY:
	case ENOMEM:
	case EACCES:
	case EROFS:
	case ENOENT:
	case EPERM:
	case EDQUOT:
		code = MD_ERROR_TEMPFAIL;
		break;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID:
		code = MD_ERROR_CORRUPT;
		break;
	case MDB_NOTFOUND:
		code = MD_ERROR_NOT_FOUND;
		break;
	default:
		code = MD_ERROR_INTERNAL;
		break;
	}
	g_set_error(error, MD_ERROR, code, "%s: %s", what, mdb_strerror(rc));
}

const char *
md_store_path(const MdStore *store)
{
	return store->path;
}

void
md_store_close(MdStore *store)
{
	if (store == NULL)
		return;
	if (store->env != NULL)
		mdb_env_close(store->env);
	if (store->lock_fd >= 0)
		close(store->lock_fd);
	g_free(store->path);
	g_free(store);
}

/*
 * Opens the environment and its databases.  Only init (@create) takes the
 * writer lock to create databases; everyone else opens them in a read
 * transaction, so opening never waits for a delivery in progress.
 */
static MdStore *
open_env_locked(const char *path, guint64 map_size_bytes, gboolean create,
    gboolean take_locks, GError **error);

static MdStore *
open_env(const char *path, guint64 map_size_bytes, gboolean create,
    GError **error)
{
	return open_env_locked(path, map_size_bytes, create, TRUE, error);
}

static MdStore *
open_env_locked(const char *path, guint64 map_size_bytes, gboolean create,
    gboolean take_locks, GError **error)
{
	g_autoptr(MdStore) store = g_new0(MdStore, 1);
	MDB_txn *txn = NULL;
	int rc, dead = 0;

	store->path = g_strdup(path);
	store->map_size_bytes = map_size_bytes;
	store->lock_fd = -1;
	if (!no_symlinks(path, OPEN_FILES, error))
		return NULL;
	if (take_locks && !enter(store, error))
		return NULL;
	if ((rc = mdb_env_create(&store->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(store->env, MD_DB_COUNT + 4)) != 0 ||
	    (rc = mdb_env_set_mapsize(store->env, map_size_bytes)) != 0) {
		md_store_set_error(error, rc, "store");
		return NULL;
	}
	/*
	 * MDB_NOTLS: a read transaction is not tied to a thread slot, so a
	 * reader that dies is reclaimed by mdb_reader_check() below.
	 */
	rc = mdb_env_open(store->env, path, MDB_NOTLS, 0600);
	if (rc != 0) {
		md_store_set_error(error, rc, "store");
		if (rc == ENOENT)
			g_prefix_error(error, "store %s not initialised "
			    "(run maildesk init): ", path);
		return NULL;
	}
	mdb_reader_check(store->env, &dead);

	if ((rc = mdb_txn_begin(store->env, NULL, create ? 0 : MDB_RDONLY,
	    &txn)) != 0) {
		md_store_set_error(error, rc, "store");
		return NULL;
	}
	for (int i = 0; i < MD_DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, dbs[i].name, dbs[i].flags |
		    (create ? MDB_CREATE : 0), &store->dbi[i]);
		if (rc == MDB_NOTFOUND && i > MD_DB_META && !create) {
			/*
			 * Made by an older maildesk: add the databases that
			 * are new, empty, once, so that an upgrade never
			 * defers mail until somebody runs init.
			 */
			mdb_txn_abort(txn);
			md_info("store upgrade: adding database %s and any "
			    "other new one", dbs[i].name);
			if ((rc = mdb_txn_begin(store->env, NULL, 0, &txn)) != 0) {
				md_store_set_error(error, rc, "store upgrade");
				return NULL;
			}
			create = TRUE;
			i = -1;
			continue;
		}
		if (rc == MDB_NOTFOUND) {
			mdb_txn_abort(txn);
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "store %s lacks database %s (run maildesk init)",
			    path, dbs[i].name);
			return NULL;
		}
		if (rc != 0) {
			mdb_txn_abort(txn);
			md_store_set_error(error, rc, dbs[i].name);
			return NULL;
		}
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		md_store_set_error(error, rc, "store");
		return NULL;
	}
	return g_steal_pointer(&store);
}

static gboolean
check_schema(MdStore *store, gboolean create, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	MDB_val v;
	g_autoptr(GError) e = NULL;
	guint32 version;

	if (!md_store_begin(store, create ? MD_TXN_WRITE : MD_TXN_READ, &txn,
	    error))
		return FALSE;
	if (!md_store_get(&txn, MD_DB_META, "schema", 6, &v, &e)) {
		guint8 secret[32];
		guint32 be = GUINT32_TO_BE(MD_STORE_SCHEMA_VERSION);

		if (!create) {
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "store %s not initialised (run maildesk init)",
			    store->path);
			return FALSE;
		}
		/* The reply-address secret: kernel randomness or nothing. */
		if (getrandom(secret, sizeof(secret), 0) !=
		    (ssize_t)sizeof(secret)) {
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "store: no random bytes for the secret: %s",
			    g_strerror(errno));
			return FALSE;
		}
		if (!md_store_put(&txn, MD_DB_META, "schema", 6, &be, 4, 0,
		    error) ||
		    !md_store_put(&txn, MD_DB_META, "secret", 6, secret,
		    sizeof(secret), 0, error))
			return FALSE;
		return md_store_commit(&txn, error);
	}
	if (v.mv_size != 4) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "store %s: bad schema record", store->path);
		return FALSE;
	}
	version = md_key_read_be32(v.mv_data);
	if (version != MD_STORE_SCHEMA_VERSION) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "store %s: schema version %u, this maildesk reads %u",
		    store->path, version, MD_STORE_SCHEMA_VERSION);
		return FALSE;
	}
	return TRUE;
}

gboolean
md_store_init(const char *path, guint64 map_size_bytes, gboolean *created,
    GError **error)
{
	g_autoptr(MdStore) store = NULL;
	g_autofree char *data = g_build_filename(path, "data.mdb", NULL);
	gboolean existed = g_file_test(data, G_FILE_TEST_EXISTS);

	if (g_mkdir_with_parents(path, 0700) != 0) {
		int saved = errno;

		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "store %s: %s", path, g_strerror(saved));
		return FALSE;
	}
	store = open_env(path, map_size_bytes, TRUE, error);
	if (store == NULL)
		return FALSE;
	{
		g_autoptr(GError) e = NULL;
		g_auto(MdTxn) txn = MD_TXN_INIT;
		MDB_val v;
		gboolean has;

		if (!md_store_begin(store, MD_TXN_READ, &txn, error))
			return FALSE;
		has = md_store_get(&txn, MD_DB_META, "schema", 6, &v, &e);
		md_txn_clear(&txn);
		*created = !existed || !has;
	}
	return check_schema(store, TRUE, error);
}

MdStore *
md_store_open(const char *path, guint64 map_size_bytes, GError **error)
{
	g_autoptr(MdStore) store = NULL;
	g_autofree char *data = g_build_filename(path, "data.mdb", NULL);

	/* LMDB would create an empty environment; deliver must not. */
	if (access(data, F_OK) != 0) {
		int saved = errno;

		if (saved == ENOENT)
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "store %s not initialised (run maildesk init)",
			    path);
		else
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "store %s: %s", path, g_strerror(saved));
		return NULL;
	}
	store = open_env(path, map_size_bytes, FALSE, error);
	if (store == NULL)
		return NULL;
	if (!check_schema(store, FALSE, error))
		return NULL;
	return g_steal_pointer(&store);
}

gboolean
md_store_begin(MdStore *store, MdTxnMode mode, MdTxn *txn, GError **error)
{
	int rc;

	g_return_val_if_fail(txn->txn == NULL, FALSE);
	rc = mdb_txn_begin(store->env, NULL,
	    mode == MD_TXN_READ ? MDB_RDONLY : 0, &txn->txn);
	if (rc != 0) {
		txn->txn = NULL;
		md_store_set_error(error, rc, "store: begin");
		return FALSE;
	}
	txn->store = store;
	return TRUE;
}

guint64
md_store_txn_id(MdTxn *txn)
{
	return (guint64)mdb_txn_id(txn->txn);
}

gboolean
md_store_begin_nested(MdTxn *parent, MdTxn *txn, GError **error)
{
	int rc;

	g_return_val_if_fail(txn->txn == NULL && parent->txn != NULL, FALSE);
	rc = mdb_txn_begin(parent->store->env, parent->txn, 0, &txn->txn);
	if (rc != 0) {
		txn->txn = NULL;
		md_store_set_error(error, rc, "store: begin nested");
		return FALSE;
	}
	txn->store = parent->store;
	return TRUE;
}

gboolean
md_store_commit(MdTxn *txn, GError **error)
{
	int rc = mdb_txn_commit(txn->txn);

	txn->txn = NULL;
	if (rc != 0) {
		struct statvfs fs;

		md_store_set_error(error, rc, "store: commit");
		/* LMDB calls a short write EIO: name the usual cause. */
		if ((rc == EIO || rc == ENOSPC || rc == EDQUOT) &&
		    statvfs(txn->store->path, &fs) == 0 &&
		    (guint64)fs.f_bavail * fs.f_frsize < 4 * 1024 * 1024)
			g_prefix_error(error, "file system full: ");
		return FALSE;
	}
	return TRUE;
}

void
md_txn_clear(MdTxn *txn)
{
	if (txn->txn != NULL)
		mdb_txn_abort(txn->txn);
	txn->txn = NULL;
}

gboolean
md_store_get(MdTxn *txn, MdDb db, const void *key, gsize klen, MDB_val *out,
    GError **error)
{
	MDB_val k = { klen, (void *)key };
	int rc = mdb_get(txn->txn, txn->store->dbi[db], &k, out);

	if (rc != 0) {
		md_store_set_error(error, rc, dbs[db].name);
		return FALSE;
	}
	return TRUE;
}

gboolean
md_store_lookup(MdTxn *txn, MdDb db, const void *key, gsize klen,
    MDB_val *out, gboolean *found, GError **error)
{
	MDB_val k = { klen, (void *)key };
	int rc = mdb_get(txn->txn, txn->store->dbi[db], &k, out);

	*found = rc == 0;
	if (rc != 0 && rc != MDB_NOTFOUND) {
		md_store_set_error(error, rc, dbs[db].name);
		return FALSE;
	}
	return TRUE;
}

gboolean
md_store_put(MdTxn *txn, MdDb db, const void *key, gsize klen,
    const void *data, gsize dlen, unsigned flags, GError **error)
{
	MDB_val k = { klen, (void *)key };
	MDB_val v = { dlen, (void *)data };
	int rc = mdb_put(txn->txn, txn->store->dbi[db], &k, &v, flags);

	if (rc != 0) {
		md_store_set_error(error, rc, dbs[db].name);
		return FALSE;
	}
	return TRUE;
}

void *
md_store_reserve(MdTxn *txn, MdDb db, const void *key, gsize klen,
    gsize dlen, GError **error)
{
	MDB_val k = { klen, (void *)key };
	MDB_val v = { dlen, NULL };
	int rc = mdb_put(txn->txn, txn->store->dbi[db], &k, &v, MDB_RESERVE);

	if (rc != 0) {
		md_store_set_error(error, rc, dbs[db].name);
		return NULL;
	}
	return v.mv_data;
}

gboolean
md_store_del(MdTxn *txn, MdDb db, const void *key, gsize klen,
    const void *data, gsize dlen, GError **error)
{
	MDB_val k = { klen, (void *)key };
	MDB_val v = { dlen, (void *)data };
	int rc = mdb_del(txn->txn, txn->store->dbi[db], &k,
	    data != NULL ? &v : NULL);

	if (rc != 0 && rc != MDB_NOTFOUND) {
		md_store_set_error(error, rc, dbs[db].name);
		return FALSE;
	}
	return TRUE;
}

gboolean
md_store_next_id(MdTxn *txn, const char *name, guint64 *out, GError **error)
{
	MDB_val v;
	gboolean found;
	guint64 next = 1;
	guint8 buf[8];

	if (!md_store_lookup(txn, MD_DB_META, name, strlen(name), &v, &found,
	    error))
		return FALSE;
	if (found) {
		if (v.mv_size != 8) {
			g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
			    "meta %s: bad counter", name);
			return FALSE;
		}
		next = md_key_read_be64(v.mv_data);
	}
	md_key_be64(buf, next + 1);
	if (!md_store_put(txn, MD_DB_META, name, strlen(name), buf, 8, 0,
	    error))
		return FALSE;
	*out = next;
	return TRUE;
}

GBytes *
md_store_secret(MdTxn *txn, GError **error)
{
	MDB_val v;

	if (!md_store_get(txn, MD_DB_META, "secret", 6, &v, error))
		return NULL;
	return g_bytes_new(v.mv_data, v.mv_size);
}

gboolean
md_store_foreach(MdTxn *txn, MdDb db, const void *prefix, gsize plen,
    MdStoreEachFunc fn, gpointer user_data, GError **error)
{
	return md_store_foreach_from(txn, db, prefix, plen, plen, fn,
	    user_data, error);
}

gboolean
md_store_foreach_from(MdTxn *txn, MdDb db, const void *start, gsize slen,
    gsize plen, MdStoreEachFunc fn, gpointer user_data, GError **error)
{
	MDB_cursor *cur = NULL;
	MDB_val k = { slen, (void *)start }, v;
	int rc = mdb_cursor_open(txn->txn, txn->store->dbi[db], &cur);

	g_return_val_if_fail(plen <= slen, FALSE);
	if (rc != 0) {
		md_store_set_error(error, rc, dbs[db].name);
		return FALSE;
	}
	rc = mdb_cursor_get(cur, &k, &v, slen > 0 ? MDB_SET_RANGE : MDB_FIRST);
	while (rc == 0) {
		if (plen > 0 && (k.mv_size < plen ||
		    memcmp(k.mv_data, start, plen) != 0))
			break;
		if (!fn(&k, &v, user_data))
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		md_store_set_error(error, rc, dbs[db].name);
		return FALSE;
	}
	return TRUE;
}

gboolean
md_store_foreach_dup(MdTxn *txn, MdDb db, const void *key, gsize klen,
    MdStoreEachFunc fn, gpointer user_data, GError **error)
{
	MDB_cursor *cur = NULL;
	MDB_val k = { klen, (void *)key }, v;
	int rc = mdb_cursor_open(txn->txn, txn->store->dbi[db], &cur);

	if (rc != 0) {
		md_store_set_error(error, rc, dbs[db].name);
		return FALSE;
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	while (rc == 0) {
		if (!fn(&k, &v, user_data))
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		md_store_set_error(error, rc, dbs[db].name);
		return FALSE;
	}
	return TRUE;
}

char *
md_store_key_text(const char *text)
{
	/*
	 * LMDB keys are at most 511 bytes.  Longer text (a hostile
	 * Message-ID, an absurd address) is keyed by its digest instead, so
	 * it is stored and found like any other.
	 */
	g_autofree char *sum = NULL;

	if (strlen(text) <= MD_STORE_MAX_TEXT_KEY)
		return g_strdup(text);
	sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
	return g_strconcat("#sha256:", sum, NULL);
}

/* Replaces @store's environment by a fresh one on the current file. */
static gboolean
reopen(MdStore *store, GError **error)
{
	g_autoptr(MdStore) again = NULL;

	if (store->env != NULL) {
		mdb_env_close(store->env);
		store->env = NULL;
	}
	again = open_env_locked(store->path, store->map_size_bytes, FALSE,
	    FALSE, error);
	if (again == NULL)
		return FALSE;
	store->env = again->env;
	again->env = NULL;
	memcpy(store->dbi, again->dbi, sizeof(store->dbi));
	return TRUE;
}

gboolean
md_store_yield(MdStore *store, gboolean *yielded, GError **error)
{
	int gate = lock_open(store->path, GATE_FILE, error);
	gboolean ok;

	*yielded = FALSE;
	if (gate < 0)
		return FALSE;
	if (flock(gate, LOCK_SH | LOCK_NB) == 0) {
		close(gate);	/* nobody waits at the gate */
		return TRUE;
	}
	if (errno != EWOULDBLOCK) {
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "store: cannot lock %s: %s", GATE_FILE, g_strerror(errno));
		close(gate);
		return FALSE;
	}
	/* A compaction holds the gate and waits for us to leave. */
	*yielded = TRUE;
	mdb_env_close(store->env);
	store->env = NULL;
	flock(store->lock_fd, LOCK_UN);
	ok = lock_take(gate, LOCK_SH, GATE_FILE, error) &&
	    lock_take(store->lock_fd, LOCK_SH, LOCK_FILE, error);
	close(gate);
	return ok && reopen(store, error);
}

/*
 * Puts @newdata in place of @dir's data.mdb: on disk before it replaces
 * the original (a crash leaves one or the other whole), and the lock file
 * goes with the old file, since readers' slots and the last transaction id
 * belong to it.  The caller holds the store's lock exclusively.
 */
static gboolean
swap_in(const char *dir, const char *newdata, const char *what,
    GError **error)
{
	g_autofree char *data = g_build_filename(dir, "data.mdb", NULL);
	g_autofree char *lock = g_build_filename(dir, "lock.mdb", NULL);
	int fd = open(newdata, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "syncing %s: %s", what, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return FALSE;
	}
	close(fd);
	if (rename(newdata, data) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "putting %s in place: %s", what, g_strerror(errno));
		return FALSE;
	}
	unlink(lock);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return TRUE;
}

/*
 * Set in the transaction of an erase or expire that removed something,
 * cleared once a compaction went through: an erase killed between its
 * commit and the end of its compaction leaves the bytes in the free pages,
 * and this says so to the next erase, expire, compact and check.
 */
#define OWED_KEY "compaction-owed"

gboolean
md_store_compact(MdStore *store, GError **error)
{
	g_autofree char *tmp = g_build_filename(store->path, "compact.tmp",
	    NULL);
	g_autofree char *tmpdata = g_build_filename(tmp, "data.mdb", NULL);
	int gate, fd, rc;
	gboolean ok = FALSE;

	gate = lock_open(store->path, GATE_FILE, error);
	if (gate < 0)
		return FALSE;
	/*
	 * Let go of our own shared lock first: two compactions at once must
	 * not wait for each other's.  Then keep newcomers out, wait for
	 * everyone else to leave, and work on the file as it is now: another
	 * compaction may have swapped it meanwhile.
	 */
	flock(store->lock_fd, LOCK_UN);
	if (!lock_take(gate, LOCK_EX, GATE_FILE, error) ||
	    !lock_take(store->lock_fd, LOCK_EX, LOCK_FILE, error) ||
	    !reopen(store, error))
		goto out;
	if (!no_symlinks(store->path, G_N_ELEMENTS(store_files), error))
		goto out;
	if (g_mkdir_with_parents(tmp, 0700) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "compacting copy %s: %s", tmp, g_strerror(errno));
		goto out;
	}
	unlink(tmpdata);
	/*
	 * Our own descriptor, not mdb_env_copy2(): that opens the copy with
	 * O_DIRECT, one synchronous 1 MiB write after another, which took a
	 * store of 12 GB 2.6 times as long to copy; swap_in() syncs the
	 * file before it replaces the original.
	 */
	fd = open(tmpdata, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	rc = fd < 0 ? errno : mdb_env_copyfd2(store->env, fd, MDB_CP_COMPACT);
	if (fd >= 0)
		close(fd);
	if (rc != 0) {
		md_store_set_error(error, rc, "compacting copy");
		unlink(tmpdata);
		rmdir(tmp);
		goto out;
	}
	mdb_env_close(store->env);
	store->env = NULL;
	if (!swap_in(store->path, tmpdata, "the compacted copy", error))
		goto out;
	rmdir(tmp);
	ok = TRUE;
out:
	/* Open on the new file for whatever the caller does next. */
	if (store->env == NULL && !reopen(store, ok ? error : NULL))
		ok = FALSE;
	flock(store->lock_fd, LOCK_SH);
	close(gate);	/* the gate opens */
	/* Paid: a later erase or expire need not compact for this one. */
	if (ok) {
		g_auto(MdTxn) txn = MD_TXN_INIT;

		ok = md_store_begin(store, MD_TXN_WRITE, &txn, error) &&
		    md_store_del(&txn, MD_DB_META, OWED_KEY, strlen(OWED_KEY),
		    NULL, 0, error) && md_store_commit(&txn, error);
	}
	return ok;
}

gboolean
md_store_owe_compaction(MdTxn *txn, GError **error)
{
	return md_store_put(txn, MD_DB_META, OWED_KEY, strlen(OWED_KEY), "1",
	    1, 0, error);
}

gboolean
md_store_compaction_owed(MdStore *store, gboolean *owed, GError **error)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) e = NULL;
	MDB_val v;

	*owed = FALSE;
	if (!md_store_begin(store, MD_TXN_READ, &txn, error))
		return FALSE;
	if (md_store_get(&txn, MD_DB_META, OWED_KEY, strlen(OWED_KEY), &v,
	    &e)) {
		*owed = TRUE;
		return TRUE;
	}
	if (g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND))
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&e));
	return FALSE;
}

gboolean
md_store_clear(MdTxn *txn, MdDb db, GError **error)
{
	int rc = mdb_drop(txn->txn, txn->store->dbi[db], 0);

	if (rc != 0) {
		md_store_set_error(error, rc, dbs[db].name);
		return FALSE;
	}
	return TRUE;
}

gboolean
md_store_copy_to_fd(MdStore *store, int fd, GError **error)
{
	int rc = mdb_env_copyfd2(store->env, fd, MDB_CP_COMPACT);

	if (rc != 0) {
		md_store_set_error(error, rc, "store: copy");
		return FALSE;
	}
	return TRUE;
}

void
md_store_stat_clear(MdStoreStat *st)
{
	g_clear_pointer(&st->secret, g_bytes_unref);
}

gboolean
md_store_stat_file(const char *path, MdStoreStat *st, GError **error)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_stat ms;
	static char schema[] = "schema", secret[] = "secret";
	MDB_val k = { 6, schema }, v;
	int rc;

	memset(st, 0, sizeof(*st));
	/* No lock file: nobody else opens this copy. */
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, MD_DB_COUNT + 4)) != 0 ||
	    (rc = mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY |
	    MDB_NOLOCK | MDB_NOTLS, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0)
		goto fail;
	for (int i = 0; i < MD_DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, dbs[i].name, dbs[i].flags, &dbi);
		if (rc == MDB_NOTFOUND) {
			st->entries[i] = 0;
			continue;
		}
		if (rc != 0 || (rc = mdb_stat(txn, dbi, &ms)) != 0)
			goto fail;
		st->entries[i] = ms.ms_entries;
		if (i != MD_DB_META)
			continue;
		if ((rc = mdb_get(txn, dbi, &k, &v)) != 0 || v.mv_size != 4) {
			rc = rc != 0 ? rc : MDB_CORRUPTED;
			goto fail;
		}
		st->schema = md_key_read_be32(v.mv_data);
		k.mv_data = secret;
		if ((rc = mdb_get(txn, dbi, &k, &v)) != 0)
			goto fail;
		st->secret = g_bytes_new(v.mv_data, v.mv_size);
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return TRUE;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	md_store_stat_clear(st);
	md_store_set_error(error, rc, path);
	if (rc == MDB_NOTFOUND || rc == MDB_INVALID)
		g_prefix_error(error, "not a maildesk store: ");
	return FALSE;
}

gboolean
md_store_replace_data(const char *dir, const char *data, GError **error)
{
	int gate = -1, lock = -1;
	gboolean ok = FALSE;

	if (g_mkdir_with_parents(dir, 0700) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL, "%s: %s", dir,
		    g_strerror(errno));
		return FALSE;
	}
	if (!no_symlinks(dir, G_N_ELEMENTS(store_files), error))
		return FALSE;
	/* As compaction does: keep newcomers out, wait for the rest. */
	gate = lock_open(dir, GATE_FILE, error);
	if (gate >= 0)
		lock = lock_open(dir, LOCK_FILE, error);
	if (lock >= 0 && lock_take(gate, LOCK_EX, GATE_FILE, error) &&
	    lock_take(lock, LOCK_EX, LOCK_FILE, error))
		ok = swap_in(dir, data, "the restored copy", error);
	/*
	 * The search index was the old data's: forgotten while nobody has
	 * the store open, so the first search rebuilds it from the new.
	 */
	if (ok) {
		g_autofree char *current = g_build_filename(dir,
		    MD_STORE_SEARCH_CURRENT_FILE, NULL);

		unlink(current);
	}
	if (lock >= 0)
		close(lock);
	if (gate >= 0)
		close(gate);
	return ok;
}
