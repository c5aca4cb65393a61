/* SPDX-License-Identifier: MIT */
/*
 * maildesk backup: a compacted copy of the store taken while deliveries go
 * on, its manifest, and optionally OpenPGP encryption.  A backup is a
 * directory holding manifest.json and data.mdb (or data.mdb.gpg); as a
 * stream it is the same two files in a POSIX tar archive.  A backup is
 * made under a temporary name and renamed when complete, never into a
 * directory that holds anything.  Used by the full binary only.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/manifest.h"
#include "maildesk/store.h"

#define MD_BACKUP_DATA "data.mdb"
#define MD_BACKUP_DATA_GPG "data.mdb.gpg"

/*
 * Writes a backup of @store into the directory @dir, which must not exist
 * or be empty (USAGE otherwise), encrypted when [backup] encrypt-to is
 * set.  Returns its manifest (transfer full).  TEMPFAIL on I/O errors,
 * CONFIG for an unusable key.
 */
MdManifest *md_backup_write(MdStore *store, const MdConfig *config,
    const char *dir, GError **error);

/*
 * The same as a tar archive on @fd: made in a temporary directory under
 * $TMPDIR (it needs room for one copy), then archived by tar(1).
 */
MdManifest *md_backup_stream(MdStore *store, const MdConfig *config, int fd,
    GError **error);

/*
 * Removes the flat directory @dir (a backup or a staging directory): its
 * files, then itself.  Errors are ignored: it is cleaning up.
 */
void md_backup_remove_dir(const char *dir);

/* TRUE when @dir is missing or an empty directory. */
gboolean md_backup_dir_is_free(const char *dir);
