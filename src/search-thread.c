/* SPDX-License-Identifier: MIT */
/*
 * The indexing thread (search-thread.h).  Kicks are counted, not queued:
 * one pass indexes whatever is due by then, however many commits that
 * was.  What it indexed but the writer has not cleared yet is remembered
 * (ticket -> stamp), so the next pass does not index it again.
 */
#include "maildesk/search.h"
#include "maildesk/search-queue.h"
#include "maildesk/search-thread.h"

struct MdSearchThread {
	MdStore *store;			/* borrowed */
	const MdConfig *config;		/* borrowed */
	GThread *thread;
	GMutex lock;
	GCond cond;
	guint kicks, passes;		/* under lock */
	gboolean stop;			/* under lock */
	GArray *done;			/* under lock: of MdSearchDue */
	GError *error;			/* under lock */
	GHashTable *skip;		/* the thread's own */
};

static gpointer
run(gpointer data)
{
	MdSearchThread *t = data;

	for (;;) {
		g_autoptr(GArray) done = g_array_new(FALSE, FALSE,
		    sizeof(MdSearchDue));
		GError *e = NULL;
		guint target;
		gboolean ok;

		g_mutex_lock(&t->lock);
		while (t->kicks == t->passes && !t->stop)
			g_cond_wait(&t->cond, &t->lock);
		if (t->kicks == t->passes || t->error != NULL) {
			g_mutex_unlock(&t->lock);
			break;
		}
		target = t->kicks;
		g_mutex_unlock(&t->lock);

		ok = md_search_index_due(t->store, t->config, t->skip, done,
		    &e);

		g_mutex_lock(&t->lock);
		g_array_append_vals(t->done, done->data, done->len);
		t->passes = target;
		if (!ok)
			t->error = e;
		g_mutex_unlock(&t->lock);
		if (!ok)
			break;
	}
	return NULL;
}

MdSearchThread *
md_search_thread_start(MdStore *store, const MdConfig *config,
    GError **error)
{
	MdSearchThread *t;

	if (!md_search_catch_up(store, config, NULL, error))
		return NULL;
	t = g_new0(MdSearchThread, 1);
	t->store = store;
	t->config = config;
	g_mutex_init(&t->lock);
	g_cond_init(&t->cond);
	t->done = g_array_new(FALSE, FALSE, sizeof(MdSearchDue));
	t->skip = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
	    g_free);
	t->thread = g_thread_new("maildesk-index", run, t);
	return t;
}

void
md_search_thread_kick(MdSearchThread *t)
{
	g_mutex_lock(&t->lock);
	t->kicks++;
	g_cond_signal(&t->cond);
	g_mutex_unlock(&t->lock);
}

GArray *
md_search_thread_take(MdSearchThread *t)
{
	GArray *out;

	g_mutex_lock(&t->lock);
	out = t->done;
	t->done = g_array_new(FALSE, FALSE, sizeof(MdSearchDue));
	g_mutex_unlock(&t->lock);
	return out;
}

gboolean
md_search_thread_finish(MdSearchThread *t, GArray *done, GError **error)
{
	gboolean ok;

	g_mutex_lock(&t->lock);
	t->kicks++;	/* one last pass, for the last commit */
	t->stop = TRUE;
	g_cond_signal(&t->cond);
	g_mutex_unlock(&t->lock);
	g_thread_join(t->thread);
	if (done != NULL)
		g_array_append_vals(done, t->done->data, t->done->len);
	ok = t->error == NULL;
	if (!ok)
		g_propagate_error(error, t->error);
	g_array_unref(t->done);
	g_hash_table_unref(t->skip);
	g_mutex_clear(&t->lock);
	g_cond_clear(&t->cond);
	g_free(t);
	return ok;
}
