/* SPDX-License-Identifier: MIT */
/*
 * Taking a backup.  The copy is LMDB's compacting copy: one read
 * transaction, so it is the store at one moment while deliveries commit
 * beside it, and without free pages, so nothing erased survives in it.
 * The manifest's counts are read from the copy itself, not from the live
 * store, so they describe exactly the bytes in the backup.  When the
 * backup is encrypted, the plain copy is made in the store's own directory
 * (where the data already is), never where the backup goes.
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

void
md_backup_remove_dir(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		unlink(path);
	}
	rmdir(dir);
}

gboolean
md_backup_dir_is_free(const char *dir)
{
	g_autoptr(GDir) d = NULL;
	struct stat st;

	if (lstat(dir, &st) != 0)
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode))
		return FALSE;
	d = g_dir_open(dir, 0, NULL);
	return d != NULL && g_dir_read_name(d) == NULL;
}

static void
set_errno_error(GError **error, const char *what, int saved)
{
	g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL, "%s: %s",
	    what, g_strerror(saved));
}

static gboolean
sync_dir(const char *dir, GError **error)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) != 0) {
		set_errno_error(error, dir, errno);
		if (fd >= 0)
			close(fd);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

/* The compacted copy of @store as the new file @path, synced. */
static gboolean
copy_store(MdStore *store, const char *path, GError **error)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	gboolean ok;

	if (fd < 0) {
		set_errno_error(error, path, errno);
		return FALSE;
	}
	ok = md_store_copy_to_fd(store, fd, error);
	if (ok && fsync(fd) != 0) {
		set_errno_error(error, path, errno);
		ok = FALSE;
	}
	close(fd);
	return ok;
}

/* Reads the copy @path into @m: schema, counts, the store's tag. */
static gboolean
describe(const char *path, MdManifest *m, GError **error)
{
	MdStoreStat st;

	if (!md_store_stat_file(path, &st, error))
		return FALSE;
	m->schema = st.schema;
	m->tickets = st.entries[MD_DB_TICKETS];
	m->messages = st.entries[MD_DB_MESSAGES];
	m->customers = st.entries[MD_DB_CUSTOMERS];
	m->ledger = st.entries[MD_DB_LEDGER];
	m->store = md_ledger_store_tag(st.secret);
	md_store_stat_clear(&st);
	return TRUE;
}

