/* SPDX-License-Identifier: MIT */
/*
 * maildesk: global options, the command table, config and store opening,
 * and the one exit: md_exit_status().  Nothing here knows mail.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "config.h"
#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/term.h"
#include "maildesk/log.h"
#include "maildesk/mime-init.h"
#include "maildesk/trace.h"

/*
 * The lean build (MAILDESK_LEAN) is the statically linked binary the MTA
 * runs; commands it does not carry are run by maildesk-full.
 */
#ifdef MAILDESK_LEAN
#define FULL(fn) NULL
#else
#define FULL(fn) fn
#endif

typedef struct {
	const char *name;	/* one or two words */
	MdCommandFunc fn;
	unsigned flags;
	const char *args;
	const char *help;
} MdCommand;

static const MdCommand commands[] = {
	{ "init", md_cmd_init, 0, "",
	  "create the store and its secret" },
	{ "deliver", md_cmd_deliver, MD_CMD_STORE | MD_CMD_MTA |
	  MD_CMD_NO_LOCALE,
	  "[--sender ADDR] [--recipient ADDR]",
	  "store one message read from standard input" },
	{ "ticket list", FULL(md_cmd_ticket_list), MD_CMD_STORE,
	  "[--status S] [--queue Q] [--customer ADDR] [--owner ADDR|none]\n"
	  "      [--older-than DAYS] [--json]",
	  "list tickets" },
	{ "ticket show", FULL(md_cmd_ticket_show), MD_CMD_STORE, "N [--json]",
	  "show a ticket's thread" },
	{ "ticket raw", FULL(md_cmd_ticket_raw), MD_CMD_STORE, "N [I]",
	  "write message I of ticket N as received" },
	{ "ticket set", FULL(md_cmd_ticket_set), MD_CMD_STORE,
	  "N status open|pending|resolved|closed | owner ADDR|none | "
	  "queue NAME\n      | cc add|remove ADDR", "change a ticket" },
	{ "ticket merge", FULL(md_cmd_ticket_merge), MD_CMD_STORE,
	  "FROM INTO [--force]", "move ticket FROM into ticket INTO" },
	{ "ticket reply", FULL(md_cmd_ticket_reply), MD_CMD_STORE,
	  "N [--from AGENT] [--template NAME]",
	  "answer the customer (text on stdin)" },
	{ "ticket note", FULL(md_cmd_ticket_note), MD_CMD_STORE,
	  "N [--from AGENT]", "add an internal note (text on stdin)" },
	{ "agent add", FULL(md_cmd_agent_add), MD_CMD_STORE,
	  "ADDR [--name NAME] [--queue Q ...]", "add or change an agent" },
	{ "agent list", FULL(md_cmd_agent_list), MD_CMD_STORE, "[--json]",
	  "list the agents" },
	{ "agent remove", FULL(md_cmd_agent_remove), MD_CMD_STORE, "ADDR",
	  "remove an agent" },
	{ "submit", md_cmd_submit, MD_CMD_STORE,
	  "--name NAME --email ADDR --subject S [--queue Q]",
	  "open a ticket as a contact form does (text on stdin)" },
	{ "customer show", FULL(md_cmd_customer_show), MD_CMD_STORE,
	  "ADDR [--json]", "show a customer profile" },
	{ "import", FULL(md_cmd_import), MD_CMD_STORE,
	  "mbox FILE | maildir DIR [--queue Q]",
	  "move an existing mailbox into tickets (no mail is sent)" },
	{ "flush", FULL(md_cmd_flush), MD_CMD_STORE | MD_CMD_SYSLOG, "",
	  "index what changed, answer searches by mail, send what the "
	  "outbox holds and is due" },
	{ "escalate", FULL(md_cmd_escalate), MD_CMD_STORE | MD_CMD_SYSLOG, "",
	  "service-level warnings and escalations; pending dates that came" },
	{ "search", FULL(md_cmd_search), MD_CMD_STORE,
	  "QUERY [--limit N] [--json] [--include-restricted]",
	  "find tickets by any word (see maildesk(8), SEARCH)" },
	{ "reindex", FULL(md_cmd_reindex), MD_CMD_STORE, "",
	  "rebuild the search index from the store" },
	{ "lmtpd", FULL(md_cmd_lmtpd), MD_CMD_STORE | MD_CMD_SYSLOG |
	  MD_CMD_NO_LOCALE, "[--listen unix:PATH|inet:HOST:PORT ...]",
	  "serve LMTP (RFC 2033) until SIGTERM" },
	{ "digest", FULL(md_cmd_digest), MD_CMD_STORE | MD_CMD_SYSLOG,
	  "[--agent ADDR] [--dry-run]",
	  "mail each agent the tickets waiting for them" },
	{ "report", FULL(md_cmd_report), MD_CMD_STORE,
	  "[--since DATE] [--until DATE] [--queue Q] [--json|--csv]",
	  "tickets opened, resolved and open; response times" },
	{ "outbox", FULL(md_cmd_outbox_list), MD_CMD_STORE, "[--json]",
	  "list queued and failed outgoing mail" },
	{ "customer list", FULL(md_cmd_customer_list), MD_CMD_STORE,
	  "[--json]", "list customers" },
	{ "customer set", FULL(md_cmd_customer_set), MD_CMD_STORE,
	  "ADDR FIELD VALUE", "correct a profile (Art. 16)" },
	{ "customer export", FULL(md_cmd_customer_export), MD_CMD_STORE,
	  "ADDR [-o DIR]", "everything about a person (Art. 15, 20)" },
	{ "customer restrict", FULL(md_cmd_customer_restrict), MD_CMD_STORE,
	  "ADDR [--lift]", "restrict processing (Art. 18, 21)" },
	{ "customer hold", FULL(md_cmd_customer_hold), MD_CMD_STORE,
	  "ADDR|--ticket N --until DATE --reason TEXT | --lift",
	  "a legal hold: nothing of it is erased or expired" },
	{ "customer erase", FULL(md_cmd_customer_erase), MD_CMD_STORE,
	  "ADDR [--dry-run] [--yes] [--no-compact]",
	  "erase a person (Art. 17)" },
	{ "expire", FULL(md_cmd_expire), MD_CMD_STORE | MD_CMD_SYSLOG,
	  "[--dry-run] [--no-compact]",
	  "delete tickets past their retention (Art. 5(1)(e))" },
	{ "compact", FULL(md_cmd_compact), MD_CMD_STORE, "",
	  "rewrite the store without freed pages" },
	{ "audit", FULL(md_cmd_audit), MD_CMD_STORE, "[--address ADDR] [--json]",
	  "the audit trail (Art. 5(2))" },
	{ "backup", FULL(md_cmd_backup), MD_CMD_STORE | MD_CMD_SYSLOG,
	  "DIR|-", "a consistent, compacted copy of the store (and manifest)" },
	{ "restore", FULL(md_cmd_restore), 0,
	  "BACKUP --to DIR [--ledger FILE | --no-ledger] [--force]\n"
	  "      [--next-ticket N]",
	  "a backup as a store, without what was erased since" },
	{ "ledger export", FULL(md_cmd_ledger_export), MD_CMD_STORE,
	  "[-o FILE]", "the erasure ledger as JSON" },
	{ "ledger replay", FULL(md_cmd_ledger_replay), MD_CMD_STORE, "FILE",
	  "erase here what a copy of this store erased" },
	{ "handover", FULL(md_cmd_handover), MD_CMD_STORE,
	  "DIR [--since TIME]",
	  "a standby's mail since its restore, as a Maildir to import" },
	{ "check", FULL(md_cmd_check), MD_CMD_STORE, "[--repair]",
	  "verify the store and the search index; --repair rebuilds the "
	  "indexes" },
	{ "config check", md_cmd_config_check, 0, "",
	  "validate the config and print effective values" },
	{ NULL, NULL, 0, NULL, NULL }
};

