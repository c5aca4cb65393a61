/* SPDX-License-Identifier: MIT */
/*
 * The search index in step with the store.  Documents are made from the
 * records only (search.h), so a rebuild gives the same index.  A due mark
 * is deleted only after the engine committed the ticket it marks, and only
 * if nothing marked it again meanwhile: a crash indexes twice, never not
 * at all.  The current index file is named by search.current, replaced
 * by rename(2), so a rebuild or compaction swaps atomically and a crash
 * leaves the old or the new index, never neither.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/search.h"
#include "maildesk/search-engine.h"
#include "maildesk/search-query.h"
#include "maildesk/search-queue.h"
#include "maildesk/ticket.h"

#define CURRENT_FILE MD_STORE_SEARCH_CURRENT_FILE
#define LOCK_FILE "search.lock"
#define GEN_PREFIX "search-"
#define GEN_SUFFIX ".sqlite"

/* Tickets per engine commit while catching up. */
#define BATCH_TICKETS 2000
/* Text of one message indexed at most: a huge log pasted in a mail. */
#define MAX_TEXT_BYTES (256 * 1024)
#define SNIPPET_WORDS 24

void
md_search_result_free(MdSearchResult *r)
{
	if (r == NULL)
		return;
	g_free(r->status);
	g_free(r->queue);
	g_free(r->subject);
	g_free(r->customer);
	g_free(r->customer_name);
	g_free(r->snippet);
	g_free(r);
}

/* --- Files ------------------------------------------------------------ */

static char *
store_file(MdStore *store, const char *name)
{
	return g_build_filename(md_store_path(store), name, NULL);
}

static char *
generation_file(MdStore *store, guint64 gen)
{
	g_autofree char *name = g_strdup_printf(GEN_PREFIX "%" G_GUINT64_FORMAT
	    GEN_SUFFIX, gen);

	return store_file(store, name);
}

/* Our files are never symbolic links (see store.c). */
static gboolean
refuse_symlink(const char *path, GError **error)
{
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "search index: %s is a symbolic link, refusing to follow "
		    "it", path);
		return FALSE;
	}
	return TRUE;
}

/* N of a name "search-N.sqlite", or 0. */
static guint64
generation_of(const char *name)
{
	g_autofree char *num = NULL;
	guint64 gen;

	if (!g_str_has_prefix(name, GEN_PREFIX) ||
	    !g_str_has_suffix(name, GEN_SUFFIX))
		return 0;
	num = g_strndup(name + strlen(GEN_PREFIX), strlen(name) -
	    strlen(GEN_PREFIX) - strlen(GEN_SUFFIX));
	if (!g_ascii_string_to_unsigned(num, 10, 1, G_MAXUINT64, &gen, NULL))
		return 0;
	return gen;
}

/*
 * The generation search.current names ("search-N.sqlite"), or 0 when
 * there is none: no index yet.
 */
static gboolean
current_generation(MdStore *store, guint64 *gen, GError **error)
{
	g_autofree char *current = store_file(store, CURRENT_FILE);
	g_autofree char *text = NULL;
	g_autoptr(GError) e = NULL;

	*gen = 0;
	if (!refuse_symlink(current, error))
		return FALSE;
	if (!g_file_get_contents(current, &text, NULL, &e)) {
		if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return TRUE;
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "search index: %s", e->message);
		return FALSE;
	}
	*gen = generation_of(g_strstrip(text));
	if (*gen == 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "search index: %s names no index (run maildesk reindex)",
		    current);
		return FALSE;
	}
	return TRUE;
}

