/* SPDX-License-Identifier: MIT */
/*
 * The standby's hand-over Maildir.  Only mail that came in is handed over
 * (customers', agents', bounces): the acknowledgements the standby wrote
 * itself were sent and are not the primary's to store, and the primary's
 * import sends nothing.  Each file goes to tmp/ first and is renamed into
 * new/, as Maildir wants.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "maildesk/backup.h"
#include "maildesk/error.h"
#include "maildesk/handover.h"
#include "maildesk/ticket.h"

typedef struct {
	MdTxn *txn;
	gint64 since;
	const char *dir;
	guint count;
	GError *error;
} Handover;

static gboolean
write_all(int fd, const guint8 *p, gsize len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return FALSE;
		p += n;
		len -= n;
	}
	return TRUE;
}

static gboolean
hand_one(Handover *h, guint64 ticket, guint32 seq, gint64 received)
{
	g_autoptr(GBytes) raw = md_ticket_load_raw(h->txn, ticket, seq,
	    &h->error);
	/* Maildir names start with the time: import takes them in order. */
	g_autofree char *name = g_strdup_printf("%010" G_GINT64_FORMAT
	    ".T%" G_GUINT64_FORMAT "S%u.maildesk", received, ticket, seq);
	g_autofree char *tmp = g_build_filename(h->dir, "tmp", name, NULL);
	g_autofree char *dst = g_build_filename(h->dir, "new", name, NULL);
	gsize len;
	const guint8 *data;
	int fd;

	if (raw == NULL)
		return FALSE;
	data = g_bytes_get_data(raw, &len);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0 || !write_all(fd, data, len) || fsync(fd) != 0 ||
	    close(fd) != 0 || rename(tmp, dst) != 0) {
		int saved = errno;

		if (fd >= 0)
			close(fd);
		g_set_error(&h->error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "%s: %s", tmp, g_strerror(saved));
		return FALSE;
	}
	h->count++;
	return TRUE;
}

static gboolean
hand_ticket(MdTicket *t, gpointer user_data)
{
	Handover *h = user_data;

	/*
	 * Times are whole seconds: a mail of the backup's own second may be
	 * in the backup or not, so it is handed over (the import skips what
	 * the primary has).  Nothing appended since: nothing to hand over.
	 */
	if (t->updated_at < h->since)
		return TRUE;
	for (guint32 seq = 1; seq <= t->message_count; seq++) {
		g_autoptr(MdMessage) m = md_ticket_load_message(h->txn,
		    t->number, seq, NULL);

		if (m == NULL || m->kind == MD_KIND_ACK ||
		    m->kind == MD_KIND_NOTIFICATION ||
		    (m->flags & MD_MSG_ERASED) || m->received_at < h->since)
			continue;
		if (!hand_one(h, t->number, seq, m->received_at))
			return FALSE;
	}
	return TRUE;
}

gboolean
md_handover_write(MdStore *store, gint64 since, const char *dir,
    guint *count, GError **error)
{
	static const char *const subs[] = { "tmp", "new", "cur" };
	g_auto(MdTxn) txn = MD_TXN_INIT;
	Handover h = { &txn, since, dir, 0, NULL };

	if (!md_backup_dir_is_free(dir)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "%s is not an "
		    "empty directory", dir);
		return FALSE;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(subs); i++) {
		g_autofree char *sub = g_build_filename(dir, subs[i], NULL);

		if (g_mkdir_with_parents(sub, 0700) != 0) {
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "handover: %s: %s", sub, g_strerror(errno));
			return FALSE;
		}
	}
	if (!md_store_begin(store, MD_TXN_READ, &txn, error) ||
	    !md_ticket_foreach(&txn, hand_ticket, &h, error))
		return FALSE;
	if (h.error != NULL) {
		g_propagate_error(error, h.error);
		return FALSE;
	}
	*count = h.count;
	return TRUE;
}
