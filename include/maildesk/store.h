/* SPDX-License-Identifier: MIT */
/*
 * The LMDB store: one environment, named databases, one write transaction per
 * delivery.  Key formats (ids are big-endian so cursors walk them in order):
 *
 *   meta              name (string)            -> value (see store.c)
 *   tickets           ticket number (be64)     -> ticket record
 *   messages          ticket (be64), seq (be32) -> message record
 *   raw               ticket (be64), seq (be32) -> raw bytes as received
 *                     ticket, seq, 'S'        -> an agent answer as relayed
 *   msgid             Message-ID (no <>)        -> ticket, seq (dupsort)
 *   dedupe            "id:" Message-ID, or "sha256:" digest of the raw
 *                     bytes (across all our addresses; dedupe.c)
 *                                              -> ticket (be64), seq (be32)
 *   customers         customer id (be64)       -> customer record
 *   customer_email    lower-cased address      -> customer id (be64)
 *   customer_tickets  customer id, ticket (be64 each) -> empty
 *   outbox            id (be64)                -> queued or failed mail
 *   ratelimit         address NUL h|d NUL window -> count (be32)
 *   agents            lower-cased address      -> agent record
 *   audit             counter (be64)           -> audit record (privacy.c)
 *   ledger            counter (be64)           -> erasure record (ledger.c)
 *   search_queue      't', ticket (be64)       -> write txn id (be64):
 *                                                 the ticket changed, its
 *                                                 search documents are due
 *                     'r', request id (be64)   -> search request by mail
 *
 * An MDB_val points into the map and is valid only until the next write or
 * the end of the transaction: copy before that.
 */
#pragma once
#include <glib.h>
#include <lmdb.h>

#include "maildesk/key.h"

/*
 * The file in the store directory that names the current search index
 * (search.h).  Without it the next indexing rebuilds the index from the
 * store: what a store whose data file was replaced (a restore) needs.
 */
#define MD_STORE_SEARCH_CURRENT_FILE "search.current"

typedef enum {
	MD_DB_META,
	MD_DB_TICKETS,
	MD_DB_MESSAGES,
	MD_DB_RAW,
	MD_DB_MSGID,
	MD_DB_DEDUPE,
	MD_DB_CUSTOMERS,
	MD_DB_CUSTOMER_EMAIL,
	MD_DB_CUSTOMER_TICKETS,
	MD_DB_OUTBOX,
	MD_DB_RATELIMIT,
	MD_DB_AUDIT,
	MD_DB_AGENTS,
	MD_DB_LEDGER,
	MD_DB_SEARCH_QUEUE,
	MD_DB_COUNT
} MdDb;

#define MD_STORE_SCHEMA_VERSION 1

typedef struct MdStore MdStore;

typedef struct {
	MdStore *store;	/* borrowed */
	MDB_txn *txn;	/* owned until commit or abort */
} MdTxn;

#define MD_TXN_INIT { NULL, NULL }

typedef enum { MD_TXN_READ, MD_TXN_WRITE } MdTxnMode;

/*
 * Creates the store directory and environment if missing and a random
 * secret; changes nothing in an existing store.  Sets *@created.
 */
gboolean md_store_init(const char *path, guint64 map_size_bytes,
    gboolean *created, GError **error);

/*
 * For a process that keeps the store open (lmtpd): when a compaction waits
 * for every process to leave, leaves (closing the environment), waits at
 * the gate until the compaction is done and opens the store again;
 * *@yielded says whether it did.  Otherwise returns at once.  No
 * transaction may be open.  TEMPFAIL if the store cannot be opened again.
 */
gboolean md_store_yield(MdStore *store, gboolean *yielded, GError **error);

/* Opens an existing store.  TEMPFAIL when missing, unwritable or busy. */
MdStore *md_store_open(const char *path, guint64 map_size_bytes,
    GError **error);
void md_store_close(MdStore *store);
const char *md_store_path(const MdStore *store);

gboolean md_store_begin(MdStore *store, MdTxnMode mode, MdTxn *txn,
    GError **error);
/*
 * The id of write transaction @txn: it differs from that of every other
 * committed write transaction of the store file.
 */
guint64 md_store_txn_id(MdTxn *txn);

/*
 * Begins @txn as a transaction nested in the write transaction @parent:
 * committed, its changes become part of @parent (no sync); aborted, they
 * are gone and @parent goes on.  One delivery of a group commit (lmtpd).
 */
gboolean md_store_begin_nested(MdTxn *parent, MdTxn *txn, GError **error);
/* Commits and leaves @txn cleared either way. */
gboolean md_store_commit(MdTxn *txn, GError **error);
void md_txn_clear(MdTxn *txn);

/* Returns FALSE with MD_ERROR_NOT_FOUND when there is no such key. */
gboolean md_store_get(MdTxn *txn, MdDb db, const void *key, gsize klen,
    MDB_val *out, GError **error);
/*
 * Found or not: sets *@found, and @out when found.  FALSE only for a real
 * error of the store (TEMPFAIL, CORRUPT), never for a missing key.
 */