static void
sync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Makes search.current name generation @gen, atomically and durably. */
static gboolean
set_generation(MdStore *store, guint64 gen, GError **error)
{
	g_autofree char *current = store_file(store, CURRENT_FILE);
	g_autofree char *tmp = store_file(store, CURRENT_FILE ".tmp");
	g_autofree char *text = g_strdup_printf(GEN_PREFIX "%" G_GUINT64_FORMAT
	    GEN_SUFFIX "\n", gen);
	gsize len = strlen(text);
	int fd;

	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
		int saved = errno;

		if (fd >= 0)
			close(fd);
		unlink(tmp);
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "search index: %s: %s", tmp, g_strerror(saved));
		return FALSE;
	}
	close(fd);
	if (rename(tmp, current) != 0) {
		int saved = errno;

		unlink(tmp);
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "search index: %s: %s", current, g_strerror(saved));
		return FALSE;
	}
	sync_path(md_store_path(store), O_DIRECTORY);
	return TRUE;
}

/* Removes index file @path with the journal files SQLite keeps by it. */
static void
remove_index(const char *path)
{
	static const char *const sides[] = { "-wal", "-shm", "-journal" };

	for (gsize i = 0; i < G_N_ELEMENTS(sides); i++) {
		g_autofree char *side = g_strconcat(path, sides[i], NULL);

		unlink(side);
	}
	unlink(path);
}

/*
 * Removes every index file but generation @keep's: the one just
 * replaced, and any a crash left behind.  Called with the lock held
 * exclusively, so nobody reads them.
 */
static void
remove_other_generations(MdStore *store, guint64 keep)
{
	g_autoptr(GDir) d = g_dir_open(md_store_path(store), 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		guint64 gen = generation_of(name);
		g_autofree char *path = NULL;

		if (gen == 0 || gen == keep)
			continue;
		path = store_file(store, name);
		remove_index(path);
	}
	sync_path(md_store_path(store), O_DIRECTORY);
}

/*
 * The current database for @mode; NULL with *@gen 0 and no error when
 * there is none yet.
 */
static MdSearchEngine *
open_current(MdStore *store, MdSearchEngineMode mode, guint64 *gen,
    GError **error)
{
	g_autofree char *file = NULL;
	MdSearchEngine *e;

	if (!current_generation(store, gen, error) || *gen == 0)
		return NULL;
	file = generation_file(store, *gen);
	e = md_search_engine_open(file, mode, error);
	if (e == NULL)
		g_prefix_error(error, "run maildesk reindex: ");
	return e;
}

/* --- Documents -------------------------------------------------------- */

typedef struct {
	MdTxn *txn;
	const MdConfig *config;
	MdSearchEngine *engine;
	guint64 documents;
} Indexer;

static gboolean
indexable(const MdMessage *m)
{
	/* Our own automatic mail says nothing a person would look for. */
	return m->kind != MD_KIND_ACK && m->kind != MD_KIND_NOTIFICATION &&
	    !(m->flags & MD_MSG_ERASED);
}

static void
add_mailbox(GString *s, const MdMailbox *mb)
{
	if (mb == NULL)
		return;
	if (mb->name != NULL)
		g_string_append_printf(s, "%s ", mb->name);
	if (mb->email != NULL)
		g_string_append_printf(s, "%s\n", mb->email);
}

/* @text, at most @max bytes of it, cut on a character boundary. */
static char *
cut(const char *text, gsize max)
{
	gsize len;

	if (text == NULL)
		return NULL;
	len = strlen(text);
	if (len > max) {
		const char *end = g_utf8_find_prev_char(text, text + max + 1);

		len = end ? (gsize)(end - text) : 0;
	}
	return g_strndup(text, len);
}

static char *
cut_string(GString *s)
{
	g_autofree char *text = g_string_free(s, FALSE);

	return cut(text, MAX_TEXT_BYTES);
}

/* yyyymmdd of the day the mail was written, where it was written. */
static gint64
day_of(const MdMessage *m)
{
	gint64 t = m->has_date ? m->date + m->date_offset_s : m->received_at;
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);

	if (dt == NULL)
		return 0;
	return (gint64)g_date_time_get_year(dt) * 10000 +
	    g_date_time_get_month(dt) * 100 + g_date_time_get_day_of_month(dt);
}

