/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 of mail: of the raw bytes (the dedupe key of mail without a
 * Message-ID, and the check that a stored mail is intact) and of each
 * decoded attachment.  Hex strings are 64 lowercase digits, the same as
 * GLib's GChecksum gives, so digests stored earlier still compare equal.
 */
#pragma once
#include <glib.h>
#include <gmime/gmime.h>

/* SHA-256 of @data as hex (transfer full). */
char *md_digest_sha256_hex(const void *data, gsize len);

/*
 * A GMime filter that passes everything through unchanged and hashes it,
 * for digests of a decoded stream that is never held in memory.
 */
GMimeFilter *md_digest_filter_new(void);

/* The SHA-256 of what went through @filter so far, as hex (transfer full). */
char *md_digest_filter_hex(GMimeFilter *filter);
