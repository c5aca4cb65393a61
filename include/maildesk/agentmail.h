/* SPDX-License-Identifier: MIT */
/*
 * Mail from agents: verification, command lines, and the relay of an
 * answer to the customer.  A forged From must not speak for the company,
 * so nothing here acts on mail that md_agentmail_verified() refused.
 */
#pragma once
#include "maildesk/agent.h"
#include "maildesk/config.h"
#include "maildesk/message.h"
#include "maildesk/store.h"
#include "maildesk/thread.h"
#include "maildesk/ticket.h"

/*
 * TRUE when @m from agent @agent is proven: it reached the agent's own
 * signed reply address (@match), or our MTA's Authentication-Results
 * (configured authserv-id only) shows DKIM or DMARC pass for the agent's
 * domain.
 */
gboolean md_agentmail_verified(const MdConfig *config, const MdMessage *m,
    const MdThreadMatch *match, const char *agent);

typedef struct {
	MdTxn *txn;			/* write */
	const MdConfig *config;
	GBytes *secret;
	MdTicket *ticket;		/* saved by the caller afterwards */
	MdMessage *message;		/* kind, flags and text are set here */
	const MdAgent *agent;
	gboolean verified;
	const guint8 *raw;
	gsize raw_len;
	const char *dedupe_key;
	gint64 now;
	GArray *outbox_ids;		/* out */
	guint32 seq;			/* out: where the mail was stored */
	gboolean no_mail;		/* queue nothing (import) */
} MdAgentMail;

/*
 * Stores an agent's mail in its ticket and does what it says: relay to the
 * customer, internal note, commands.  Only store errors fail.
 */
gboolean md_agentmail_handle(MdAgentMail *a, GError **error);

/* The text above the quoted earlier mail (transfer full). */
char *md_agentmail_cut_quote(const char *text);

/* Splits leading "#command" lines off @text; returns the rest. */
char *md_agentmail_split_commands(const char *text, GPtrArray *commands);
