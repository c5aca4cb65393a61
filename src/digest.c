/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 through OpenSSL's EVP interface.  The digest of a file is read in
 * 1 MiB blocks; nothing is kept but the running state.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "maildesk/digest.h"
#include "maildesk/error.h"

struct MdDigest {
	EVP_MD_CTX *ctx;
	guint64 length;
};

MdDigest *
md_digest_new(void)
{
	MdDigest *d = g_new0(MdDigest, 1);

	/* Fails only without memory: abort, as GLib does then. */
	d->ctx = EVP_MD_CTX_new();
	if (d->ctx == NULL || EVP_DigestInit_ex(d->ctx, EVP_sha256(),
	    NULL) != 1)
		g_abort();
	return d;
}

void
md_digest_free(MdDigest *d)
{
	if (d == NULL)
		return;
	EVP_MD_CTX_free(d->ctx);
	g_free(d);
}

void
md_digest_update(MdDigest *d, const void *data, gsize len)
{
	EVP_DigestUpdate(d->ctx, data, len);
	d->length += len;
}

guint64
md_digest_length(const MdDigest *d)
{
	return d->length;
}

char *
md_digest_finish(MdDigest *d)
{
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	GString *hex = g_string_sized_new(64);

	EVP_DigestFinal_ex(d->ctx, sum, &n);
	for (unsigned int i = 0; i < n; i++)
		g_string_append_printf(hex, "%02x", sum[i]);
	return g_string_free(hex, FALSE);
}

char *
md_digest_file(const char *path, guint64 *size, GError **error)
{
	g_autoptr(MdDigest) d = md_digest_new();
	g_autofree guint8 *buf = g_malloc(1 << 20);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0) {
		int saved = errno;

		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL, "%s: %s", path,
		    g_strerror(saved));
		return NULL;
	}
	while ((n = read(fd, buf, 1 << 20)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;

			close(fd);
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "%s: %s", path, g_strerror(saved));
			return NULL;
		}
		md_digest_update(d, buf, n);
	}
	close(fd);
	*size = md_digest_length(d);
	return md_digest_finish(d);
}
