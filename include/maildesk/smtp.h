/* SPDX-License-Identifier: MIT */
/*
 * libesmtp, wrapped: one session sends a batch of messages and reports,
 * per message, whether it was accepted, refused for now (4xx, or no
 * connection) or refused for good (5xx).
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"

typedef enum {
	MD_SMTP_SENT,
	MD_SMTP_TEMPFAIL,
	MD_SMTP_PERMFAIL,
} MdSmtpOutcome;

typedef struct {
	const char *from;		/* borrowed: envelope sender */
	char **recipients;		/* borrowed */
	GBytes *data;			/* borrowed, CRLF */
	MdSmtpOutcome outcome;		/* out */
	char *reply;			/* out, owned: the server's words */
	gboolean reported;		/* out: given to the done callback */
} MdSmtpJob;

/*
 * Called during the session as soon as the server has answered the end
 * of message @index's data, so the caller can record it before the next
 * one goes out: a flush killed mid-session then sends again only the one
 * message it was sending.
 */
typedef void (*MdSmtpDoneFunc)(MdSmtpJob *job, guint index, gpointer data);

/* Sends @jobs; every job gets an outcome.  Never fails as a whole. */
void md_smtp_send(const MdConfig *config, MdSmtpJob *jobs, guint n,
    guint timeout_s, MdSmtpDoneFunc done, gpointer data);
