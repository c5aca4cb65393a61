/* SPDX-License-Identifier: MIT */
/*
 * Fault injection for tests, loaded with LD_PRELOAD.  MAILDESK_FAIL names
 * what fails:
 *   commit     mdb_txn_commit() of a write transaction aborts it and
 *              returns EIO (read transactions commit as usual)
 *   fdatasync  fdatasync()/fsync() fail with EIO (the disk went away)
 *   put:NAME   mdb_put() into the named database NAME fails with EIO
 *   read:NAME  mdb_cursor_open() on the named database NAME fails with EIO
 *   get:NAME   mdb_get() from the named database NAME fails with EIO
 * Everything else passes through to the real functions.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

static int
failing(const char *what)
{
	const char *v = getenv("MAILDESK_FAIL");

	return v != NULL && strcmp(v, what) == 0;
}

/* The write transactions now open (LMDB allows one per process). */
static MDB_txn *write_txn;

int
mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags,
    MDB_txn **txn)
{
	static int (*real)(MDB_env *, MDB_txn *, unsigned int, MDB_txn **);
	int rc;

	if (real == NULL)
		real = (int (*)(MDB_env *, MDB_txn *, unsigned int,
		    MDB_txn **))dlsym(RTLD_NEXT, "mdb_txn_begin");
	rc = real(env, parent, flags, txn);
	if (rc == 0 && !(flags & MDB_RDONLY) && parent == NULL)
		write_txn = *txn;
	return rc;
}

int
mdb_txn_commit(MDB_txn *txn)
{
	static int (*real)(MDB_txn *);

	if (real == NULL)
		real = (int (*)(MDB_txn *))dlsym(RTLD_NEXT, "mdb_txn_commit");
	if (failing("commit") && txn == write_txn) {
		write_txn = NULL;
		mdb_txn_abort(txn);
		return EIO;
	}
	if (txn == write_txn)
		write_txn = NULL;
	return real(txn);
}

int
fdatasync(int fd)
{
	static int (*real)(int);

	if (failing("fdatasync")) {
		errno = EIO;
		return -1;
	}
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	return real(fd);
}

int
fsync(int fd)
{
	static int (*real)(int);

	if (failing("fdatasync")) {
		errno = EIO;
		return -1;
	}
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	return real(fd);
}

/*
 * The named databases by handle, learnt as the store opens them, so that
 * "put:NAME" and "read:NAME" can fail one database and leave the others.
 */
static char named[64][32];

static int
failing_db(const char *how, MDB_dbi dbi)
{
	const char *v = getenv("MAILDESK_FAIL");
	size_t n = strlen(how);

	if (v == NULL || strncmp(v, how, n) != 0 || v[n] != ':')
		return 0;
	return dbi < 64 && strcmp(named[dbi], v + n + 1) == 0;
}

int
mdb_dbi_open(MDB_txn *txn, const char *name, unsigned int flags,
    MDB_dbi *dbi)
{
	static int (*real)(MDB_txn *, const char *, unsigned int, MDB_dbi *);
	int rc;

	if (real == NULL)
		real = (int (*)(MDB_txn *, const char *, unsigned int,
		    MDB_dbi *))dlsym(RTLD_NEXT, "mdb_dbi_open");
	rc = real(txn, name, flags, dbi);
	if (rc == 0 && name != NULL && strlen(name) < sizeof(named[0]) &&
	    *dbi < 64)
		strcpy(named[*dbi], name);
	return rc;
}

int
mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data,
    unsigned int flags)
{
	static int (*real)(MDB_txn *, MDB_dbi, MDB_val *, MDB_val *,
	    unsigned int);

	if (failing_db("put", dbi))
		return EIO;
	if (real == NULL)
		real = (int (*)(MDB_txn *, MDB_dbi, MDB_val *, MDB_val *,
		    unsigned int))dlsym(RTLD_NEXT, "mdb_put");
	return real(txn, dbi, key, data, flags);
}

int
mdb_cursor_open(MDB_txn *txn, MDB_dbi dbi, MDB_cursor **cursor)
{
	static int (*real)(MDB_txn *, MDB_dbi, MDB_cursor **);

	if (failing_db("read", dbi))
		return EIO;
	if (real == NULL)
		real = (int (*)(MDB_txn *, MDB_dbi, MDB_cursor **))dlsym(
		    RTLD_NEXT, "mdb_cursor_open");
	return real(txn, dbi, cursor);
}

int
mdb_get(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data)
{
	static int (*real)(MDB_txn *, MDB_dbi, MDB_val *, MDB_val *);

	if (failing_db("get", dbi))
		return EIO;
	if (real == NULL)
		real = (int (*)(MDB_txn *, MDB_dbi, MDB_val *, MDB_val *))dlsym(
		    RTLD_NEXT, "mdb_get");
	return real(txn, dbi, key, data);
}
