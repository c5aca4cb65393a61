/* SPDX-License-Identifier: MIT */
/*
 * md_classify: which mail is machine mail (RFC 3834, RFC 3464 and
 * practice), told by flags and kind.  Mail written inline, parsed by
 * md_message_parse, classified against a config whose addresses are
 * support@ and sales@example.com.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/classify.h"
#include "test-util.h"

typedef struct {
	const char *path;
	const char *headers;	/* above the common ones */
	const char *from;
	const char *envelope;	/* nullable: as the MTA passed it */
	guint32 flags;		/* that must be set */
	guint32 not_flags;	/* that must not be */
	MdKind kind;
} Case;

#define MACHINE (MD_MSG_MACHINE)

static const Case cases[] = {
	{ "/classify/plain", "", "Anna <anna@example.net>", NULL,
	  0, MACHINE | MD_MSG_LOOP, MD_KIND_CUSTOMER },
	{ "/classify/auto-submitted-no", "Auto-Submitted: no\n",
	  "anna@example.net", NULL, 0, MD_MSG_AUTO_SUBMITTED,
	  MD_KIND_CUSTOMER },
	{ "/classify/auto-replied", "Auto-Submitted: auto-replied\n",
	  "anna@example.net", NULL,
	  MD_MSG_AUTO_SUBMITTED | MD_MSG_AUTO_REPLY, 0, MD_KIND_AUTO_REPLY },
	{ "/classify/auto-generated", "Auto-Submitted: auto-generated\n",
	  "anna@example.net", NULL, MD_MSG_AUTO_SUBMITTED, MD_MSG_AUTO_REPLY,
	  MD_KIND_AUTO_REPLY },
	{ "/classify/precedence-bulk", "Precedence: bulk\n",
	  "news@example.net", NULL, MD_MSG_BULK, 0, MD_KIND_CUSTOMER },
	{ "/classify/precedence-junk", "Precedence: junk\n",
	  "news@example.net", NULL, MD_MSG_BULK, 0, MD_KIND_CUSTOMER },
	{ "/classify/list-id", "List-Id: <news.example.net>\n",
	  "news@example.net", NULL, MD_MSG_LIST, 0, MD_KIND_CUSTOMER },
	{ "/classify/list-unsubscribe",
	  "List-Unsubscribe: <mailto:leave@example.net>\n",
	  "news@example.net", NULL, MD_MSG_LIST, 0, MD_KIND_CUSTOMER },
	{ "/classify/list-auto-generated", "Auto-Submitted: auto-generated\n"
	  "List-Id: <x.example.net>\n", "news@example.net", NULL,
	  MD_MSG_LIST | MD_MSG_AUTO_SUBMITTED, 0, MD_KIND_CUSTOMER },
	{ "/classify/suppress", "X-Auto-Response-Suppress: All\n",
	  "anna@example.net", NULL, MD_MSG_SUPPRESS, 0, MD_KIND_CUSTOMER },
	{ "/classify/vacation-header", "X-Autoreply: yes\n",
	  "anna@example.net", NULL, MD_MSG_AUTO_REPLY, 0,
	  MD_KIND_AUTO_REPLY },
	{ "/classify/our-address", "", "Support <support@example.com>", NULL,
	  MD_MSG_LOOP, 0, MD_KIND_CUSTOMER },
	{ "/classify/null-sender", "", "anna@example.net", "<>",
	  MD_MSG_NULL_SENDER, 0, MD_KIND_CUSTOMER },
	{ "/classify/null-return-path", "Return-Path: <>\n",
	  "anna@example.net", NULL, MD_MSG_NULL_SENDER, 0, MD_KIND_CUSTOMER },
	{ "/classify/mailer-daemon", "",
	  "Mail Delivery System <MAILER-DAEMON@mx.example.net>", NULL,
	  MD_MSG_DAEMON, 0, MD_KIND_CUSTOMER },
	{ "/classify/postmaster-envelope", "", "anna@example.net",
	  "postmaster@example.net", MD_MSG_DAEMON, 0, MD_KIND_CUSTOMER },
	{ "/classify/noreply", "", "no-reply@shop.example.net", NULL,
	  MD_MSG_NOREPLY, 0, MD_KIND_CUSTOMER },
	{ "/classify/failed-recipients",
	  "X-Failed-Recipients: anna@example.net\n",
	  "MAILER-DAEMON@mx.example.net", "<>", MD_MSG_DSN, 0,
	  MD_KIND_BOUNCE },
};

