/* SPDX-License-Identifier: MIT */
/*
 * Restoring a backup.  Order matters: verify, copy into a staging
 * directory on the target's file system, open, replay the ledger, compact,
 * and only then move into place; a failure at any step removes the
 * staging directory and leaves the target untouched.  A store in use is
 * replaced as compaction replaces its file, under the store's own locks,
 * so no process ever has the old and the new file open at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maildesk/backup.h"
#include "maildesk/digest.h"
#include "maildesk/error.h"
#include "maildesk/ledger.h"
#include "maildesk/openpgp.h"
#include "maildesk/restore.h"
#include "maildesk/ticket.h"

void
md_restore_result_init(MdRestoreResult *r)
{
	memset(r, 0, sizeof(*r));
	md_replay_report_init(&r->replay);
}

void
md_restore_result_clear(MdRestoreResult *r)
{
	g_clear_pointer(&r->manifest, md_manifest_free);
	md_replay_report_clear(&r->replay);
}

gboolean
md_restore_backup_time(MdTxn *txn, gint64 *out, GError **error)
{
	g_autoptr(GError) e = NULL;
	MDB_val v;

	*out = 0;
	if (md_store_get(txn, MD_DB_META, MD_RESTORE_BACKUP_TIME,
	    strlen(MD_RESTORE_BACKUP_TIME), &v, &e)) {
		if (v.mv_size == 8)
			*out = (gint64)md_key_read_be64(v.mv_data);
		return TRUE;
	}
	if (g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND))
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&e));
	return FALSE;
}

static void
set_errno_error(GError **error, const char *what, int saved)
{
	g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL, "%s: %s",
	    what, g_strerror(saved));
}

/* Unpacks the tar archive @file ("-": standard input) into @dir. */
static gboolean
untar(const char *file, const char *dir, GError **error)
{
	const char *argv[] = { "tar", "--no-same-owner",
		"--no-same-permissions", "-C", dir, "-xf", file, NULL };
	g_autoptr(GError) e = NULL;
	GPid pid;
	int status = 0;

	if (!g_spawn_async_with_fds(NULL, (char **)argv, NULL,
	    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
	    G_SPAWN_STDOUT_TO_DEV_NULL | (strcmp(file, "-") == 0 ?
	    G_SPAWN_CHILD_INHERITS_STDIN : 0), NULL, NULL, &pid, -1, -1, -1,
	    &e)) {
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "cannot run tar: %s", e->message);
		return FALSE;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	g_spawn_close_pid(pid);
	if (!g_spawn_check_wait_status(status, NULL)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "%s is not a "
		    "maildesk backup (tar could not unpack it)", file);
		return FALSE;
	}
	return TRUE;
}

/* Refuses @file of @dir unless its size and SHA-256 are as listed. */
static gboolean
verify(const char *backup, const char *dir, const MdManifestFile *f,
    GError **error)
{
	g_autofree char *path = g_build_filename(dir, f->name, NULL);
	g_autofree char *sum = NULL;
	guint64 size = 0;
	struct stat st;

	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "backup %s: "
		    "%s is missing: refusing to restore it", backup, f->name);
		return FALSE;
	}
	if ((guint64)st.st_size != f->size) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "backup %s: "
		    "%s is damaged (%" G_GUINT64_FORMAT " bytes, the manifest "
		    "says %" G_GUINT64_FORMAT "): refusing to restore it",
		    backup, f->name, (guint64)st.st_size, f->size);
		return FALSE;
	}
	sum = md_digest_file(path, &size, error);
	if (sum == NULL)
		return FALSE;
	if (strcmp(sum, f->sha256) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "backup %s: "
		    "%s is damaged (its SHA-256 differs from the manifest's): "
		    "refusing to restore it", backup, f->name);
		return FALSE;
	}
	return TRUE;
}

/* Opens @from to read and the new file @to to write. */
static gboolean
open_pair(const char *from, const char *to, int *in, int *out,
    GError **error)
{
	*in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	*out = *in < 0 ? -1 : open(to, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*in >= 0 && *out >= 0)
		return TRUE;
	set_errno_error(error, *in < 0 ? from : to, errno);
	if (*in >= 0)
		close(*in);
	return FALSE;
}

/* Syncs @to (when all went well) and closes both. */
static gboolean
close_pair(int in, int out, const char *to, gboolean ok, GError **error)
{
	if (ok && fsync(out) != 0) {
		set_errno_error(error, to, errno);
		ok = FALSE;
	}
	close(in);
	close(out);
	return ok;
}

