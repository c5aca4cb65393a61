/* SPDX-License-Identifier: MIT */
/*
 * GPGME glue.  The data flows through callbacks, so a store file of
 * gigabytes is never held in memory and its digests are taken on the way
 * (the plain one before encryption, the one of what is written after).
 * gpg itself runs as a child of GPGME; its passphrase prompts go through
 * gpg-agent and pinentry as the admin has set them up.
 */
#include <errno.h>
#include <locale.h>
#include <string.h>
#include <unistd.h>

#include <gpgme.h>

#include "maildesk/error.h"
#include "maildesk/openpgp.h"

typedef struct {
	int fd;
	MdDigest *digest;	/* borrowed, nullable */
	int saved_errno;
} Pipe;

static ssize_t
pipe_read(void *handle, void *buffer, size_t size)
{
	Pipe *p = handle;
	ssize_t n;

	do
		n = read(p->fd, buffer, size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		p->saved_errno = errno;
	else if (n > 0 && p->digest != NULL)
		md_digest_update(p->digest, buffer, n);
	return n;
}

static ssize_t
pipe_write(void *handle, const void *buffer, size_t size)
{
	Pipe *p = handle;
	const char *b = buffer;
	size_t done = 0;

	while (done < size) {
		ssize_t n = write(p->fd, b + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			p->saved_errno = errno;
			errno = p->saved_errno;
			return -1;
		}
		done += n;
	}
	if (p->digest != NULL)
		md_digest_update(p->digest, buffer, size);
	return size;
}

static gboolean
start(gpgme_ctx_t *ctx, const char *home, GError **error)
{
	gpgme_error_t err;

	gpgme_check_version(NULL);
	gpgme_set_locale(NULL, LC_CTYPE, setlocale(LC_CTYPE, NULL));
	err = gpgme_new(ctx);
	if (err == 0 && home != NULL && home[0] != '\0')
		err = gpgme_ctx_set_engine_info(*ctx, GPGME_PROTOCOL_OpenPGP,
		    NULL, home);
	if (err != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
		    "OpenPGP: cannot start GnuPG: %s", gpgme_strerror(err));
		return FALSE;
	}
	gpgme_set_armor(*ctx, 0);
	return TRUE;
}

/* One GPGME operation: its context, and the data flowing in and out. */
typedef struct {
	gpgme_ctx_t ctx;
	gpgme_data_t in, out;
	Pipe pin, pout;
} Job;

static struct gpgme_data_cbs reader = { pipe_read, NULL, NULL, NULL };
static struct gpgme_data_cbs writer = { NULL, pipe_write, NULL, NULL };

/* @in_digest sees what is read, @out_digest what is written. */
static gboolean
job_start(Job *j, const char *home, int in_fd, MdDigest *in_digest,
    int out_fd, MdDigest *out_digest, GError **error)
{
	gpgme_error_t err;

	memset(j, 0, sizeof(*j));
	j->pin = (Pipe){ in_fd, in_digest, 0 };
	j->pout = (Pipe){ out_fd, out_digest, 0 };
	if (!start(&j->ctx, home, error))
		return FALSE;
	if ((err = gpgme_data_new_from_cbs(&j->in, &reader, &j->pin)) != 0 ||
	    (err = gpgme_data_new_from_cbs(&j->out, &writer,
	    &j->pout)) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL, "OpenPGP: %s",
		    gpgme_strerror(err));
		return FALSE;
	}
	return TRUE;
}

static void
job_end(Job *j)
{
	gpgme_data_release(j->in);
	gpgme_data_release(j->out);
	gpgme_release(j->ctx);
}

static gboolean
io_error(const Pipe *in, const Pipe *out, GError **error)
{
	int e = in->saved_errno ? in->saved_errno : out->saved_errno;

	if (e == 0)
		return FALSE;
	g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL, "OpenPGP: %s",
	    g_strerror(e));
	return TRUE;
}

