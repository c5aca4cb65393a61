/* SPDX-License-Identifier: MIT */
/*
 * deliver: the MTA's entry point.  Reads the message, runs one delivery,
 * logs one line.  main.c arms the watchdog once, before the store is
 * opened, so the time limit bounds the whole run.  Every failure here becomes exit 75
 * through md_exit_status(), so the MTA keeps the mail and retries.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildesk/term.h"
#include "maildesk/cmd.h"
#include "maildesk/deliver.h"
#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/sender.h"
#include "maildesk/token.h"
#include "maildesk/trace.h"

static void
watchdog(int sig)
{
	static const char line[] =
	    "maildesk: deliver: time limit reached, will retry\n";

	(void)sig;
	/* Async-signal-safe: write(2) and _exit(2) only. */
	if (write(STDERR_FILENO, line, sizeof(line) - 1) < 0)
		_exit(75);
	_exit(75);
}

/* After the commit the mail is safe: running out of time is success. */
static void
committed_watchdog(int sig)
{
	(void)sig;
	_exit(0);
}

static void
arm(void (*handler)(int), unsigned seconds)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(seconds);
}

/*
 * Reads all of stdin, but no more than @limit + 1 bytes: one byte past the
 * limit is enough to refuse, and a huge message is never held whole.
 */
static GByteArray *
read_stdin(guint64 limit, gboolean *over, GError **error)
{
	struct stat st;
	GByteArray *buf;
	gsize chunk = 64 * 1024;

	*over = FALSE;
	if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0 && (guint64)st.st_size <= limit)
		buf = g_byte_array_sized_new((guint)st.st_size + 1);
	else
		buf = g_byte_array_sized_new(chunk);
	for (;;) {
		gsize room;
		ssize_t n;

		if (buf->len > limit) {
			*over = TRUE;
			break;
		}
		room = MAX(chunk, buf->len / 4);
		if (buf->len + room > limit + 1)
			room = limit + 1 - buf->len;
		g_byte_array_set_size(buf, buf->len + room);
		n = read(STDIN_FILENO, buf->data + buf->len - room, room);
		if (n < 0) {
			int saved = errno;

			g_byte_array_set_size(buf, buf->len - room);
			if (saved == EINTR)
				continue;
			g_byte_array_unref(buf);
			g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
			    "reading the message: %s", g_strerror(saved));
			return NULL;
		}
		g_byte_array_set_size(buf, buf->len - room + (gsize)n);
		if (n == 0)
			break;
	}
	return buf;
}

static gboolean
parse_args(int argc, char **argv, char **sender, char **recipient,
    GError **error)
{
	g_autoptr(GOptionContext) oc = g_option_context_new(NULL);
	GOptionEntry entries[] = {
		/* FILENAME: raw bytes, never a failing locale conversion. */
		{ "sender", 'f', 0, G_OPTION_ARG_FILENAME, sender,
		  "envelope sender (Postfix ${sender})", "ADDR" },
		{ "recipient", 'r', 0, G_OPTION_ARG_FILENAME, recipient,
		  "envelope recipient (Postfix ${recipient})", "ADDR" },
		{ NULL }
	};

	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_set_help_enabled(oc, FALSE);
	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !md_cmd_no_args(argc, argv, error))
		return FALSE;
	return TRUE;
}

static void
detach(gpointer unused)
{
	(void)unused;
	setsid();
}

/*
 * A search request waits for an engine deliver does not carry: start a
 * flush, detached (its own session, no descriptor of ours, so the MTA
 * does not wait for it), which answers it.  Should that fail, the flush
 * timer answers it a minute later; the request is committed either way.
 */
static void
start_flush(MdContext *ctx)
{
	g_autofree char *path = md_cmd_full_path();
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) e = NULL;

	g_ptr_array_add(argv, path);
	if (ctx->config_path != NULL) {
		g_ptr_array_add(argv, (char *)"-c");
		g_ptr_array_add(argv, (char *)ctx->config_path);
	}
	if (ctx->store_override != NULL) {
		g_ptr_array_add(argv, (char *)"--store");
		g_ptr_array_add(argv, (char *)ctx->store_override);
	}
	g_ptr_array_add(argv, (char *)"flush");
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_async(NULL, (char **)argv->pdata, NULL,
	    G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_STDOUT_TO_DEV_NULL |
	    G_SPAWN_STDERR_TO_DEV_NULL, detach, NULL, NULL, &e))
		md_info("deliver search result=deferred reason=\"%s\"",
		    e->message);
}

