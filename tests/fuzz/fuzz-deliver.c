/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the whole delivery of one mail, minus the disk.  Each input
 * goes through md_deliver_opts() inside a write transaction that is then
 * aborted: parsing, classification, the customer and agent lookups,
 * threading, ticket events and the outgoing mails it queues (ack, agent
 * notification, relay) all run; nothing is committed or synced.
 *
 * The first byte of an input picks how the mail arrived (envelope sender
 * and recipient), the rest is the mail.  The store is made once, in a
 * temp directory, with a customer ticket and an agent in it, so replies,
 * signed addresses and agent mail find something to thread into.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "maildesk/agent.h"
#include "maildesk/config.h"
#include "maildesk/deliver.h"
#include "maildesk/error.h"
#include "maildesk/store.h"
#include "maildesk/token.h"
#include "test-fixture.h"
#include "test-util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static char *dir;
static MdConfig *config;
static MdStore *store;
static char *signed_customer;	/* support+1.<mac>@example.com */
static char *signed_agent;	/* the agent's signed address of ticket 1 */

static const char seed[] =
    "From: Erika Mustermann <erika@example.org>\r\n"
    "To: support@example.com\r\n"
    "Subject: Drucker druckt nicht\r\n"
    "Message-ID: <seed-1@example.org>\r\n"
    "Date: Mon, 2 Nov 2026 10:00:00 +0100\r\n"
    "\r\n"
    "Hallo, der Drucker druckt nicht.\r\n";

static void
cleanup(void)
{
	md_store_close(store);
	md_config_free(config);
	if (dir != NULL)
		md_test_rm_rf(dir);
}

static void
die(const char *what, GError *e)
{
	g_printerr("fuzz-deliver: %s: %s\n", what, e ? e->message : "failed");
	exit(1);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *conf = NULL, *text = NULL, *storedir = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	MdDeliverResult r;
	g_autoptr(GBytes) secret = NULL;
	g_autoptr(MdAgent) agent = md_agent_new();
	gboolean created;

	/* A GLib or GMime critical is a bug (API misuse): a crash here. */
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	g_mime_init();
	dir = g_dir_make_tmp("maildesk-fuzz.XXXXXX", &e);
	if (dir == NULL)
		die("temp dir", e);
	atexit(cleanup);
	storedir = g_build_filename(dir, "store", NULL);
	conf = g_build_filename(dir, "maildesk.conf", NULL);
	text = g_strdup_printf(
	    "[store]\npath = %s\nmap-size-bytes = 1073741824\n"
	    "[addresses]\nsupport@example.com = support\n"
	    "sales@example.com = sales\n"
	    "[deliver]\nallow-root = true\n"
	    "[log]\nsyslog = false\n"
	    "[templates]\ndir = %s\n"
	    "[forms]\nsenders = form@example.com\n"
	    "[agents]\nauthserv-id = mx.example.com\n"
	    "[queue sales]\nlanguage = de\nagents = bob@example.com\n",
	    storedir, MAILDESK_TEST_TEMPLATEDIR);
	if (!g_file_set_contents(conf, text, -1, &e))
		die("config", e);
	config = md_config_load(conf, &e);
	if (config == NULL)
		die("config", e);
	if (!md_store_init(storedir, config->map_size_bytes, &created, &e))
		die("init", e);
	store = md_store_open(storedir, config->map_size_bytes, &e);
	if (store == NULL)
		die("open", e);

	/* Ticket 1 of a customer, and an agent of the support queue. */
	if (!md_test_deliver(store, config, (const guint8 *)seed,
	    sizeof(seed) - 1, "erika@example.org", "support@example.com",
	    1793000000, &r, &e))
		die("seed", e);
	md_deliver_result_clear(&r);
	agent->email = g_strdup("alice@example.com");
	agent->name = g_strdup("Alice Agent");
	agent->queues = g_strsplit("support", ",", -1);
	if (!md_store_begin(store, MD_TXN_WRITE, &txn, &e) ||
	    !md_agent_save(&txn, agent, &e) ||
	    (secret = md_store_secret(&txn, &e)) == NULL ||
	    !md_store_commit(&txn, &e))
		die("agent", e);
	signed_customer = md_token_reply_address(secret,
	    "support@example.com", '+', 1, NULL, 1793000000);
	signed_agent = md_token_reply_address(secret, "support@example.com",
	    '+', 1, "alice@example.com", 1793000000);
	return 0;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
	static const char *senders[] = {
		NULL, "erika@example.org", "", "alice@example.com",
		"form@example.com", "bob@example.com",
	};
	MdDeliverOptions opts = { 0 };
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) e = NULL;
	MdDeliverResult r;
	guint8 how;

	if (store == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	if (size < 1)
		return 0;
	how = data[0];
	opts.sender = senders[how % G_N_ELEMENTS(senders)];
	switch ((how >> 4) % 4) {
	case 0: opts.recipient = "support@example.com"; break;
	case 1: opts.recipient = signed_customer; break;
	case 2: opts.recipient = signed_agent; break;
	default: opts.recipient = NULL; break;
	}
	if (!md_store_begin(store, MD_TXN_WRITE, &txn, &e))
		die("begin", e);
	opts.txn = &txn;
	if (!md_deliver_opts(store, config, data + 1, size - 1, &opts,
	    1793100000, &r, &e)) {
		/* Only the size limit may refuse a mail. */
		if (!g_error_matches(e, MD_ERROR, MD_ERROR_REJECT))
			die("deliver", e);
	}
	md_deliver_result_clear(&r);
	/* g_auto aborts txn: nothing is kept, the next input sees the seed. */
	return 0;
}