/* Restricted: the ticket's customer, or whoever wrote this message. */
static gboolean
is_restricted(Indexer *ix, const MdMessage *m, const MdCustomer *c)
{
	g_autoptr(MdCustomer) writer = NULL;

	if ((m->flags & MD_MSG_RESTRICTED) ||
	    (c != NULL && (c->flags & MD_CUSTOMER_RESTRICTED)))
		return TRUE;
	if (m->direction != MD_DIR_IN || m->from == NULL ||
	    m->from->email == NULL ||
	    (c != NULL && md_customer_has_address(c, m->from->email)))
		return FALSE;
	writer = md_customer_find_by_email(ix->txn, m->from->email, NULL);
	return writer != NULL && (writer->flags & MD_CUSTOMER_RESTRICTED);
}

static char *
customer_text(const MdCustomer *c)
{
	GString *s;

	if (c == NULL)
		return NULL;
	s = g_string_new(NULL);
	g_string_append_printf(s, "%s %s %s", c->first_name ? c->first_name :
	    "", c->last_name ? c->last_name : "", c->email ? c->email : "");
	for (guint i = 0; i < c->former->len; i++)
		g_string_append_printf(s, " %s",
		    (char *)g_ptr_array_index(c->former, i));
	return cut_string(s);
}

static gboolean
index_message(Indexer *ix, const MdTicket *t, const MdCustomer *c,
    const char *customer, guint32 seq, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(MdMessage) m = md_ticket_load_message(ix->txn, t->number,
	    seq, &e);
	g_autofree char *subject = NULL, *text = NULL, *from = NULL;
	g_autofree char *to = NULL, *att = NULL;
	GString *s;
	MdSearchDoc doc = { 0 };

	if (m == NULL && !g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND) &&
	    !g_error_matches(e, MD_ERROR, MD_ERROR_CORRUPT)) {
		g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	}
	/* A record we cannot read is check's to report, not ours. */
	if (m == NULL || !indexable(m))
		return md_search_engine_remove(ix->engine, t->number, seq,
		    error);
	subject = cut(m->subject, MAX_TEXT_BYTES);
	text = cut(m->text, MAX_TEXT_BYTES);
	s = g_string_new(NULL);
	add_mailbox(s, m->from);
	if (m->from == NULL)
		add_mailbox(s, md_message_sender_mailbox(m));
	from = cut_string(s);
	s = g_string_new(NULL);
	for (guint i = 0; i < m->to->len; i++)
		add_mailbox(s, g_ptr_array_index(m->to, i));
	for (guint i = 0; i < m->cc->len; i++)
		add_mailbox(s, g_ptr_array_index(m->cc, i));
	to = cut_string(s);
	s = g_string_new(NULL);
	for (guint i = 0; i < m->attachments->len; i++) {
		MdAttachment *a = g_ptr_array_index(m->attachments, i);

		if (a->filename != NULL)
			g_string_append_printf(s, "%s\n", a->filename);
	}
	att = cut_string(s);
	doc.ticket = t->number;
	doc.seq = seq;
	doc.day = day_of(m);
	doc.subject = subject;
	doc.text = text;
	doc.from = from;
	doc.to = to;
	doc.attachments = att;
	doc.customer = customer;
	doc.status = md_ticket_status_name(t->status);
	doc.queue = t->queue;
	doc.owner = t->owner;
	doc.restricted = is_restricted(ix, m, c);
	if (!md_search_engine_put(ix->engine, &doc, error))
		return FALSE;
	ix->documents++;
	return TRUE;
}

/* Brings the documents of ticket @number in line with @t (NULL: gone). */
static gboolean
index_ticket(Indexer *ix, guint64 number, const MdTicket *t, GError **error)
{
	g_autoptr(MdCustomer) c = NULL;
	g_autofree char *customer = NULL;

	/* A merged ticket's mail is its target's now (merge.c). */
	if (t == NULL || t->merged_into != 0)
		return md_search_engine_remove_ticket(ix->engine, number,
		    error);
	if (t->customer_id != 0) {
		c = md_customer_load(ix->txn, t->customer_id, NULL);
		customer = customer_text(c);
	}
	for (guint32 seq = 1; seq <= t->message_count; seq++)
		if (!index_message(ix, t, c, customer, seq, error)) {
			g_prefix_error(error, "ticket %" G_GUINT64_FORMAT ": ",
			    number);
			return FALSE;
		}
	return TRUE;
}