/* Copies @from to the new file @to, taking its digest on the way. */
static gboolean
copy_file(const char *from, const char *to, MdDigest *d, GError **error)
{
	g_autofree guint8 *buf = g_malloc(1 << 20);
	gboolean ok = TRUE;
	ssize_t n = 0;
	int in, out;

	if (!open_pair(from, to, &in, &out, error))
		return FALSE;
	while (ok && (n = read(in, buf, 1 << 20)) != 0) {
		gsize done = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_errno_error(error, from, errno);
			ok = FALSE;
			break;
		}
		md_digest_update(d, buf, n);
		while (ok && done < (gsize)n) {
			ssize_t w = write(out, buf + done, n - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				set_errno_error(error, to, errno);
				ok = FALSE;
			} else
				done += w;
		}
	}
	return close_pair(in, out, to, ok, error);
}

/* The backup's store, plain, as @stage/data.mdb; checked on the way. */
static gboolean
stage_data(const MdRestoreOptions *o, const char *src, const MdManifest *m,
    const char *stage, GError **error)
{
	const MdManifestFile *plain = md_manifest_file(m, MD_BACKUP_DATA);
	const MdManifestFile *gpg = md_manifest_file(m, MD_BACKUP_DATA_GPG);
	g_autofree char *to = g_build_filename(stage, MD_BACKUP_DATA, NULL);
	g_autoptr(MdDigest) d = md_digest_new();
	g_autofree char *sum = NULL;
	guint64 size;

	if ((plain == NULL) == (gpg == NULL) ||
	    (gpg != NULL && gpg->plain_sha256 == NULL)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "backup %s: "
		    "its manifest names no store file: refusing it",
		    o->backup);
		return FALSE;
	}
	if (plain != NULL) {
		g_autofree char *from = g_build_filename(src, plain->name,
		    NULL);

		/* The digest of the copy is the check: one read. */
		if (!g_file_test(from, G_FILE_TEST_IS_REGULAR))
			return verify(o->backup, src, plain, error);
		if (!copy_file(from, to, d, error))
			return FALSE;
		size = md_digest_length(d);
		sum = md_digest_finish(d);
		if (size != plain->size || strcmp(sum, plain->sha256) != 0) {
			g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
			    "backup %s: %s is damaged (its SHA-256 differs "
			    "from the manifest's): refusing to restore it",
			    o->backup, plain->name);
			return FALSE;
		}
		return TRUE;
	}
	/* Encrypted: the file as stored first, then what it decrypts to. */
	if (!verify(o->backup, src, gpg, error))
		return FALSE;
	{
		g_autofree char *from = g_build_filename(src, gpg->name,
		    NULL);
		int in, out;

		if (!open_pair(from, to, &in, &out, error) ||
		    !close_pair(in, out, to, md_openpgp_decrypt(o->gnupg_home,
		    in, out, d, error), error))
			return FALSE;
	}
	size = md_digest_length(d);
	sum = md_digest_finish(d);
	if (size != gpg->plain_size || strcmp(sum, gpg->plain_sha256) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "backup %s: "
		    "%s decrypts to something else than the manifest says: "
		    "refusing to restore it", o->backup, gpg->name);
		return FALSE;
	}
	return TRUE;
}

/* The staged copy is the store the manifest describes. */
static gboolean
check_copy(const MdRestoreOptions *o, const MdManifest *m, const char *stage,
    GError **error)
{
	g_autofree char *data = g_build_filename(stage, MD_BACKUP_DATA, NULL);
	g_autofree char *tag = NULL;
	MdStoreStat st;
	gboolean same;

	if (!md_store_stat_file(data, &st, error)) {
		g_prefix_error(error, "backup %s: ", o->backup);
		return FALSE;
	}
	tag = md_ledger_store_tag(st.secret);
	same = strcmp(tag, m->store) == 0 &&
	    st.entries[MD_DB_TICKETS] == m->tickets &&
	    st.entries[MD_DB_MESSAGES] == m->messages &&
	    st.entries[MD_DB_CUSTOMERS] == m->customers;
	if (st.schema != MD_STORE_SCHEMA_VERSION) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "backup %s: "
		    "store schema %u, this maildesk reads %u", o->backup,
		    st.schema, MD_STORE_SCHEMA_VERSION);
		same = FALSE;
	} else if (!same)
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT, "backup %s: "
		    "the store does not match its manifest's counts: "
		    "refusing to restore it", o->backup);
	md_store_stat_clear(&st);
	return same;
}

/* Opens the staged copy and makes it forget what the ledger says. */
static gboolean
prepare(const MdRestoreOptions *o, const char *stage, MdRestoreResult *r,
    GError **error)
{
	g_autoptr(MdStore) store = md_store_open(stage, o->map_size_bytes,
	    error);
	g_auto(MdTxn) txn = MD_TXN_INIT;
	guint8 when[8];
	gboolean owed = FALSE;

	if (store == NULL)
		return FALSE;
	md_key_be64(when, (guint64)r->manifest->created);
	if (!md_store_begin(store, MD_TXN_WRITE, &txn, error) ||
	    !md_store_put(&txn, MD_DB_META, MD_RESTORE_BACKUP_TIME,
	    strlen(MD_RESTORE_BACKUP_TIME), when, 8, 0, error) ||
	    (o->next_ticket != 0 && !md_ticket_set_next_number(&txn,
	    o->next_ticket, error)) ||
	    !md_replay_apply(&txn, o->ledger, &r->replay, error) ||
	    !md_store_commit(&txn, error))
		return FALSE;
	/* Erased after the backup: gone from the file before it is used. */
	if (!md_store_compaction_owed(store, &owed, error))
		return FALSE;
	if (owed) {
		if (!md_store_compact(store, error))
			return FALSE;
		r->compacted = TRUE;
	}
	return TRUE;
}

