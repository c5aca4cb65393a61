/* SPDX-License-Identifier: MIT */
/*
 * import: an existing support mailbox (mbox or Maildir) into tickets, with
 * the parsing and threading of deliver but many mails per transaction and
 * no automatic mail.  A rerun skips what is there already (the dedupe
 * keys of deliver), so an interrupted import is simply started again.
 *
 * Parsing runs on every CPU (md_deliver_prepare in a thread pool, a
 * window of mails ahead); this thread stores the parsed mails in the
 * order of the mailbox, so that a reply still finds the ticket of the
 * mail before it.
 *
 * Each batch is indexed for search by a thread of its own as soon as it
 * is committed, while the next batch is parsed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "maildesk/term.h"
#include "maildesk/cmd.h"
#include "maildesk/deliver.h"
#include "maildesk/error.h"
#include "maildesk/mbox.h"
#include "maildesk/search.h"
#include "maildesk/search-queue.h"
#include "maildesk/search-thread.h"

#define BATCH_MESSAGES 1000
#define BATCH_BYTES (64u << 20)
/* Mails parsed ahead of the one being stored, at most. */
#define WINDOW 128

/* One mail on its way: read, parsed by a worker, stored in order. */
typedef struct {
	GBytes *raw;		/* owned */
	gint64 now;
	MdMessage *message;	/* owned; NULL until parsed */
	gboolean ready;
} Pending;

typedef struct {
	MdContext *ctx;
	const char *recipient;
	MdTxn txn;
	guint in_batch;
	gsize batch_bytes;
	guint total, stored, duplicates;
	gboolean tty;
	MdSearchThread *indexer;
	GThreadPool *pool;
	GQueue pending;		/* Pending *, in mailbox order */
	GMutex lock;
	GCond parsed;
} Import;

/* Clears the marks of @done (of MdSearchDue) in @txn: indexed. */
static gboolean
clear_marks(MdTxn *txn, GArray *done, GError **error)
{
	return md_search_queue_done(txn, (MdSearchDue *)(void *)done->data,
	    done->len, error);
}

static gboolean
flush_batch(Import *im, GError **error)
{
	if (im->txn.txn == NULL)
		return TRUE;
	if (!md_store_commit(&im->txn, error))
		return FALSE;
	md_search_thread_kick(im->indexer);
	im->in_batch = 0;
	im->batch_bytes = 0;
	if (im->tty)
		fprintf(stderr, "\rimport: %u mails, %u stored, %u already "
		    "there", im->total, im->stored, im->duplicates);
	return TRUE;
}

/* In a worker: what a delivery does before its transaction. */
static void
parse_one(gpointer data, gpointer user_data)
{
	Pending *p = data;
	Import *im = user_data;
	gsize len;
	const guint8 *raw = g_bytes_get_data(p->raw, &len);
	/* Over the size limit: the delivery refuses it unparsed. */
	MdMessage *m = len > im->ctx->config->max_size_bytes ? NULL :
	    md_deliver_prepare(im->ctx->config, raw, len, NULL,
	    im->recipient, p->now);

	g_mutex_lock(&im->lock);
	p->message = m;
	p->ready = TRUE;
	g_cond_broadcast(&im->parsed);
	g_mutex_unlock(&im->lock);
}

/* One parsed mail into the import's transaction. */
static gboolean
store_one(Import *im, Pending *p, GError **error)
{
	MdDeliverOptions opts = { 0 };
	MdDeliverResult r = { 0 };
	g_autoptr(GError) e = NULL;
	gsize len;
	const guint8 *raw = g_bytes_get_data(p->raw, &len);

	if (im->txn.txn == NULL) {
		g_autoptr(GArray) done = md_search_thread_take(im->indexer);

		if (!md_store_begin(im->ctx->store, MD_TXN_WRITE, &im->txn,
		    error) || !clear_marks(&im->txn, done, error))
			return FALSE;
	}
	opts.recipient = im->recipient;
	opts.txn = &im->txn;
	opts.no_autoreply = TRUE;
	opts.message = p->message;
	im->total++;
	if (!md_deliver_opts(im->ctx->store, im->ctx->config, raw, len, &opts,
	    p->now, &r, &e)) {
		md_deliver_result_clear(&r);
		if (g_error_matches(e, MD_ERROR, MD_ERROR_REJECT)) {
			/* Over the size limit: say so, go on. */
			fprintf(stderr, "import: mail %u skipped: %s\n",
			    im->total, e->message);
			return TRUE;
		}
		g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	}
	if (r.duplicate)
		im->duplicates++;
	else
		im->stored++;
	md_deliver_result_clear(&r);
	im->batch_bytes += len;
	if (++im->in_batch >= BATCH_MESSAGES ||
	    im->batch_bytes >= BATCH_BYTES)
		return flush_batch(im, error);
	return TRUE;
}

static void
pending_free(Pending *p)
{
	md_message_free(p->message);
	g_bytes_unref(p->raw);
	g_free(p);
}

/* Stores the oldest pending mail once a worker has parsed it. */
static gboolean
store_next(Import *im, GError **error)
{
	Pending *p = g_queue_pop_head(&im->pending);
	gboolean ok;

	g_mutex_lock(&im->lock);
	while (!p->ready)
		g_cond_wait(&im->parsed, &im->lock);
	g_mutex_unlock(&im->lock);
	ok = store_one(im, p, error);
	pending_free(p);
	return ok;
}