/* --- Catching up, rebuilding, compacting ------------------------------ */

typedef struct {
	Indexer *ix;
	GError *error;
} Build;

static gboolean
build_one(MdTicket *t, gpointer user_data)
{
	Build *b = user_data;

	return index_ticket(b->ix, t->number, t, &b->error);
}

/*
 * Builds generation @gen from one snapshot of the store and makes it the
 * current one; then forgets the marks that snapshot held (they are in
 * it).  Called with the lock held exclusively.
 */
static gboolean
rebuild_locked(MdStore *store, const MdConfig *config, guint64 gen,
    guint64 *documents, GError **error)
{
	g_autofree char *file = generation_file(store, gen);
	g_autoptr(MdSearchEngine) engine = NULL;
	g_autoptr(GArray) due = g_array_new(FALSE, FALSE,
	    sizeof(MdSearchDue));
	g_auto(MdTxn) txn = MD_TXN_INIT;
	Indexer ix = { NULL, config, NULL, 0 };
	Build b = { &ix, NULL };

	if (!refuse_symlink(file, error))
		return FALSE;
	remove_index(file);	/* a crashed rebuild's */
	engine = md_search_engine_open(file, MD_SEARCH_ENGINE_BUILD, error);
	if (engine == NULL)
		return FALSE;
	ix.engine = engine;
	if (!md_store_begin(store, MD_TXN_READ, &txn, error))
		goto fail;
	ix.txn = &txn;
	if (!md_search_queue_due(&txn, 0, G_MAXUINT, due, error) ||
	    !md_ticket_foreach(&txn, build_one, &b, error))
		goto fail;
	if (b.error != NULL) {
		g_propagate_error(error, b.error);
		goto fail;
	}
	md_txn_clear(&txn);
	if (!md_search_engine_commit(engine, error))
		goto fail;
	g_clear_pointer(&engine, md_search_engine_close);
	sync_path(file, 0);
	if (!set_generation(store, gen, error))
		goto fail;
	remove_other_generations(store, gen);
	if (documents != NULL)
		*documents = ix.documents;
	return md_store_begin(store, MD_TXN_WRITE, &txn, error) &&
	    md_search_queue_done(&txn, (MdSearchDue *)(void *)due->data,
	    due->len, error) && md_store_commit(&txn, error);
fail:
	md_txn_clear(&txn);
	g_clear_pointer(&engine, md_search_engine_close);
	remove_index(file);
	return FALSE;
}

/*
 * Indexes one batch of due tickets after @after, those in @skip (ticket
 * -> stamp, nullable) with the same stamp left out, and commits the
 * engine; appends the marks it indexed to @done.  Sets *@n (marks read)
 * and *@last.
 */
