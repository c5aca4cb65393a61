/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 of backup files, with OpenSSL's libcrypto: a store file is
 * gigabytes, and its digest runs several times faster there than in
 * GLib's portable code.  Used by the full binary only.
 */
#pragma once
#include <glib.h>

typedef struct MdDigest MdDigest;

MdDigest *md_digest_new(void);
void md_digest_free(MdDigest *d);
void md_digest_update(MdDigest *d, const void *data, gsize len);

/* The digest in lower-case hex (transfer full); @d is done after it. */
char *md_digest_finish(MdDigest *d);

/* Bytes fed so far. */
guint64 md_digest_length(const MdDigest *d);

/*
 * SHA-256 of the file @path in hex (transfer full); sets *@size.
 * TEMPFAIL when it cannot be read.
 */
char *md_digest_file(const char *path, guint64 *size, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdDigest, md_digest_free)