void
md_cmd_deliver_arm(unsigned seconds)
{
	arm(watchdog, seconds);
}

gboolean
md_cmd_deliver_raw(MdContext *ctx, const guint8 *raw, gsize len,
    const MdDeliverOptions *opts, MdDeliverResult *r, GError **error)
{
	g_autoptr(GError) e = NULL;
	MdDeliverOptions o = *opts;

	/* A sender follows the commit: leave the ack to it. */
	o.defer_ack = ctx->config->deliver_flush_s > 0;
	if (!md_deliver_opts(ctx->store, ctx->config, raw, len, &o,
	    g_get_real_time() / G_USEC_PER_SEC, r, error))
		return FALSE;
	if (r->search_request)
		start_flush(ctx);
	/*
	 * One try to send what this delivery queued, by a sender process
	 * of its own (sender.c).  The exit status is settled already:
	 * whatever happens now, it is 0.
	 */
	if (r->outbox_ids->len == 0 || ctx->config->deliver_flush_s == 0)
		return TRUE;
	arm(committed_watchdog, ctx->config->time_limit_s);
	if (!md_sender_start(ctx->config, r->outbox_ids, &e))
		md_info("deliver send result=error reason=\"%s\"",
		    e->message);
	md_trace("sender");
	return TRUE;
}

gboolean
md_cmd_deliver_composed(MdContext *ctx, MdComposeSpec *spec,
    const char *prefix, const MdDeliverOptions *opts, MdDeliverResult *r,
    GError **error)
{
	g_autofree char *msgid = md_token_plain_message_id(prefix,
	    spec->to_address);
	g_autoptr(GBytes) raw = NULL;
	const guint8 *data;
	gsize len;

	spec->message_id = msgid;
	raw = md_compose(spec, g_get_real_time() / G_USEC_PER_SEC);
	spec->message_id = NULL;
	if (raw == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "%s or %s is not a plain address", spec->from_address,
		    spec->to_address);
		return FALSE;
	}
	data = g_bytes_get_data(raw, &len);
	return md_cmd_deliver_raw(ctx, data, len, opts, r, error);
}

gboolean
md_cmd_deliver(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *sender = NULL, *recipient = NULL;
	g_autoptr(GByteArray) raw = NULL;
	MdDeliverResult r = { 0 };
	MdDeliverOptions opts = { 0 };
	gint64 start = g_get_monotonic_time();
	gboolean over, ok;

	if (!parse_args(argc, argv, &sender, &recipient, error))
		return FALSE;
	/*
	 * The MTA should run us as a dedicated user; as root a parsing bug
	 * would be everybody's problem.  Deferred, not bounced: the admin
	 * fixes master.cf and the queue drains.
	 */
	if (geteuid() == 0 && !ctx->config->allow_root) {
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "refusing to run as root: run deliver as the maildesk "
		    "user (or set [deliver] allow-root = true)");
		return FALSE;
	}
	raw = read_stdin(ctx->config->max_size_bytes, &over, error);
	if (raw == NULL)
		return FALSE;
	md_trace("read");
	if (over) {
		g_set_error(error, MD_ERROR, MD_ERROR_REJECT,
		    "message too big: over the limit of %" G_GUINT64_FORMAT
		    " bytes", ctx->config->max_size_bytes);
		md_info("deliver result=rejected reason=size limit=%"
		    G_GUINT64_FORMAT, ctx->config->max_size_bytes);
		return FALSE;
	}
	opts.sender = sender;
	opts.recipient = recipient;
	ok = md_cmd_deliver_raw(ctx, raw->data, raw->len, &opts, &r, error);
	if (ok)
		md_info("deliver ticket=%" G_GUINT64_FORMAT " seq=%u "
		    "customer=%" G_GUINT64_FORMAT " queue=%s kind=%s size=%u "
		    "result=%s ms=%" G_GINT64_FORMAT, r.ticket, r.seq,
		    r.customer, r.queue ? r.queue : "-", r.kind ? r.kind : "-",
		    raw->len, r.duplicate ? "duplicate" :
		    r.search_request ? "search-request" :
		    r.new_ticket ? "new-ticket" : "stored",
		    (g_get_monotonic_time() - start) / 1000);
	md_deliver_result_clear(&r);
	alarm(0);
	md_trace("log");
	return ok;
}