char **
md_openpgp_fingerprints(char **recipients, const char *home, GError **error)
{
	gpgme_ctx_t ctx = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

	if (!start(&ctx, home, error))
		return NULL;
	for (char **r = recipients; *r != NULL; r++) {
		gpgme_key_t key = NULL;
		gpgme_error_t err = gpgme_op_keylist_start(ctx, *r, 0);
		gboolean found = FALSE;

		while (err == 0 && (err = gpgme_op_keylist_next(ctx,
		    &key)) == 0) {
			if (key->can_encrypt && !key->revoked &&
			    !key->expired && !key->disabled && key->fpr) {
				g_ptr_array_add(out, g_strdup(key->fpr));
				found = TRUE;
			}
			gpgme_key_unref(key);
		}
		gpgme_op_keylist_end(ctx);
		if (!found) {
			gpgme_release(ctx);
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "[backup] encrypt-to: no usable OpenPGP key for "
			    "\"%s\"", *r);
			return NULL;
		}
	}
	gpgme_release(ctx);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

gboolean
md_openpgp_encrypt(char **recipients, const char *home, int in_fd,
    int out_fd, MdDigest *plain, MdDigest *cipher, GError **error)
{
	Job j;
	g_autofree char *list = g_strjoinv("\n", recipients);
	gpgme_error_t err;
	gboolean ok = FALSE;

	if (!job_start(&j, home, in_fd, plain, out_fd, cipher, error))
		goto out;
	err = gpgme_op_encrypt_ext(j.ctx, NULL, list,
	    GPGME_ENCRYPT_ALWAYS_TRUST, j.in, j.out);
	if (io_error(&j.pin, &j.pout, error))
		goto out;
	if (err != 0) {
		gpgme_encrypt_result_t r = gpgme_op_encrypt_result(j.ctx);

		if (r != NULL && r->invalid_recipients != NULL)
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "[backup] encrypt-to: key %s is not usable: %s",
			    r->invalid_recipients->fpr ?
			    r->invalid_recipients->fpr : "?",
			    gpgme_strerror(r->invalid_recipients->reason));
		else
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "OpenPGP: encryption failed: %s",
			    gpgme_strerror(err));
		goto out;
	}
	ok = TRUE;
out:
	job_end(&j);
	return ok;
}

gboolean
md_openpgp_decrypt(const char *home, int in_fd, int out_fd, MdDigest *plain,
    GError **error)
{
	Job j;
	gpgme_error_t err;
	gboolean ok = FALSE;

	if (!job_start(&j, home, in_fd, NULL, out_fd, plain, error))
		goto out;
	err = gpgme_op_decrypt(j.ctx, j.in, j.out);
	if (io_error(&j.pin, &j.pout, error))
		goto out;
	if (err != 0) {
		gpgme_decrypt_result_t dr = gpgme_op_decrypt_result(j.ctx);
		gpgme_err_code_t code = gpgme_err_code(err);
		gboolean no_key = code == GPG_ERR_NO_SECKEY;

		for (gpgme_recipient_t r = dr ? dr->recipients : NULL;
		    r != NULL; r = r->next)
			no_key |= gpgme_err_code(r->status) ==
			    GPG_ERR_NO_SECKEY;
		if (no_key)
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "OpenPGP: cannot decrypt: the secret key of the "
			    "backup's recipient is not in the GnuPG home "
			    "%s", home && home[0] ? home :
			    "(GNUPGHOME or ~/.gnupg)");
		else if (code == GPG_ERR_BAD_DATA ||
		    code == GPG_ERR_INV_PACKET || code == GPG_ERR_CHECKSUM ||
		    code == GPG_ERR_BAD_MPI)
			g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
			    "OpenPGP: the backup does not decrypt: %s",
			    gpgme_strerror(err));
		else
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "OpenPGP: cannot decrypt: %s (is GnuPG set up "
			    "for this user? GNUPGHOME, [backup] gnupg-home)",
			    gpgme_strerror(err));
		goto out;
	}
	ok = TRUE;
out:
	job_end(&j);
	return ok;
}
