/* SPDX-License-Identifier: MIT */
/*
 * LMTP, RFC 2033, one connection.  The commands are SMTP's with LHLO for
 * EHLO; the difference that matters is after DATA: one reply per
 * accepted recipient, each given only when that recipient's copy is
 * safe, so the client retries exactly the recipients that failed.
 *
 * Extensions: PIPELINING (required by RFC 2033: replies go out in order,
 * whatever has been read ahead), ENHANCEDSTATUSCODES, 8BITMIME, SIZE.
 * The data is stored as a local delivery agent stores it: lines end in
 * LF, dots unstuffed, a Return-Path header with the envelope sender first
 * (as Postfix's pipe(8) flags=R gives deliver).
 *
 * Never 5xx for trouble on our side: only a message over the size limit
 * (552) and protocol errors get a permanent reply.
 */
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "maildesk/lmtp.h"

#define BUF_BYTES (64 * 1024)
#define MAX_COMMAND_BYTES 4096
/* Between polls, to notice a stop while waiting for a command. */
#define POLL_SLICE_MS 250

typedef struct {
	const MdLmtpSession *s;
	guint8 buf[BUF_BYTES];
	gsize start, end;	/* unread bytes: buf[start..end) */
	gboolean eof;
	gboolean failed;	/* read error, timeout or write error */
	gboolean stopped;	/* gave up waiting: the server stops */
} Conn;