/* Encrypts @plain into @dir/data.mdb.gpg, filling its manifest entry. */
static gboolean
encrypt_copy(const MdConfig *config, char **keys, const char *plain,
    const char *dir, MdManifest *m, GError **error)
{
	g_autofree char *out = g_build_filename(dir, MD_BACKUP_DATA_GPG,
	    NULL);
	g_autoptr(MdDigest) pd = md_digest_new();
	g_autoptr(MdDigest) cd = md_digest_new();
	MdManifestFile *f;
	int in = open(plain, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	gboolean ok = in >= 0 && fd >= 0;

	if (!ok)
		set_errno_error(error, in < 0 ? plain : out, errno);
	ok = ok && md_openpgp_encrypt(keys, config->backup_gnupg_home, in, fd,
	    pd, cd, error);
	if (ok && fsync(fd) != 0) {
		set_errno_error(error, out, errno);
		ok = FALSE;
	}
	if (in >= 0)
		close(in);
	if (fd >= 0)
		close(fd);
	if (!ok)
		return FALSE;
	f = md_manifest_add_file(m, MD_BACKUP_DATA_GPG);
	f->size = md_digest_length(cd);
	f->sha256 = md_digest_finish(cd);
	f->plain_size = md_digest_length(pd);
	f->plain_sha256 = md_digest_finish(pd);
	return TRUE;
}

/* The store copy and manifest in the fresh directory @tmp. */
static gboolean
fill(MdStore *store, const MdConfig *config, const char *tmp, MdManifest *m,
    GError **error)
{
	g_auto(GStrv) keys = NULL;
	g_autofree char *plain_dir = NULL;
	g_autofree char *plain = NULL;
	MdManifestFile *f;
	gboolean ok;

	m->created = g_get_real_time() / G_USEC_PER_SEC;
	if (config->backup_encrypt_to[0] == '\0') {
		plain = g_build_filename(tmp, MD_BACKUP_DATA, NULL);
		if (!copy_store(store, plain, error) ||
		    !describe(plain, m, error))
			return FALSE;
		f = md_manifest_add_file(m, MD_BACKUP_DATA);
		f->sha256 = md_digest_file(plain, &f->size, error);
		return f->sha256 != NULL && md_manifest_save(m, tmp, error);
	}
	{
		g_auto(GStrv) named = g_strsplit_set(config->backup_encrypt_to,
		    ";, \t", -1);
		g_autoptr(GPtrArray) list = g_ptr_array_new();

		for (char **k = named; *k != NULL; k++)
			if (**k != '\0')
				g_ptr_array_add(list, *k);
		g_ptr_array_add(list, NULL);
		keys = md_openpgp_fingerprints((char **)list->pdata,
		    config->backup_gnupg_home, error);
		if (keys == NULL)
			return FALSE;
	}
	plain_dir = g_build_filename(md_store_path(store),
	    "backup.tmp-XXXXXX", NULL);
	if (g_mkdtemp_full(plain_dir, 0700) == NULL) {
		set_errno_error(error, plain_dir, errno);
		return FALSE;
	}
	plain = g_build_filename(plain_dir, MD_BACKUP_DATA, NULL);
	ok = copy_store(store, plain, error) && describe(plain, m, error) &&
	    encrypt_copy(config, keys, plain, tmp, m, error);
	md_backup_remove_dir(plain_dir);
	if (!ok)
		return FALSE;
	m->encrypted_to = g_steal_pointer(&keys);
	return md_manifest_save(m, tmp, error);
}

MdManifest *
md_backup_write(MdStore *store, const MdConfig *config, const char *dir,
    GError **error)
{
	g_autoptr(MdManifest) m = md_manifest_new();
	g_autofree char *clean = g_canonicalize_filename(dir, NULL);
	g_autofree char *parent = g_path_get_dirname(clean);
	g_autofree char *base = g_path_get_basename(clean);
	g_autofree char *tmp = NULL;

	if (!md_backup_dir_is_free(clean)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "%s is not an "
		    "empty directory: a backup goes into a new one, never "
		    "beside other files", dir);
		return NULL;
	}
	if (!g_file_test(parent, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "%s: no such "
		    "directory", parent);
		return NULL;
	}
	/* Beside the target: the rename stays on one file system. */
	tmp = g_strdup_printf("%s/.%s.partial-XXXXXX", parent, base);
	if (g_mkdtemp_full(tmp, 0700) == NULL) {
		set_errno_error(error, tmp, errno);
		return NULL;
	}
	if (!fill(store, config, tmp, m, error) || !sync_dir(tmp, error))
		goto fail;
	/* rename(2) replaces an empty directory, and nothing else. */
	if (rename(tmp, clean) != 0) {
		set_errno_error(error, dir, errno);
		goto fail;
	}
	if (!sync_dir(parent, error))
		return NULL;
	return g_steal_pointer(&m);
fail:
	md_backup_remove_dir(tmp);
	return NULL;
}

MdManifest *
md_backup_stream(MdStore *store, const MdConfig *config, int fd,
    GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *tmp = g_dir_make_tmp("maildesk-backup-XXXXXX", &e);
	g_autofree char *dir = NULL;
	g_autoptr(MdManifest) m = NULL;
	GPid pid;
	int status = 0;

	if (tmp == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL, "%s",
		    e->message);
		return NULL;
	}
	dir = g_build_filename(tmp, "backup", NULL);
	m = md_backup_write(store, config, dir, error);
	if (m != NULL) {
		const char *argv[] = { "tar", "--format=posix", "-C", dir,
			"-cf", "-", MD_MANIFEST_NAME,
			m->encrypted_to ? MD_BACKUP_DATA_GPG : MD_BACKUP_DATA,
			NULL };

		/* Our own standard output is inherited (-1), not given:
		 * GLib closes a descriptor handed over as itself. */
		if (!g_spawn_async_with_fds(NULL, (char **)argv, NULL,
		    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL,
		    NULL, &pid, -1, fd == STDOUT_FILENO ? -1 : fd, -1, &e)) {
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "cannot run tar: %s", e->message);
			g_clear_pointer(&m, md_manifest_free);
		} else {
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			g_spawn_close_pid(pid);
			if (!g_spawn_check_wait_status(status, &e)) {
				g_set_error(error, MD_ERROR,
				    MD_ERROR_TEMPFAIL, "tar: %s",
				    e->message);
				g_clear_pointer(&m, md_manifest_free);
			}
		}
		md_backup_remove_dir(dir);
	}
	rmdir(tmp);
	return g_steal_pointer(&m);
}