static gboolean
index_batch(MdStore *store, const MdConfig *config, MdSearchEngine *e,
    guint64 after, GHashTable *skip, GArray *done, guint *n, guint64 *last,
    GError **error)
{
	g_autoptr(GArray) due = g_array_new(FALSE, FALSE,
	    sizeof(MdSearchDue));
	g_auto(MdTxn) txn = MD_TXN_INIT;
	Indexer ix = { &txn, config, e, 0 };

	*n = 0;
	if (!md_store_begin(store, MD_TXN_READ, &txn, error) ||
	    !md_search_queue_due(&txn, after, BATCH_TICKETS, due, error))
		return FALSE;
	for (guint i = 0; i < due->len; i++) {
		MdSearchDue *d = &g_array_index(due, MdSearchDue, i);
		g_autoptr(GError) te = NULL;
		g_autoptr(MdTicket) t = NULL;
		gpointer stamp;

		if (skip != NULL && g_hash_table_lookup_extended(skip,
		    &d->ticket, NULL, &stamp) &&
		    *(guint64 *)stamp == d->stamp)
			continue;
		t = md_ticket_load(&txn, d->ticket, &te);
		if (t == NULL && !g_error_matches(te, MD_ERROR,
		    MD_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&te));
			return FALSE;
		}
		if (!index_ticket(&ix, d->ticket, t, error))
			return FALSE;
		g_array_append_val(done, *d);
	}
	md_txn_clear(&txn);
	/* Durable in the index before any mark goes. */
	if (due->len > 0 && !md_search_engine_commit(e, error))
		return FALSE;
	*n = due->len;
	if (due->len > 0)
		*last = g_array_index(due, MdSearchDue, due->len - 1).ticket;
	return TRUE;
}

/* index_batch(), then the marks of what it indexed go. */
static gboolean
catch_up_batch(MdStore *store, const MdConfig *config, MdSearchEngine *e,
    guint64 after, guint *n, guint64 *last, GError **error)
{
	g_autoptr(GArray) done = g_array_new(FALSE, FALSE,
	    sizeof(MdSearchDue));
	g_auto(MdTxn) txn = MD_TXN_INIT;

	if (!index_batch(store, config, e, after, NULL, done, n, last, error))
		return FALSE;
	if (done->len == 0)
		return TRUE;
	return md_store_begin(store, MD_TXN_WRITE, &txn, error) &&
	    md_search_queue_done(&txn, (MdSearchDue *)(void *)done->data,
	    done->len, error) && md_store_commit(&txn, error);
}

gboolean
md_search_index_due(MdStore *store, const MdConfig *config,
    GHashTable *skip, GArray *done, GError **error)
{
	g_autoptr(MdSearchEngine) e = NULL;
	guint64 gen, after = 0, last = 0;
	gboolean ok = TRUE;
	guint n;
	int fd = md_store_lock(store, LOCK_FILE, LOCK_EX, error);

	if (fd < 0)
		return FALSE;
	e = open_current(store, MD_SEARCH_ENGINE_WRITE, &gen, error);
	if (e == NULL) {
		if (gen == 0)
			g_set_error(error, MD_ERROR, MD_ERROR_INTERNAL,
			    "search index: none to index into yet");
		close(fd);
		return FALSE;
	}
	do {
		guint from = done->len;

		ok = index_batch(store, config, e, after, skip, done, &n, &last,
		    error);
		for (guint i = from; ok && skip != NULL && i < done->len; i++) {
			MdSearchDue *d = &g_array_index(done, MdSearchDue, i);

			g_hash_table_insert(skip, g_memdup2(&d->ticket, 8),
			    g_memdup2(&d->stamp, 8));
		}
		after = last;
	} while (ok && n > 0);
	close(fd);
	return ok;
}

static gboolean
anything_due(MdStore *store, gboolean *due, GError **error)
{
	g_autoptr(GArray) one = g_array_new(FALSE, FALSE, sizeof(MdSearchDue));
	g_auto(MdTxn) txn = MD_TXN_INIT;

	if (!md_store_begin(store, MD_TXN_READ, &txn, error) ||
	    !md_search_queue_due(&txn, 0, 1, one, error))
		return FALSE;
	*due = one->len > 0;
	return TRUE;
}

/* md_search_catch_up() with the lock held exclusively. */
static gboolean
catch_up_locked(MdStore *store, const MdConfig *config, guint64 *tickets,
    GError **error)
{
	g_autoptr(MdSearchEngine) e = NULL;
	g_autoptr(GError) oe = NULL;
	guint64 gen, after = 0, last = 0;
	guint n;

	if (tickets != NULL)
		*tickets = 0;
	e = open_current(store, MD_SEARCH_ENGINE_WRITE, &gen, &oe);
	if (e == NULL && oe == NULL)
		return rebuild_locked(store, config, 1, NULL, error);
	if (e == NULL) {
		g_propagate_error(error, g_steal_pointer(&oe));
		return FALSE;
	}
	do {
		if (!catch_up_batch(store, config, e, after, &n, &last, error))
			return FALSE;
		after = last;
		if (tickets != NULL)
			*tickets += n;
	} while (n > 0);
	return TRUE;
}