char *
md_cmd_full_path(void)
{
#ifdef MAILDESK_LEAN
	/* Beside this binary (a build tree), or in libexec (installed). */
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
	g_autofree char *near = dir ? g_build_filename(dir, "maildesk-full",
	    NULL) : NULL;

	if (near != NULL && access(near, X_OK) == 0)
		return g_steal_pointer(&near);
	return g_strdup(MAILDESK_LIBEXECDIR "/maildesk-full");
#else
	char *self = g_file_read_link("/proc/self/exe", NULL);

	return self ? self : g_strdup("maildesk");
#endif
}

#ifdef MAILDESK_LEAN
/* Runs maildesk-full with our arguments. */
static void
exec_full(char **argv, GError **error)
{
	g_autofree char *path = md_cmd_full_path();

	execv(path, argv);
	g_set_error(error, MD_ERROR, MD_ERROR_INTERNAL, "cannot run %s: %s",
	    path, g_strerror(errno));
}
#endif

static void
usage(FILE *out)
{
	fprintf(out, "usage: maildesk [-c FILE] [--store DIR] [-v|-q] "
	    "COMMAND [ARGS]\n\ncommands:\n");
	for (const MdCommand *c = commands; c->name != NULL; c++)
		fprintf(out, "  %s %s\n      %s\n", c->name, c->args, c->help);
}