gboolean md_store_lookup(MdTxn *txn, MdDb db, const void *key, gsize klen,
    MDB_val *out, gboolean *found, GError **error);
gboolean md_store_put(MdTxn *txn, MdDb db, const void *key, gsize klen,
    const void *data, gsize dlen, unsigned flags, GError **error);
/* Deletes @key (and only @data of it when non-NULL); missing is fine. */
gboolean md_store_del(MdTxn *txn, MdDb db, const void *key, gsize klen,
    const void *data, gsize dlen, GError **error);
/* Reserves @dlen bytes for @key and returns where to write them. */
void *md_store_reserve(MdTxn *txn, MdDb db, const void *key, gsize klen,
    gsize dlen, GError **error);

/* Returns and increments the counter @name in meta (first value 1). */
gboolean md_store_next_id(MdTxn *txn, const char *name, guint64 *out,
    GError **error);

/* The HMAC secret kept in the store (transfer full). */
GBytes *md_store_secret(MdTxn *txn, GError **error);

/*
 * Calls @fn for every entry of @db whose key starts with @prefix (all
 * entries when @plen is 0), in key order, until @fn returns FALSE.
 */
typedef gboolean (*MdStoreEachFunc)(const MDB_val *key, const MDB_val *data,
    gpointer user_data);
gboolean md_store_foreach(MdTxn *txn, MdDb db, const void *prefix,
    gsize plen, MdStoreEachFunc fn, gpointer user_data, GError **error);

/*
 * md_store_foreach() from the first key at or after @start (@slen bytes)
 * for as long as keys begin with the first @plen bytes of @start.
 */
gboolean md_store_foreach_from(MdTxn *txn, MdDb db, const void *start,
    gsize slen, gsize plen, MdStoreEachFunc fn, gpointer user_data,
    GError **error);

/* Calls @fn for every value of exactly @key in a dupsort @db. */
gboolean md_store_foreach_dup(MdTxn *txn, MdDb db, const void *key,
    gsize klen, MdStoreEachFunc fn, gpointer user_data, GError **error);

/* Text keys longer than this are replaced by their digest. */
#define MD_STORE_MAX_TEXT_KEY 400

/* @text as a key that fits LMDB's limit (transfer full). */
char *md_store_key_text(const char *text);

/*
 * Rewrites the store without its free pages (mdb_env_copy2 with
 * MDB_CP_COMPACT) and swaps the copy in atomically, so erased data is
 * physically gone.  Waits until no other process has the store open;
 * processes that want to open it meanwhile wait.  TEMPFAIL on failure,
 * with the original left in place.
 */
gboolean md_store_compact(MdStore *store, GError **error);

/*
 * Records in @txn (an erase or expire) that the store owes a compaction:
 * removed bytes are still in its free pages.  md_store_compact() clears
 * it when done.
 */
gboolean md_store_owe_compaction(MdTxn *txn, GError **error);

/* Sets *@owed when a compaction is owed (see above). */
gboolean md_store_compaction_owed(MdStore *store, gboolean *owed,
    GError **error);

/*
 * Writes a compacted copy of the store's data file to @fd (mdb_env_copyfd2
 * with MDB_CP_COMPACT): one read transaction, so deliveries go on and the
 * copy is the state of one moment.  TEMPFAIL on failure.
 */
gboolean md_store_copy_to_fd(MdStore *store, int fd, GError **error);

/* What md_store_stat_file() finds in a data file. */
typedef struct {
	guint32 schema;		/* MD_STORE_SCHEMA_VERSION it was made with */
	guint64 entries[MD_DB_COUNT];	/* records in each database */
	GBytes *secret;		/* owned: the store's HMAC secret */
} MdStoreStat;

void md_store_stat_clear(MdStoreStat *st);

/*
 * Opens the data file @path read-only, without a lock file (a copy no
 * process uses), and fills @st.  CORRUPT when it is no maildesk store.
 */
gboolean md_store_stat_file(const char *path, MdStoreStat *st,
    GError **error);

/*
 * Puts the data file @data in place of the store's in directory @dir
 * (created if missing), renaming it: waits, as compaction does, until no
 * other process has that store open, and keeps new openers out until done.
 * TEMPFAIL on failure, with the old data file left in place.
 */
gboolean md_store_replace_data(const char *dir, const char *data,
    GError **error);

/* Empties @db (write txn). */
gboolean md_store_clear(MdTxn *txn, MdDb db, GError **error);

/*
 * Opens file @name of the store directory (0600, never through a
 * symbolic link) and takes flock(2) @how (LOCK_SH or LOCK_EX) on it,
 * waiting; the descriptor is returned, closing it releases the lock.
 * -1 and TEMPFAIL on failure.  For locks beside the store's own.
 */
int md_store_lock(MdStore *store, const char *name, int how, GError **error);

/* Names of the databases, for check and messages. */
const char *md_store_db_name(MdDb db);

/* Maps an LMDB or errno code to an MD_ERROR and sets @error. */
void md_store_set_error(GError **error, int rc, const char *what);


static inline void
md_txn_cleanup(MdTxn *txn)
{
	md_txn_clear(txn);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MdTxn, md_txn_cleanup)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdStore, md_store_close)