gboolean
md_search_catch_up(MdStore *store, const MdConfig *config, guint64 *tickets,
    GError **error)
{
	guint64 gen;
	gboolean due;
	gboolean ok;
	int fd;

	if (tickets != NULL)
		*tickets = 0;
	/* The common case, nothing due, costs one read. */
	if (!current_generation(store, &gen, error) ||
	    !anything_due(store, &due, error))
		return FALSE;
	if (gen != 0 && !due)
		return TRUE;
	fd = md_store_lock(store, LOCK_FILE, LOCK_EX, error);
	if (fd < 0)
		return FALSE;
	ok = catch_up_locked(store, config, tickets, error);
	close(fd);
	return ok;
}

gboolean
md_search_reindex(MdStore *store, const MdConfig *config,
    guint64 *documents, GError **error)
{
	guint64 gen = 0;
	gboolean ok;
	int fd = md_store_lock(store, LOCK_FILE, LOCK_EX, error);

	if (fd < 0)
		return FALSE;
	/* A broken search.current is what a rebuild is for. */
	if (!current_generation(store, &gen, NULL))
		gen = (guint64)g_get_real_time();
	ok = rebuild_locked(store, config, gen + 1, documents, error);
	close(fd);
	return ok;
}

gboolean
md_search_compact(MdStore *store, const MdConfig *config, GError **error)
{
	g_autoptr(MdSearchEngine) e = NULL;
	g_autofree char *file = NULL;
	guint64 gen;
	gboolean ok = FALSE;
	int fd = md_store_lock(store, LOCK_FILE, LOCK_EX, error);

	if (fd < 0)
		return FALSE;
	/* What the erasure removed must leave the index first. */
	if (!catch_up_locked(store, config, NULL, error))
		goto out;
	e = open_current(store, MD_SEARCH_ENGINE_WRITE, &gen, error);
	if (e == NULL) {
		ok = gen == 0;	/* nothing to compact */
		goto out;
	}
	file = generation_file(store, gen + 1);
	if (!refuse_symlink(file, error))
		goto out;
	remove_index(file);
	if (!md_search_engine_compact(e, file, error)) {
		remove_index(file);
		goto out;
	}
	g_clear_pointer(&e, md_search_engine_close);
	sync_path(file, 0);
	if (!set_generation(store, gen + 1, error)) {
		remove_index(file);
		goto out;
	}
	remove_other_generations(store, gen + 1);
	ok = TRUE;
out:
	close(fd);
	return ok;
}

/* --- Searching -------------------------------------------------------- */