/* Hands @raw (transfer full) to the workers; stores what is due. */
static gboolean
import_one(Import *im, GBytes *raw, GError **error)
{
	Pending *p = g_new0(Pending, 1);

	p->raw = raw;
	p->now = g_get_real_time() / G_USEC_PER_SEC;
	g_queue_push_tail(&im->pending, p);
	g_thread_pool_push(im->pool, p, NULL);
	if (g_queue_get_length(&im->pending) > WINDOW)
		return store_next(im, error);
	return TRUE;
}

/* Stores every mail still pending; after a failure only waits for them. */
static gboolean
drain(Import *im, gboolean ok, GError **error)
{
	while (!g_queue_is_empty(&im->pending)) {
		if (ok) {
			ok = store_next(im, error);
			continue;
		}
		g_mutex_lock(&im->lock);
		while (!((Pending *)g_queue_peek_head(&im->pending))->ready)
			g_cond_wait(&im->parsed, &im->lock);
		g_mutex_unlock(&im->lock);
		pending_free(g_queue_pop_head(&im->pending));
	}
	return ok;
}

/* One mail of the mbox, as md_mbox_read() hands it over. */
static gboolean
import_raw(GBytes *raw, gpointer data, GError **error)
{
	return import_one(data, raw, error);
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static gboolean
import_maildir(Import *im, const char *dir, GError **error)
{
	static const char *const subs[] = { "cur", "new", NULL };
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);

	for (const char *const *sub = subs; *sub != NULL; sub++) {
		g_autofree char *path = g_build_filename(dir, *sub, NULL);
		g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
		const char *name;

		if (d == NULL)
			continue;
		while ((name = g_dir_read_name(d)) != NULL)
			if (name[0] != '.')
				g_ptr_array_add(files, g_build_filename(path,
				    name, NULL));
	}
	if (files->len == 0 && !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "%s is not a Maildir", dir);
		return FALSE;
	}
	/* Maildir names begin with the delivery time: oldest first. */
	g_ptr_array_sort(files, by_name);
	for (guint i = 0; i < files->len; i++) {
		char *raw = NULL;
		gsize len;
		g_autoptr(GError) e = NULL;

		if (!g_file_get_contents(g_ptr_array_index(files, i), &raw,
		    &len, &e)) {
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "%s", e->message);
			return FALSE;
		}
		if (!import_one(im, g_bytes_new_take(raw, len), error))
			return FALSE;
	}
	return TRUE;
}

/*
 * The thread's last pass, its marks cleared, and a catch-up for whatever
 * changed meanwhile.  Mail that is stored stays stored whatever fails
 * here: its marks stay, and the next search or flush indexes it.
 */
static gboolean
finish_index(Import *im, gboolean ok, GError **error)
{
	g_autoptr(GArray) done = g_array_new(FALSE, FALSE,
	    sizeof(MdSearchDue));
	g_autoptr(GError) e = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;

	if (!md_search_thread_finish(im->indexer, done, &e) ||
	    !md_store_begin(im->ctx->store, MD_TXN_WRITE, &txn, &e) ||
	    !clear_marks(&txn, done, &e) || !md_store_commit(&txn, &e) ||
	    !md_search_catch_up(im->ctx->store, im->ctx->config, NULL, &e)) {
		g_prefix_error(&e, "import: stored, but not all indexed yet: ");
		if (ok)
			g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	}
	return TRUE;
}

gboolean
md_cmd_import(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *queue = NULL;
	GOptionEntry entries[] = {
		{ "queue", 0, 0, G_OPTION_ARG_STRING, &queue,
		  "file the mail in this queue", "Q" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "mbox FILE | maildir DIR - import a mailbox");
	g_autoptr(GError) e = NULL;
	Import im = { 0 };
	gboolean ok;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (argc != 3 || (strcmp(argv[1], "mbox") != 0 &&
	    strcmp(argv[1], "maildir") != 0)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "usage: import "
		    "mbox FILE | maildir DIR [--queue Q]");
		return FALSE;
	}
	im.ctx = ctx;
	im.tty = isatty(STDERR_FILENO);
	im.recipient = md_config_address_of(ctx->config, queue ? queue :
	    ctx->config->default_queue);
	if (queue != NULL && im.recipient == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "no address of ours feeds queue %s", queue);
		return FALSE;
	}
	im.indexer = md_search_thread_start(ctx->store, ctx->config, error);
	if (im.indexer == NULL)
		return FALSE;
	g_mutex_init(&im.lock);
	g_cond_init(&im.parsed);
	g_queue_init(&im.pending);
	im.pool = g_thread_pool_new(parse_one, &im, (gint)MAX(1,
	    g_get_num_processors()), TRUE, NULL);
	ok = strcmp(argv[1], "mbox") == 0 ? md_mbox_read(argv[2], import_raw,
	    &im, error) :
	    import_maildir(&im, argv[2], error);
	ok = drain(&im, ok, error);
	g_thread_pool_free(im.pool, FALSE, TRUE);
	g_mutex_clear(&im.lock);
	g_cond_clear(&im.parsed);
	if (ok)
		ok = flush_batch(&im, error);
	md_txn_clear(&im.txn);
	ok = finish_index(&im, ok, error) && ok;
	if (im.tty)
		fputc('\n', stderr);
	md_out("import: %u mails, %u stored, %u already there\n", im.total,
	    im.stored, im.duplicates);
	return ok;
}
