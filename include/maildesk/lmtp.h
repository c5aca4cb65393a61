/* SPDX-License-Identifier: MIT */
/*
 * LMTP (RFC 2033), the server side of one connection: the dialogue, the
 * message data, and one reply per recipient after DATA.  What happens to
 * a message is the caller's business (lmtpd.c); this module knows
 * nothing of the store.
 */
#pragma once
#include <glib.h>

/* What became of the message for one recipient. */
typedef enum {
	MD_LMTP_DELIVERED,	/* 250: durably stored (or stored already) */
	MD_LMTP_TEMPFAIL,	/* 451: try again later */
	MD_LMTP_TOO_BIG,	/* 552: over the size limit, for good */
} MdLmtpOutcome;

typedef struct {
	const char *sender;	/* borrowed: "" for the null sender */
	char **recipients;	/* borrowed, as in RCPT TO, without <> */
	guint n_recipients;
	const guint8 *data;	/* borrowed: the message with LF line ends,
				 * a Return-Path line first */
	gsize len;
	MdLmtpOutcome *outcomes;	/* out, one per recipient */
	char **reasons;		/* out, one per recipient: text of a
				 * 451 (owned by the caller of deliver,
				 * freed by the session), or NULL */
} MdLmtpMessage;

/*
 * Called once per transaction, after the end of the data, in the
 * connection's thread; returns when every recipient has its outcome
 * (a 250 only once the message is durably stored).
 */
typedef void (*MdLmtpDeliverFunc)(MdLmtpMessage *message, gpointer data);

typedef struct {
	int fd;			/* the connection; closed by the session */
	const char *hostname;	/* for the greeting and LHLO */
	guint64 max_size_bytes;	/* SIZE, and 552 past it */
	guint timeout_s;	/* for each command, and data to arrive */
	guint max_recipients;	/* per transaction */
	const gint *stopping;	/* nonzero: 421 at the next command */
	MdLmtpDeliverFunc deliver;
	gpointer data;
} MdLmtpSession;

/* A line "421 ..." for a connection refused at once (busy, not allowed). */
void md_lmtp_refuse(int fd, const char *hostname, const char *why);

/* Speaks LMTP on @s->fd until QUIT, end of input, a timeout or a stop. */
void md_lmtp_serve(const MdLmtpSession *s);