/* One line: the snippet's line breaks and runs of blanks as one space. */
static char *
one_line(const char *s)
{
	GString *out = g_string_new(NULL);
	gboolean space = FALSE;

	for (const char *p = s; *p != '\0'; p++) {
		if (g_ascii_isspace(*p)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

static MdSearchResult *
make_result(MdTxn *txn, MdSearchHits *hits, guint i,
    gboolean include_restricted)
{
	g_autoptr(MdSearchResult) r = g_new0(MdSearchResult, 1);
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(MdMessage) m = NULL;
	g_autofree char *snippet = NULL;

	md_search_hits_get(hits, i, &r->ticket, &r->seq, &r->score);
	/* Gone since it was indexed: a concurrent erasure. */
	t = md_ticket_load(txn, r->ticket, NULL);
	if (t == NULL)
		return NULL;
	if (t->customer_id != 0)
		c = md_customer_load(txn, t->customer_id, NULL);
	r->restricted = c != NULL && (c->flags & MD_CUSTOMER_RESTRICTED);
	if (r->restricted && !include_restricted)
		return NULL;
	m = md_ticket_load_message(txn, r->ticket, r->seq, NULL);
	if (m == NULL || (m->flags & MD_MSG_ERASED))
		return NULL;
	r->status = g_strdup(md_ticket_status_name(t->status));
	r->queue = g_strdup(t->queue);
	r->subject = g_strdup(t->subject);
	if (c != NULL) {
		r->customer = g_strdup(c->email);
		r->customer_name = md_customer_display_name(c);
	}
	r->date = m->has_date ? m->date : m->received_at;
	r->date_offset_s = m->has_date ? m->date_offset_s : 0;
	snippet = md_search_hits_snippet(hits, i, SNIPPET_WORDS);
	r->snippet = one_line(snippet);
	return g_steal_pointer(&r);
}

GPtrArray *
md_search_run(MdStore *store, const MdConfig *config, const char *query,
    gboolean include_restricted, guint limit, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_search_result_free);
	g_autoptr(MdSearchEngine) e = NULL;
	g_autoptr(MdSearchHits) hits = NULL;
	g_autofree char *expr = md_search_query_to_fts5(query, error);
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) oe = NULL;
	guint64 gen;
	int fd;

	if (expr == NULL || !md_search_catch_up(store, config, NULL, error))
		return NULL;
	fd = md_store_lock(store, LOCK_FILE, LOCK_SH, error);
	if (fd < 0)
		return NULL;
	/* Caught up, so there is one (unless removed meanwhile). */
	e = open_current(store, MD_SEARCH_ENGINE_READ, &gen, &oe);
	if (e == NULL && oe == NULL)
		g_set_error(&oe, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "search index: missing (run maildesk reindex)");
	if (oe != NULL)
		g_propagate_error(error, g_steal_pointer(&oe));
	if (e != NULL)
		hits = md_search_engine_query(e, expr, include_restricted,
		    limit, error);
	if (hits != NULL && md_store_begin(store, MD_TXN_READ, &txn, error)) {
		for (guint i = 0; i < md_search_hits_count(hits); i++) {
			MdSearchResult *r = make_result(&txn, hits, i,
			    include_restricted);

			if (r != NULL)
				g_ptr_array_add(out, r);
		}
		md_txn_clear(&txn);
	} else
		g_clear_pointer(&out, g_ptr_array_unref);
	g_clear_pointer(&hits, md_search_hits_free);
	g_clear_pointer(&e, md_search_engine_close);
	close(fd);
	return g_steal_pointer(&out);
}

/* --- Checking --------------------------------------------------------- */

typedef struct {
	guint64 ticket;
	guint32 seq;
} DocId;

static gboolean
collect_doc(guint64 ticket, guint32 seq, gpointer user_data)
{
	DocId d = { ticket, seq };

	g_array_append_val((GArray *)user_data, d);
	return TRUE;
}

#define MAX_LISTED 20

typedef struct {
	MdTxn *txn;
	GHashTable *due;	/* ticket numbers still due */
	GArray *docs;		/* of DocId, in order */
	guint next;		/* first of docs not yet matched */
	GPtrArray *problems;
	guint64 missing, extra;
} Compare;

static void
problem(Compare *c, guint64 *count, const char *what, guint64 ticket,
    guint32 seq)
{
	if (++*count <= MAX_LISTED)
		g_ptr_array_add(c->problems, g_strdup_printf("search index: "
		    "ticket %" G_GUINT64_FORMAT " message %u %s", ticket, seq,
		    what));
}

/* Documents before ticket @upto that no stored message accounts for. */
static void
extra_before(Compare *c, guint64 upto)
{
	while (c->next < c->docs->len) {
		DocId *d = &g_array_index(c->docs, DocId, c->next);

		if (d->ticket >= upto)
			break;
		if (!g_hash_table_contains(c->due, &d->ticket))
			problem(c, &c->extra, "is indexed but not stored",
			    d->ticket, d->seq);
		c->next++;
	}
}

static gboolean
compare_ticket(MdTicket *t, gpointer user_data)
{
	Compare *c = user_data;
	gboolean due = g_hash_table_contains(c->due, &t->number);

	extra_before(c, t->number);
	for (guint32 seq = 1; seq <= t->message_count; seq++) {
		g_autoptr(MdMessage) m = NULL;
		/* One that cannot be read is md_check_store's to report. */
		gboolean unreadable = !md_ticket_lookup_message(c->txn,
		    t->number, seq, &m, NULL);
		gboolean stored = m != NULL && indexable(m);
		gboolean indexed = FALSE;

		while (c->next < c->docs->len) {
			DocId *d = &g_array_index(c->docs, DocId, c->next);

			if (d->ticket != t->number || d->seq > seq)
				break;
			c->next++;
			if (d->seq == seq)
				indexed = TRUE;
			else if (!due)
				problem(c, &c->extra, "is indexed but not "
				    "stored", d->ticket, d->seq);
		}
		if (due || unreadable || stored == indexed)
			continue;
		if (stored)
			problem(c, &c->missing, "is not indexed", t->number,
			    seq);
		else
			problem(c, &c->extra, "is indexed but not stored",
			    t->number, seq);
	}
	/* Past the last message of the ticket. */
	extra_before(c, t->number + 1);
	return TRUE;
}

gboolean
md_search_check(MdStore *store, const MdConfig *config, GPtrArray *problems,
    guint64 *documents, guint64 *due, GError **error)
{
	g_autoptr(MdSearchEngine) e = NULL;
	g_autoptr(GArray) marks = g_array_new(FALSE, FALSE,
	    sizeof(MdSearchDue));
	g_autoptr(GArray) docs = g_array_new(FALSE, FALSE, sizeof(DocId));
	g_autoptr(GHashTable) due_set = g_hash_table_new(g_int64_hash,
	    g_int64_equal);
	g_auto(MdTxn) txn = MD_TXN_INIT;
	Compare c = { &txn, due_set, docs, 0, problems, 0, 0 };
	guint64 gen;
	gboolean ok = FALSE;
	int fd;

	*documents = 0;
	*due = 0;
	if (!current_generation(store, &gen, error))
		return FALSE;
	if (gen == 0) {
		/* Built by the first search or flush; nothing to compare. */
		return TRUE;
	}
	/* Under the lock no writer runs: index and snapshot agree. */
	fd = md_store_lock(store, LOCK_FILE, LOCK_SH, error);
	if (fd < 0)
		return FALSE;
	e = open_current(store, MD_SEARCH_ENGINE_READ, &gen, error);
	if (e == NULL && gen == 0) {
		ok = TRUE;	/* removed meanwhile */
		goto out;
	}
	if (e == NULL || !md_search_engine_foreach(e, collect_doc, docs,
	    error) || !md_store_begin(store, MD_TXN_READ, &txn, error) ||
	    !md_search_queue_due(&txn, 0, G_MAXUINT, marks, error))
		goto out;
	for (guint i = 0; i < marks->len; i++)
		g_hash_table_add(due_set, &g_array_index(marks, MdSearchDue,
		    i).ticket);
	if (!md_ticket_foreach(&txn, compare_ticket, &c, error))
		goto out;
	extra_before(&c, G_MAXUINT64);
	if (c.missing > MAX_LISTED)
		g_ptr_array_add(problems, g_strdup_printf("search index: %"
		    G_GUINT64_FORMAT " messages in all are not indexed",
		    c.missing));
	if (c.extra > MAX_LISTED)
		g_ptr_array_add(problems, g_strdup_printf("search index: %"
		    G_GUINT64_FORMAT " documents in all have no message",
		    c.extra));
	*documents = docs->len;
	*due = marks->len;
	ok = TRUE;
out:
	md_txn_clear(&txn);
	g_clear_pointer(&e, md_search_engine_close);
	close(fd);
	return ok;
}