static const MdCommand *
find_command(int argc, char **argv, int *words)
{
	for (const MdCommand *c = commands; c->name != NULL; c++) {
		g_auto(GStrv) w = g_strsplit(c->name, " ", 2);
		int n = (int)g_strv_length(w);

		if (argc < n)
			continue;
		if (strcmp(argv[0], w[0]) == 0 &&
		    (n == 1 || strcmp(argv[1], w[1]) == 0)) {
			*words = n;
			return c;
		}
	}
	return NULL;
}

/*
 * No command is called @argv: names the word that is wrong.  For a noun
 * we know ("ticket frob") that is the second word, and the line lists
 * what may follow the noun.
 */
static void
unknown_command(int argc, char **argv, GError **error)
{
	g_autoptr(GString) subs = g_string_new(NULL);
	gsize len = strlen(argv[0]);

	for (const MdCommand *c = commands; c->name != NULL; c++)
		if (strncmp(c->name, argv[0], len) == 0 && c->name[len] == ' ')
			g_string_append_printf(subs, "%s%s", subs->len ? ", " :
			    "", c->name + len + 1);
	if (subs->len == 0)
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "unknown command \"%s\" (see maildesk --help)", argv[0]);
	else if (argc < 2)
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "%s: a subcommand is missing (%s)", argv[0], subs->str);
	else
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "%s: unknown subcommand \"%s\" (%s)", argv[0], argv[1],
		    subs->str);
}

/* Global options come before the command; parsed by hand so that the
 * command's own options are never taken for ours. */
typedef struct {
	const char *config;
	const char *store;
	int verbosity;
	gboolean help;
	gboolean version;
} Globals;

static int
parse_globals(int argc, char **argv, Globals *g, GError **error)
{
	int i = 1;

	for (; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-')
			break;
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0 ||
		    strcmp(a, "--store") == 0) {
			if (i + 1 >= argc) {
				g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
				    "%s needs an argument", a);
				return -1;
			}
			if (strcmp(a, "--store") == 0)
				g->store = argv[++i];
			else
				g->config = argv[++i];
		} else if (g_str_has_prefix(a, "--config="))
			g->config = a + 9;
		else if (g_str_has_prefix(a, "--store="))
			g->store = a + 8;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			g->verbosity++;
		else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			g->verbosity--;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			g->help = TRUE;
		else if (strcmp(a, "--version") == 0)
			g->version = TRUE;
		else {
			g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
			    "unknown option %s", a);
			return -1;
		}
	}
	return i;
}

/*
 * The one stderr line: no message content, no addresses.  @command is
 * NULL before a command is known; the message then stands alone.
 */
