/* SPDX-License-Identifier: MIT */
/*
 * The command table's types: every command handler has one signature and
 * receives what main.c opened for it.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/compose.h"
#include "maildesk/deliver.h"
#include "maildesk/privacy.h"
#include "maildesk/store.h"

typedef enum {
	MD_CMD_STORE = 1 << 0,	/* open the store before calling */
	MD_CMD_MTA = 1 << 1,	/* deliver mode: exit codes for the MTA */
	MD_CMD_SYSLOG = 1 << 2,	/* timer jobs: events go to syslog too */
	MD_CMD_NO_LOCALE = 1 << 3,	/* the MTA's: no setlocale() */
} MdCommandFlags;

typedef struct {
	MdConfig *config;	/* borrowed */
	MdStore *store;		/* borrowed, NULL unless MD_CMD_STORE */
	const char *config_path;	/* borrowed, nullable */
	const char *store_override;	/* borrowed, nullable */
	int verbosity;
} MdContext;

typedef gboolean (*MdCommandFunc)(MdContext *ctx, int argc, char **argv,
    GError **error);

/* Parses a command's options; USAGE error with GOption's words. */
gboolean md_cmd_parse_options(GOptionContext *oc, int *argc, char ***argv,
    GError **error);

/* FALSE with a USAGE error naming the first argument, if there is one. */
gboolean md_cmd_no_args(int argc, char **argv, GError **error);

/* Parses a ticket number argument; USAGE error when it is not one. */
gboolean md_cmd_parse_number(const char *s, const char *what, guint64 *out,
    GError **error);

/*
 * Stores @raw as deliver does, then tries once to send what it queued.
 * Shared by deliver, submit and ticket reply/note.
 */
gboolean md_cmd_deliver_raw(MdContext *ctx, const guint8 *raw, gsize len,
    const MdDeliverOptions *opts, MdDeliverResult *r, GError **error);

/*
 * Builds the mail @spec describes (its Message-ID made here, "@prefix.…"
 * at the domain of spec->to_address) and stores it with
 * md_cmd_deliver_raw().  USAGE when an address is not a plain one.
 * Shared by submit and ticket reply/note.
 */
gboolean md_cmd_deliver_composed(MdContext *ctx, MdComposeSpec *spec,
    const char *prefix, const MdDeliverOptions *opts, MdDeliverResult *r,
    GError **error);

/*
 * The binary that carries every command: maildesk-full beside the lean
 * binary or in libexec, else this one (transfer full).
 */
char *md_cmd_full_path(void);

/*
 * What erase and expire removed (or, @dry_run, would remove), and what a
 * legal hold kept.  In cmd-privacy.c.
 */
void md_cmd_print_erase_report(const MdEraseReport *r, gboolean dry_run);

/*
 * An earlier erase or expire stopped before its compaction: compacts now
 * (unless @no_compact).  Says what it did; FALSE when it failed.
 */
gboolean md_cmd_pay_owed_compaction(MdContext *ctx, gboolean no_compact);

/*
 * After an erase, expire or replay: compacts the store (unless
 * @no_compact) and says so.  In cmd-privacy.c.
 */
gboolean md_cmd_compact_after(MdContext *ctx, gboolean no_compact,
    GError **error);

/*
 * Copies the erasure ledger to [backup] ledger-copy, if set; warns when it
 * cannot.  After every command that adds to the ledger (cmd-ledger.c).
 */
void md_cmd_copy_ledger(MdContext *ctx);

/*
 * Arms deliver's watchdog: exit 75 after @seconds.  Called once, before
 * the store is opened, so the limit bounds the whole run.
 */
void md_cmd_deliver_arm(unsigned seconds);

gboolean md_cmd_init(MdContext *, int, char **, GError **);
gboolean md_cmd_agent_add(MdContext *, int, char **, GError **);
gboolean md_cmd_agent_list(MdContext *, int, char **, GError **);
gboolean md_cmd_agent_remove(MdContext *, int, char **, GError **);
gboolean md_cmd_ticket_reply(MdContext *, int, char **, GError **);
gboolean md_cmd_ticket_note(MdContext *, int, char **, GError **);
gboolean md_cmd_submit(MdContext *, int, char **, GError **);
gboolean md_cmd_customer_list(MdContext *, int, char **, GError **);
gboolean md_cmd_customer_set(MdContext *, int, char **, GError **);
gboolean md_cmd_customer_restrict(MdContext *, int, char **, GError **);
gboolean md_cmd_customer_hold(MdContext *, int, char **, GError **);
gboolean md_cmd_customer_export(MdContext *, int, char **, GError **);
gboolean md_cmd_customer_erase(MdContext *, int, char **, GError **);
gboolean md_cmd_expire(MdContext *, int, char **, GError **);
gboolean md_cmd_compact(MdContext *, int, char **, GError **);
gboolean md_cmd_audit(MdContext *, int, char **, GError **);
gboolean md_cmd_import(MdContext *, int, char **, GError **);
gboolean md_cmd_deliver(MdContext *, int, char **, GError **);
gboolean md_cmd_ticket_list(MdContext *, int, char **, GError **);
gboolean md_cmd_ticket_show(MdContext *, int, char **, GError **);
gboolean md_cmd_ticket_raw(MdContext *, int, char **, GError **);
gboolean md_cmd_ticket_set(MdContext *, int, char **, GError **);
gboolean md_cmd_ticket_merge(MdContext *, int, char **, GError **);
gboolean md_cmd_customer_show(MdContext *, int, char **, GError **);
gboolean md_cmd_check(MdContext *, int, char **, GError **);
gboolean md_cmd_config_check(MdContext *, int, char **, GError **);
gboolean md_cmd_flush(MdContext *, int, char **, GError **);
gboolean md_cmd_digest(MdContext *, int, char **, GError **);
gboolean md_cmd_report(MdContext *, int, char **, GError **);
gboolean md_cmd_escalate(MdContext *, int, char **, GError **);
gboolean md_cmd_lmtpd(MdContext *, int, char **, GError **);
gboolean md_cmd_outbox_list(MdContext *, int, char **, GError **);
gboolean md_cmd_search(MdContext *, int, char **, GError **);
gboolean md_cmd_reindex(MdContext *, int, char **, GError **);
gboolean md_cmd_backup(MdContext *, int, char **, GError **);
gboolean md_cmd_restore(MdContext *, int, char **, GError **);
gboolean md_cmd_handover(MdContext *, int, char **, GError **);
gboolean md_cmd_ledger_export(MdContext *, int, char **, GError **);
gboolean md_cmd_ledger_replay(MdContext *, int, char **, GError **);