static MdConfig *
config_new(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("maildesk-classify-XXXXXX",
	    &error);
	g_autofree char *conf = NULL;
	MdConfig *config;

	g_assert_no_error(error);
	conf = g_build_filename(dir, "maildesk.conf", NULL);
	g_file_set_contents(conf, "[addresses]\n"
	    "support@example.com = support\nsales@example.com = sales\n", -1,
	    &error);
	g_assert_no_error(error);
	config = md_config_load(conf, &error);
	md_test_rm_rf(dir);
	g_assert_no_error(error);
	return config;
}

static MdMessage *
parse(const char *headers, const char *from, const char *body,
    const char *type)
{
	g_autofree char *raw = g_strdup_printf("%sFrom: %s\n"
	    "To: support@example.com\nSubject: Hello\n"
	    "Message-ID: <1@example.net>\n%s\n%s", headers, from,
	    type ? type : "", body);
	MdMessage *m = md_message_parse((const guint8 *)raw, strlen(raw));

	g_assert_nonnull(m);
	return m;
}

static void
test_case(gconstpointer data)
{
	const Case *c = data;
	g_autoptr(MdConfig) config = config_new();
	g_autoptr(MdMessage) m = parse(c->headers, c->from, "Hi.\n", NULL);

	m->envelope_sender = g_strdup(c->envelope);
	md_classify(m, config);
	g_assert_cmphex(m->flags & c->flags, ==, c->flags);
	g_assert_cmphex(m->flags & c->not_flags, ==, 0);
	g_assert_cmpint(m->kind, ==, c->kind);
}

/* A DSN (multipart/report; report-type=delivery-status) is a bounce. */
static void
test_dsn(void)
{
	g_autoptr(MdConfig) config = config_new();
	g_autoptr(MdMessage) m = parse("Auto-Submitted: auto-replied\n",
	    "MAILER-DAEMON@mx.example.net",
	    "--b\nContent-Type: text/plain\n\nYour mail could not be "
	    "delivered.\n--b\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; "
	    "x@example.org\nAction: failed\nStatus: 5.1.1\n\n--b--\n",
	    "MIME-Version: 1.0\nContent-Type: multipart/report; "
	    "report-type=delivery-status; boundary=b\n");

	m->envelope_sender = g_strdup("");
	md_classify(m, config);
	g_assert_cmphex(m->flags & (MD_MSG_REPORT | MD_MSG_DSN |
	    MD_MSG_NULL_SENDER), ==, MD_MSG_REPORT | MD_MSG_DSN |
	    MD_MSG_NULL_SENDER);
	/* Not somebody's vacation message, although auto-replied. */
	g_assert_cmphex(m->flags & MD_MSG_AUTO_REPLY, ==, 0);
	g_assert_cmpint(m->kind, ==, MD_KIND_BOUNCE);
}

/* An unparsed mail keeps kind unparsed and gains no other flag. */
static void
test_unparsed(void)
{
	g_autoptr(MdConfig) config = config_new();
	g_autoptr(MdMessage) m = parse("Precedence: bulk\n",
	    "anna@example.net", "x\n", NULL);

	m->flags |= MD_MSG_UNPARSED;
	md_classify(m, config);
	g_assert_cmpint(m->kind, ==, MD_KIND_UNPARSED);
	g_assert_cmphex(m->flags & MD_MSG_BULK, ==, 0);
}

typedef struct {
	const char *address;
	gboolean daemon;
	gboolean noreply;
} AddressCase;

static void
test_addresses(void)
{
	static const AddressCase addresses[] = {
		{ "MAILER-DAEMON@example.net", TRUE, FALSE },
		{ "postmaster@example.net", TRUE, FALSE },
		{ "noreply@example.net", FALSE, TRUE },
		{ "no-reply@example.net", FALSE, TRUE },
		{ "do-not-reply@example.net", FALSE, TRUE },
		{ "anna@example.net", FALSE, FALSE },
		{ "norbert@example.net", FALSE, FALSE },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(addresses); i++) {
		const AddressCase *a = &addresses[i];

		g_test_message("%s", a->address);
		g_assert_cmpint(md_classify_is_daemon_address(a->address), ==,
		    a->daemon);
		g_assert_cmpint(md_classify_is_noreply_address(a->address),
		    ==, a->noreply);
	}
	g_assert_false(md_classify_is_daemon_address(NULL));
	g_assert_false(md_classify_is_noreply_address(NULL));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i], test_case);
	g_test_add_func("/classify/dsn", test_dsn);
	g_test_add_func("/classify/unparsed", test_unparsed);
	g_test_add_func("/classify/addresses", test_addresses);
	return g_test_run();
}
