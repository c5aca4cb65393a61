/* SPDX-License-Identifier: MIT */
/*
 * Mail from agents: verification, command lines, and the relay of an
 * answer to the customer.  A forged From must not speak for the company,
 * so nothing here acts on mail that md_agentmail_trust() did not prove,
 * and a leaked signed address must not either: what harms others needs
 * md_agentmail_require_strong().
 */
#pragma once
#include "maildesk/agent.h"
#include "maildesk/config.h"
#include "maildesk/message.h"
#include "maildesk/store.h"
#include "maildesk/thread.h"
#include "maildesk/ticket.h"

typedef enum {
	MD_AGENT_TRUST_NONE,	/* From an agent; nothing proves it */
	MD_AGENT_TRUST_TOKEN,	/* sent to the agent's own fresh signed
				 * reply address: it may have leaked */
	MD_AGENT_TRUST_STRONG,	/* our MX's Authentication-Results show
				 * DKIM or DMARC pass for the agent's
				 * domain; or the command line */
} MdAgentTrust;

/*
 * How far @m from agent @agent is proven: a fresh token of the agent's
 * own (@match), or our MTA's Authentication-Results (configured
 * authserv-id only) with DKIM or DMARC pass for the agent's domain.
 * For NONE, *@why says what was missing (static, for the agent).
 */
MdAgentTrust md_agentmail_trust(const MdConfig *config, const MdMessage *m,
    const MdThreadMatch *match, const char *agent, const char **why);

typedef struct {
	MdTxn *txn;			/* write */
	const MdConfig *config;
	GBytes *secret;
	MdTicket *ticket;		/* saved by the caller afterwards */
	MdMessage *message;		/* kind, flags and text are set here */
	const MdAgent *agent;
	MdAgentTrust trust;
	const char *why;		/* nullable: why not verified */
	const char *loop_mark;		/* our X-Loop value */
	const guint8 *raw;
	gsize raw_len;
	const char *dedupe_key;
	gint64 now;
	GArray *outbox_ids;		/* out */
	guint32 seq;			/* out: where the mail was stored */
	gboolean no_mail;		/* queue nothing (import) */
	GString *refused;		/* private: what needed more proof */
} MdAgentMail;

/*
 * The check "needs strong verification", for whatever an agent's mail
 * may do that harms others: hand the ticket to another customer or
 * owner, send to an address that is not yet the ticket's.  TRUE when
 * @a's mail is strongly verified; otherwise @action (as the agent wrote
 * it) is noted, and md_agentmail_handle() applies nothing and reports.
 */
gboolean md_agentmail_require_strong(MdAgentMail *a, const char *action);

/*
 * Stores an agent's mail in its ticket and does what it says: relay to the
 * customer, internal note, commands.  Machine mail (an out-of-office) is
 * a note and nothing else; unverified or refused mail is a note and the
 * agent is told why (rate-limited).  Only store errors fail.
 */
gboolean md_agentmail_handle(MdAgentMail *a, GError **error);

/* The text above the quoted earlier mail (transfer full). */
char *md_agentmail_cut_quote(const char *text);

/* Splits leading "#command" lines off @text; returns the rest. */
char *md_agentmail_split_commands(const char *text, GPtrArray *commands);
