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
} MdSmtpJob;

/* Sends @jobs; every job gets an outcome.  Never fails as a whole. */
void md_smtp_send(const MdConfig *config, MdSmtpJob *jobs, guint n,
    guint timeout_s);
