/* SPDX-License-Identifier: MIT */
/*
 * Fault injection for tests, loaded with LD_PRELOAD.  MAILDESK_FAIL names
 * what fails:
 *   commit     mdb_txn_commit() of a write transaction aborts it and
 *              returns EIO (read transactions commit as usual)
 *   fdatasync  fdatasync()/fsync() fail with EIO (the disk went away)
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
