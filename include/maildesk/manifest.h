/* SPDX-License-Identifier: MIT */
/*
 * A backup's manifest.json (format "maildesk-backup", version 1): when it
 * was taken, the store's schema version, how many tickets, messages,
 * customers and erasure ledger entries it holds, whom it is encrypted to,
 * and the size and SHA-256 of each file.  It holds no personal data.
 */
#pragma once
#include <glib.h>

#define MD_MANIFEST_NAME "manifest.json"
#define MD_MANIFEST_VERSION 1

typedef struct {
	char *name;		/* owned: a plain file name in the backup */
	guint64 size;
	char *sha256;		/* owned, hex */
	char *plain_sha256;	/* owned, nullable: of the decrypted file */
	guint64 plain_size;
} MdManifestFile;

typedef struct {
	gint64 created;		/* Unix seconds */
	char *maildesk;		/* owned: version that wrote it */
	guint32 schema;		/* store schema version */
	char *store;		/* owned: md_ledger_store_tag() */
	guint64 tickets, messages, customers, ledger;
	char **encrypted_to;	/* owned, nullable: key fingerprints */
	GPtrArray *files;	/* owned, of MdManifestFile */
} MdManifest;

MdManifest *md_manifest_new(void);
void md_manifest_free(MdManifest *m);

/* Adds a file entry (borrowed return, to fill in). */
MdManifestFile *md_manifest_add_file(MdManifest *m, const char *name);

/* The entry of @name, or NULL. */
const MdManifestFile *md_manifest_file(const MdManifest *m,
    const char *name);

/* Writes @m as @dir/manifest.json, 0600, synced.  TEMPFAIL on failure. */
gboolean md_manifest_save(const MdManifest *m, const char *dir,
    GError **error);

/*
 * Reads @dir/manifest.json.  CORRUPT when it is missing, malformed, of
 * another format or version, or names a file with a path in it.
 */
MdManifest *md_manifest_load(const char *dir, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdManifest, md_manifest_free)