static void
reply(Conn *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
reply(Conn *c, const char *fmt, ...)
{
	g_autofree char *line = NULL;
	va_list ap;
	gsize off = 0, len;

	if (c->failed)
		return;
	va_start(ap, fmt);
	line = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	len = strlen(line);
	while (off < len) {
		ssize_t n = send(c->s->fd, line + off, len - off,
		    MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->failed = TRUE;
			return;
		}
		off += (gsize)n;
	}
}

/*
 * More bytes into the buffer.  Waits at most the session's timeout; while
 * waiting for a command (@idle), also gives up when the server stops.
 */
static gboolean
fill(Conn *c, gboolean idle)
{
	gint64 deadline = g_get_monotonic_time() +
	    (gint64)c->s->timeout_s * G_USEC_PER_SEC;
	ssize_t n;

	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (c->end == sizeof(c->buf))
		return TRUE;	/* full: the caller takes what is there */
	for (;;) {
		struct pollfd p = { c->s->fd, POLLIN, 0 };
		gint64 left = deadline - g_get_monotonic_time();
		int r;

		if (idle && c->s->stopping != NULL &&
		    g_atomic_int_get(c->s->stopping)) {
			c->stopped = TRUE;
			return FALSE;
		}
		if (left <= 0) {
			c->failed = TRUE;
			return FALSE;
		}
		r = poll(&p, 1, (int)MIN(left / 1000 + 1, POLL_SLICE_MS));
		if (r < 0 && errno != EINTR) {
			c->failed = TRUE;
			return FALSE;
		}
		if (r > 0)
			break;
	}
	do
		n = read(c->s->fd, c->buf + c->end, sizeof(c->buf) - c->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		c->failed = TRUE;
		return FALSE;
	}
	if (n == 0) {
		c->eof = TRUE;
		return FALSE;
	}
	c->end += (gsize)n;
	return TRUE;
}

/*
 * The next line, without its line end, appended to @out (at most @max
 * bytes of it; *@cut says whether more were dropped).  FALSE at the end
 * of input or on trouble.
 */
static gboolean
read_line(Conn *c, GByteArray *out, gsize max, gboolean idle,
    gboolean *cut)
{
	*cut = FALSE;
	for (;;) {
		guint8 *nl = memchr(c->buf + c->start, '\n',
		    c->end - c->start);
		gsize n = nl ? (gsize)(nl - (c->buf + c->start)) :
		    c->end - c->start;
		gsize keep = n;

		/* A CR just before the LF is part of the line end. */
		if (nl != NULL && n > 0 && nl[-1] == '\r')
			keep--;
		/* A CR last in the buffer may begin one: read it again. */
		if (nl == NULL && n > 0 && c->buf[c->start + n - 1] == '\r')
			keep = --n;
		if (out->len + keep > max) {
			keep = max > out->len ? max - out->len : 0;
			*cut = TRUE;
		}
		g_byte_array_append(out, c->buf + c->start, keep);
		if (nl != NULL) {
			c->start += n + 1;
			return TRUE;
		}
		c->start += n;
		if (!fill(c, idle && out->len == 0))
			return FALSE;
	}
}

/* The address in "<...>" after @p, and where the parameters begin. */
static char *
path_of(const char *p, const char **params)
{
	const char *open, *close;

	while (*p == ' ')
		p++;
	open = p;
	if (*open != '<')
		return NULL;
	close = strchr(open, '>');
	if (close == NULL)
		return NULL;
	*params = close + 1;
	return g_strndup(open + 1, (gsize)(close - open - 1));
}

/* The value of SIZE=n among the MAIL parameters, or 0. */
static guint64
size_param(const char *params)
{
	g_auto(GStrv) words = g_strsplit(params, " ", -1);

	for (char **w = words; *w != NULL; w++)
		if (g_ascii_strncasecmp(*w, "SIZE=", 5) == 0)
			return g_ascii_strtoull(*w + 5, NULL, 10);
	return 0;
}

typedef struct {
	char *sender;		/* NULL: no MAIL yet */
	GPtrArray *rcpts;	/* char * */
} Transaction;

/* Forgets the transaction: sender and recipients (RSET, after DATA). */
static void
reset(Transaction *t)
{
	g_clear_pointer(&t->sender, g_free);
	g_ptr_array_set_size(t->rcpts, 0);
}

/*
 * Reads the data after 354 up to the line ".", unstuffing dots and
 * ending lines in LF, into @msg after what it holds; past @max bytes it
 * reads on but keeps nothing (*@over).  FALSE when the connection ends
 * or times out first.
 */
static gboolean
read_data(Conn *c, GByteArray *msg, guint64 max, gboolean *over)
{
	g_autoptr(GByteArray) line = g_byte_array_new();

	*over = FALSE;
	for (;;) {
		gboolean cut;
		const guint8 *p;
		gsize n;

		g_byte_array_set_size(line, 0);
		/* A line of any length: the size limit is what bounds. */
		if (!read_line(c, line, G_MAXSIZE, FALSE, &cut))
			return FALSE;
		p = line->data;
		n = line->len;
		if (n == 1 && p[0] == '.')
			return TRUE;
		if (n > 0 && p[0] == '.')
			p++, n--;
		if (*over || msg->len + n + 1 > max) {
			*over = TRUE;
			continue;
		}
		g_byte_array_append(msg, p, n);
		g_byte_array_append(msg, (const guint8 *)"\n", 1);
	}
}

/*
 * Hands @msg to the session's delivery and replies once per recipient, as
 * LMTP wants.
 */
static void
deliver(Conn *c, Transaction *t, GByteArray *msg)
{
	guint n = t->rcpts->len;
	g_autofree MdLmtpOutcome *outcomes = g_new0(MdLmtpOutcome, n);
	g_autofree char **reasons = g_new0(char *, n);
	MdLmtpMessage m = { t->sender, (char **)t->rcpts->pdata, n,
		msg->data, msg->len, outcomes, reasons };

	c->s->deliver(&m, c->s->data);
	for (guint i = 0; i < n; i++) {
		const char *rcpt = g_ptr_array_index(t->rcpts, i);

		switch (outcomes[i]) {
		case MD_LMTP_DELIVERED:
			reply(c, "250 2.0.0 <%s> stored\r\n", rcpt);
			break;
		case MD_LMTP_TOO_BIG:
			reply(c, "552 5.3.4 <%s> message too big\r\n", rcpt);
			break;
		case MD_LMTP_TEMPFAIL:
		default:
			reply(c, "451 4.3.0 <%s> %s\r\n", rcpt, reasons[i] ?
			    reasons[i] : "not stored, try again later");
			break;
		}
		g_free(reasons[i]);
	}
}

/* After the data of a message over the limit: 552 for everyone. */
static void
refuse_all(Conn *c, Transaction *t)
{
	for (guint i = 0; i < t->rcpts->len; i++)
		reply(c, "552 5.3.4 <%s> message too big\r\n",
		    (const char *)g_ptr_array_index(t->rcpts, i));
}

void
md_lmtp_refuse(int fd, const char *hostname, const char *why)
{
	g_autofree char *line = g_strdup_printf("421 4.3.2 %s %s\r\n",
	    hostname, why);

	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0) {
		/* Nothing to do: the connection goes either way. */
	}
	close(fd);
}

/* MAIL FROM: opens a transaction.  FALSE: stopping, the session ends. */
static gboolean
mail_from(Conn *c, Transaction *t, gboolean greeted, const char *arg)
{
	const MdLmtpSession *s = c->s;
	const char *params = "";
	g_autofree char *path = path_of(arg, &params);

	if (s->stopping != NULL && g_atomic_int_get(s->stopping)) {
		reply(c, "421 4.3.2 %s shutting down\r\n", s->hostname);
		return FALSE;
	}
	if (!greeted)
		reply(c, "503 5.5.1 LHLO first\r\n");
	else if (t->sender != NULL)
		reply(c, "503 5.5.1 nested MAIL\r\n");
	else if (path == NULL)
		reply(c, "501 5.5.4 syntax: MAIL FROM:<address>\r\n");
	else if (size_param(params) > s->max_size_bytes)
		reply(c, "552 5.3.4 message too big\r\n");
	else {
		t->sender = g_steal_pointer(&path);
		reply(c, "250 2.1.0 ok\r\n");
	}
	return TRUE;
}

