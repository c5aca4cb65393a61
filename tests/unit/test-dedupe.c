/* SPDX-License-Identifier: MIT */
/*
 * One mail, many copies (dedupe.c): the key is the mail, not the address
 * it reached; the queue of a new mail to several of our addresses is the
 * best ranked one it names ([tickets] queue-order, then [addresses]
 * order), whichever copy is looked at.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "test-util.h"
#include "maildesk/dedupe.h"
#include "maildesk/error.h"

static MdConfig *
config_with(const char *extra)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("maildesk-dedupe-XXXXXX", &error);
	g_autofree char *conf = g_build_filename(dir, "maildesk.conf", NULL);
	g_autofree char *text = g_strdup_printf(
	    "[addresses]\n"
	    "support@example.com = support\n"
	    "sales@example.com = sales\n"
	    "billing@example.com = billing\n"
	    "%s", extra);
	MdConfig *config;

	g_file_set_contents(conf, text, -1, &error);
	g_assert_no_error(error);
	config = md_config_load(conf, &error);
	md_test_rm_rf(dir);
	g_assert_no_error(error);
	return config;
}

static MdMessage *
mail(const char *to, const char *cc, const char *recipient)
{
	g_autofree char *raw = g_strdup_printf("From: a@example.org\n"
	    "To: %s\nCc: %s\nMessage-ID: <x1@example.org>\nSubject: s\n\nb\n",
	    to, cc);
	MdMessage *m = md_message_parse((const guint8 *)raw, strlen(raw));

	m->recipient = g_strdup(recipient);
	return m;
}

static void
test_key(void)
{
	g_autoptr(MdMessage) a = mail("support@example.com", "x@example.org",
	    "support@example.com");
	g_autoptr(MdMessage) b = mail("support@example.com", "x@example.org",
	    "sales@example.com");
	g_autofree char *ka = md_dedupe_key(a);
	g_autofree char *kb = md_dedupe_key(b);

	/* Two copies of one mail, to two of our addresses: one key. */
	g_assert_cmpstr(ka, ==, "id:x1@example.org");
	g_assert_cmpstr(ka, ==, kb);
}

static void
test_queue_order(void)
{
	g_autoptr(MdConfig) plain = config_with("");
	g_autoptr(MdConfig) ordered = config_with(
	    "[tickets]\nqueue-order = billing, sales\n");
	g_autoptr(MdMessage) first = mail("sales@example.com",
	    "support@example.com", "sales@example.com");
	g_autoptr(MdMessage) second = mail("sales@example.com",
	    "support@example.com", "support@example.com");
	g_autoptr(MdMessage) token = mail("Support+7.20752.0123456789ab@"
	    "Example.com", "billing@example.com", "billing@example.com");
	g_autoptr(MdMessage) none = mail("x@example.org", "y@example.org",
	    NULL);

	/* [addresses] order: support before sales, for either copy. */
	g_assert_cmpstr(md_dedupe_queue(plain, first), ==, "support");
	g_assert_cmpstr(md_dedupe_queue(plain, second), ==, "support");
	/* queue-order first, the rest after. */
	g_assert_cmpstr(md_dedupe_queue(ordered, first), ==, "sales");
	g_assert_cmpstr(md_dedupe_queue(ordered, second), ==, "sales");
	g_assert_cmpstr(md_dedupe_queue(ordered, token), ==, "billing");
	g_assert_cmpstr(md_dedupe_queue(plain, token), ==, "support");
	g_assert_null(md_dedupe_queue(plain, none));
}

static void
test_queue_order_unknown(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("maildesk-dedupe-XXXXXX", &error);
	g_autofree char *conf = g_build_filename(dir, "maildesk.conf", NULL);
	g_autoptr(MdConfig) config = NULL;

	g_file_set_contents(conf, "[addresses]\nsupport@example.com = "
	    "support\n[tickets]\nqueue-order = sales\n", -1, &error);
	config = md_config_load(conf, &error);
	md_test_rm_rf(dir);
	g_assert_null(config);
	g_assert_error(error, MD_ERROR, MD_ERROR_CONFIG);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add_func("/dedupe/key", test_key);
	g_test_add_func("/dedupe/queue-order", test_queue_order);
	g_test_add_func("/dedupe/queue-order-unknown",
	    test_queue_order_unknown);
	return g_test_run();
}
