/* SPDX-License-Identifier: MIT */
/*
 * SHA-256, with OpenSSL's libcrypto: of mail (the raw bytes, the dedupe key
 * of mail without a Message-ID, and each decoded attachment) and of backup
 * files (gigabytes).  Hex strings are 64 lowercase digits, the same as
 * GLib's GChecksum gives, so digests stored earlier still compare equal.
 */
#pragma once
#include <glib.h>
#include <gmime/gmime.h>

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

/* SHA-256 of @data as hex (transfer full). */
char *md_digest_sha256_hex(const void *data, gsize len);

/*
 * A GMime filter that passes everything through unchanged and hashes it,
 * for digests of a decoded stream that is never held in memory.
 */
GMimeFilter *md_digest_filter_new(void);

/* The SHA-256 of what went through @filter so far, as hex (transfer full). */
char *md_digest_filter_hex(GMimeFilter *filter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdDigest, md_digest_free)