/* A short description of what @dir holds, for the refusal. */
static char *
describe_target(const char *dir)
{
	g_autofree char *data = g_build_filename(dir, MD_BACKUP_DATA, NULL);
	MdStoreStat st;
	char *s;

	if (!g_file_test(data, G_FILE_TEST_EXISTS))
		return g_strdup("it holds files");
	if (!md_store_stat_file(data, &st, NULL))
		return g_strdup("it holds a store");
	s = g_strdup_printf("it holds a store with %" G_GUINT64_FORMAT
	    " tickets", st.entries[MD_DB_TICKETS]);
	md_store_stat_clear(&st);
	return s;
}

/* Moves the prepared @stage into @target. */
static gboolean
put_in_place(const char *stage, const char *target, const char *parent,
    MdRestoreResult *r, GError **error)
{
	g_autofree char *data = g_build_filename(stage, MD_BACKUP_DATA, NULL);
	int fd;

	if (md_backup_dir_is_free(target)) {
		if (rename(stage, target) != 0) {
			set_errno_error(error, target, errno);
			return FALSE;
		}
	} else {
		g_autofree char *old = g_build_filename(target, MD_BACKUP_DATA,
		    NULL);

		r->replaced = g_file_test(old, G_FILE_TEST_EXISTS);
		if (!md_store_replace_data(target, data, error))
			return FALSE;
		md_backup_remove_dir(stage);
	}
	fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return TRUE;
}

gboolean
md_restore(const MdRestoreOptions *o, MdRestoreResult *r, GError **error)
{
	g_autofree char *target = g_canonicalize_filename(o->target, NULL);
	g_autofree char *parent = g_path_get_dirname(target);
	g_autofree char *base = g_path_get_basename(target);
	g_autofree char *stage = NULL, *in = NULL, *lock = NULL;
	const char *src = o->backup;
	gboolean ok = FALSE;

	if (!md_backup_dir_is_free(target)) {
		g_autofree char *what = describe_target(target);

		if (!g_file_test(target, G_FILE_TEST_IS_DIR)) {
			g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "%s is "
			    "not a directory", o->target);
			return FALSE;
		}
		if (!o->force) {
			g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "%s is "
			    "not empty (%s): add --force to replace it",
			    o->target, what);
			return FALSE;
		}
	}
	if (g_mkdir_with_parents(parent, 0700) != 0) {
		set_errno_error(error, parent, errno);
		return FALSE;
	}
	stage = g_strdup_printf("%s/.%s.restore-XXXXXX", parent, base);
	if (g_mkdtemp_full(stage, 0700) == NULL) {
		set_errno_error(error, stage, errno);
		return FALSE;
	}
	if (strcmp(o->backup, "-") == 0 ||
	    !g_file_test(o->backup, G_FILE_TEST_IS_DIR)) {
		if (strcmp(o->backup, "-") != 0 &&
		    !g_file_test(o->backup, G_FILE_TEST_EXISTS)) {
			g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
			    "%s: no such backup", o->backup);
			goto out;
		}
		in = g_build_filename(stage, "in", NULL);
		if (mkdir(in, 0700) != 0) {
			set_errno_error(error, in, errno);
			goto out;
		}
		if (!untar(o->backup, in, error))
			goto out;
		src = in;
	}
	r->manifest = md_manifest_load(src, error);
	if (r->manifest == NULL) {
		if (src == in)
			g_prefix_error(error, "backup %s: ", o->backup);
		goto out;
	}
	if (o->ledger_store != NULL &&
	    strcmp(o->ledger_store, r->manifest->store) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "the erasure "
		    "ledger given is another store's than backup %s's",
		    o->backup);
		goto out;
	}
	if (!stage_data(o, src, r->manifest, stage, error) ||
	    !check_copy(o, r->manifest, stage, error))
		goto out;
	if (in != NULL) {
		md_backup_remove_dir(in);
		g_clear_pointer(&in, g_free);
	}
	if (!prepare(o, stage, r, error))
		goto out;
	/* This process's reader slots are no one else's business. */
	lock = g_build_filename(stage, "lock.mdb", NULL);
	unlink(lock);
	ok = put_in_place(stage, target, parent, r, error);
out:
	if (!ok) {
		if (in != NULL)
			md_backup_remove_dir(in);
		md_backup_remove_dir(stage);
	}
	return ok;
}