/* RCPT TO: one more recipient of the transaction. */
static void
rcpt_to(Conn *c, Transaction *t, const char *arg)
{
	const char *params = "";
	g_autofree char *path = path_of(arg, &params);

	if (t->sender == NULL)
		reply(c, "503 5.5.1 MAIL first\r\n");
	else if (path == NULL || path[0] == '\0')
		reply(c, "501 5.5.4 syntax: RCPT TO:<address>\r\n");
	else if (t->rcpts->len >= c->s->max_recipients)
		reply(c, "452 4.5.3 too many recipients\r\n");
	else {
		g_ptr_array_add(t->rcpts, g_steal_pointer(&path));
		reply(c, "250 2.1.5 ok\r\n");
	}
}

/*
 * DATA: the message, with the envelope sender as its Return-Path, then
 * one reply for each recipient.  FALSE when the connection broke before
 * the end of the message: nothing was acknowledged.
 */
static gboolean
data(Conn *c, Transaction *t)
{
	g_autoptr(GByteArray) msg = g_byte_array_new();
	g_autofree char *rp = g_strdup_printf("Return-Path: <%s>\n",
	    t->sender);
	gboolean over;

	reply(c, "354 go ahead, end with <CRLF>.<CRLF>\r\n");
	g_byte_array_append(msg, (const guint8 *)rp, strlen(rp));
	if (!read_data(c, msg, c->s->max_size_bytes + msg->len, &over))
		return FALSE;
	if (over)
		refuse_all(c, t);
	else
		deliver(c, t, msg);
	reset(t);
	return TRUE;
}

void
md_lmtp_serve(const MdLmtpSession *s)
{
	g_autofree Conn *c = g_new0(Conn, 1);
	g_autoptr(GByteArray) line = g_byte_array_new();
	Transaction t = { NULL, g_ptr_array_new_with_free_func(g_free) };
	gboolean greeted = FALSE;

	c->s = s;
	reply(c, "220 %s LMTP maildesk ready\r\n", s->hostname);
	while (!c->failed) {
		g_autofree char *cmd = NULL;
		gboolean cut;

		g_byte_array_set_size(line, 0);
		if (!read_line(c, line, MAX_COMMAND_BYTES, TRUE, &cut)) {
			if (c->stopped)
				reply(c, "421 4.3.2 %s shutting down\r\n",
				    s->hostname);
			else if (!c->eof && !c->failed)
				reply(c, "421 4.4.2 %s timeout\r\n",
				    s->hostname);
			break;
		}
		if (cut) {
			reply(c, "500 5.5.2 line too long\r\n");
			continue;
		}
		cmd = g_strndup((const char *)line->data, line->len);
		if (g_ascii_strncasecmp(cmd, "LHLO", 4) == 0 &&
		    (cmd[4] == ' ' || cmd[4] == '\0')) {
			reset(&t);
			greeted = TRUE;
			reply(c, "250-%s\r\n250-PIPELINING\r\n"
			    "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
			    "250 SIZE %" G_GUINT64_FORMAT "\r\n", s->hostname,
			    s->max_size_bytes);
		} else if (g_ascii_strncasecmp(cmd, "HELO", 4) == 0 ||
		    g_ascii_strncasecmp(cmd, "EHLO", 4) == 0) {
			reply(c, "500 5.5.1 this is LMTP: LHLO, please\r\n");
		} else if (g_ascii_strncasecmp(cmd, "MAIL FROM:", 10) == 0) {
			if (!mail_from(c, &t, greeted, cmd + 10))
				break;
		} else if (g_ascii_strncasecmp(cmd, "RCPT TO:", 8) == 0) {
			rcpt_to(c, &t, cmd + 8);
		} else if (g_ascii_strcasecmp(cmd, "DATA") == 0) {
			if (t.sender == NULL || t.rcpts->len == 0) {
				reply(c, "503 5.5.1 no valid recipients\r\n");
				continue;
			}
			if (!data(c, &t))
				break;	/* nothing acknowledged: all retried */
		} else if (g_ascii_strcasecmp(cmd, "RSET") == 0) {
			reset(&t);
			reply(c, "250 2.0.0 ok\r\n");
		} else if (g_ascii_strncasecmp(cmd, "NOOP", 4) == 0) {
			reply(c, "250 2.0.0 ok\r\n");
		} else if (g_ascii_strncasecmp(cmd, "VRFY", 4) == 0) {
			reply(c, "252 2.1.5 send some mail, I'll try my best"
			    "\r\n");
		} else if (g_ascii_strcasecmp(cmd, "QUIT") == 0) {
			reply(c, "221 2.0.0 %s bye\r\n", s->hostname);
			break;
		} else {
			reply(c, "500 5.5.2 command not recognised\r\n");
		}
		/* A stop between transactions: say so before the next one. */
		if (t.sender == NULL && s->stopping != NULL &&
		    g_atomic_int_get(s->stopping) &&
		    c->start == c->end) {
			reply(c, "421 4.3.2 %s shutting down\r\n", s->hostname);
			break;
		}
	}
	reset(&t);
	g_ptr_array_unref(t.rcpts);
	close(s->fd);
}