static void
report(const char *command, const GError *error, MdExitMode mode)
{
	g_autofree char *line = md_term_clean(error->message, -1);

	g_strdelimit(line, "\n\t", ' ');
	if (mode == MD_MODE_DELIVER)
		fprintf(stderr, "maildesk: deliver: %s\n", line);
	else if (command == NULL)
		fprintf(stderr, "maildesk: %s\n", line);
	else
		fprintf(stderr, "maildesk: %s: %s\n", command, line);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) config = NULL;
	g_autoptr(MdStore) store = NULL;
	Globals g = { 0 };
	const MdCommand *cmd = NULL;
	MdExitMode mode = MD_MODE_ADMIN;
	MdContext ctx = { 0 };
	int first, words = 0, status;
	const char *name = NULL;

	/* Everything we create holds personal data: the user's alone. */
	umask(077);
	first = parse_globals(argc, argv, &g, &error);
	if (first >= 0 && first < argc) {
		cmd = find_command(argc - first, argv + first, &words);
		if (cmd != NULL) {
			name = cmd->name;
			if (cmd->flags & MD_CMD_MTA)
				mode = MD_MODE_DELIVER;
		}
	}
	/* deliver's phases, with MAILDESK_TRACE=1; one thread only. */
	if (mode == MD_MODE_DELIVER)
		md_trace_start();
	/*
	 * The locale is for people: what a command prints and the
	 * arguments typed.  The MTA's commands read bytes and write
	 * records, and behave the same whatever LANG the MTA passes on
	 * (Postfix passes none); loading a locale would cost them time.
	 */
	if (cmd == NULL || !(cmd->flags & MD_CMD_NO_LOCALE))
		setlocale(LC_ALL, "");
	/*
	 * deliver logs to syslog and keeps stderr for the one failure line;
	 * everything else talks to the person at the terminal.
	 */
	md_log_open(mode == MD_MODE_DELIVER ? MD_LOG_SYSLOG : MD_LOG_STDERR |
	    (cmd != NULL && (cmd->flags & MD_CMD_SYSLOG) ? MD_LOG_SYSLOG : 0),
	    g.verbosity);
	if (error != NULL)
		goto out;
	/*
	 * Never set-user-ID or set-group-ID (nor raised by file
	 * capabilities): a caller could then name any config and store, or
	 * read any file as the store's user.  The MTA runs us as that user.
	 */
	if (getauxval(AT_SECURE) != 0 || getuid() != geteuid() ||
	    getgid() != getegid()) {
		g_set_error(&error, MD_ERROR, MD_ERROR_CONFIG,
		    "refusing to run set-user-ID or set-group-ID; run maildesk "
		    "as the store's user (see maildesk(8))");
		goto out;
	}
	if (g.version) {
		printf("maildesk %s\n", MAILDESK_VERSION);
		return 0;
	}
	if (g.help || first >= argc) {
		usage(g.help ? stdout : stderr);
		return g.help ? 0 : 64;
	}
#ifdef MAILDESK_LEAN
	if (cmd != NULL && cmd->fn == NULL) {
		exec_full(argv, &error);
		goto out;
	}
#endif
	if (cmd == NULL) {
		unknown_command(argc - first, argv + first, &error);
		goto out;
	}

	md_trace("args");
	md_mime_init();
	md_trace("gmime-init");
	config = md_config_load(g.config, &error);
	if (config == NULL)
		goto out;
	md_trace("config");
	if (g.store != NULL) {
		g_free(config->store_path);
		config->store_path = g_strdup(g.store);
	}
	if (mode == MD_MODE_DELIVER && !config->syslog)
		md_log_set_sinks(0);
	ctx.config = config;
	ctx.config_path = g.config;
	ctx.store_override = g.store;
	ctx.verbosity = g.verbosity;
	/* The store may make deliver wait (a compaction): bound it. */
	if (mode == MD_MODE_DELIVER)
		md_cmd_deliver_arm(config->time_limit_s);
	if (cmd->flags & MD_CMD_STORE) {
		store = md_store_open(config->store_path,
		    config->map_size_bytes, &error);
		if (store == NULL)
			goto out;
		ctx.store = store;
		md_trace("store-open");
	}
	cmd->fn(&ctx, argc - first - words + 1, argv + first + words - 1,
	    &error);
out:
	status = md_exit_status(error, mode);
	if (error != NULL) {
		report(name, error, mode);
		if (mode == MD_MODE_DELIVER)
			md_info("deliver result=failed status=%d reason=\"%s\"",
			    status, error->message);
	}
	md_trace_report();
#ifdef MAILDESK_LEAN
	/*
	 * Closing the store, freeing the config and running exit handlers
	 * is work the kernel does anyway when the process ends (unmapping,
	 * closing, unlocking); the MTA waits for it.  Builds with
	 * sanitizers are never lean, so leak checks still see everything.
	 */
	if (mode == MD_MODE_DELIVER) {
		fflush(stderr);
		_exit(status);
	}
#endif
	return status;
}
