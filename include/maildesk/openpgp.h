/* SPDX-License-Identifier: MIT */
/*
 * OpenPGP encryption of backups with GPGME: a backup leaves the server, so
 * it may be encrypted to keys the admin names; only a holder of a secret
 * key restores it.  Keys come from the user's GnuPG home (GNUPGHOME, or
 * [backup] gnupg-home).  Used by the full binary only.
 */
#pragma once
#include <glib.h>

#include "maildesk/digest.h"

/*
 * Encrypts what @in_fd holds to every key in @recipients (fingerprints,
 * key ids or addresses, NULL-terminated), binary OpenPGP into @out_fd.
 * @plain and @cipher (nullable) see every byte read and written.  Keys are
 * used as named, without a web of trust: naming them is the trust.
 * @home (nullable) is the GnuPG home.  CONFIG when a key is missing or
 * unusable, TEMPFAIL on I/O errors.
 */
gboolean md_openpgp_encrypt(char **recipients, const char *home, int in_fd,
    int out_fd, MdDigest *plain, MdDigest *cipher, GError **error);

/*
 * Decrypts @in_fd into @out_fd; @plain (nullable) sees every byte written.
 * CONFIG without the secret key, CORRUPT when the data is damaged.
 */
gboolean md_openpgp_decrypt(const char *home, int in_fd, int out_fd,
    MdDigest *plain, GError **error);

/* The fingerprints of the keys @recipients name (transfer full). */
char **md_openpgp_fingerprints(char **recipients, const char *home,
    GError **error);
