/* SPDX-License-Identifier: MIT */
/*
 * md_config_load over a temporary file: defaults for missing keys,
 * MD_ERROR_CONFIG for malformed values, bad addresses and a missing explicit
 * file, a warning (not an error) for unknown keys; md_config_queue_for.
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "config.h"
#include "test-util.h"
#include "maildesk/config.h"
#include "maildesk/error.h"

typedef struct {
	char *dir;	/* owned */
	char *path;	/* owned: maildesk.conf inside dir */
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("maildesk-config-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = g_build_filename(f->dir, "maildesk.conf", NULL);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	md_test_rm_rf(f->dir);
	g_free(f->path);
	g_free(f->dir);
}

static void
write_config(Fixture *f, const char *text)
{
	g_autoptr(GError) error = NULL;

	g_file_set_contents(f->path, text, -1, &error);
	g_assert_no_error(error);
}

static void
test_defaults(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	write_config(f, "# nothing set\n[tickets]\n");
	c = md_config_load(f->path, &error);
	g_assert_no_error(error);
	g_assert_nonnull(c);
	g_assert_cmpstr(c->source, ==, f->path);
	g_assert_cmpstr(c->store_path, ==, MAILDESK_DEFAULT_STORE);
	g_assert_cmpuint(c->map_size_bytes, ==, G_GUINT64_CONSTANT(4294967296));
	g_assert_cmpuint(c->addresses->len, ==, 0);
	g_assert_cmpstr(c->tag, ==, "Ticket#");
	g_assert_cmpuint(c->reopen_days, ==, 14);
	g_assert_cmpstr(c->default_queue, ==, "support");
	g_assert_cmpuint(c->max_size_bytes, ==, 52428800);
	g_assert_cmpuint(c->time_limit_s, ==, 300);
	g_assert_cmpstr(c->recipient_delimiter, ==, "+");
	/* Empty: derived from the store's secret (loop.c). */
	g_assert_cmpstr(c->x_loop, ==, "");
	g_assert_true(c->syslog);
	g_assert_cmpuint(c->token_days, ==, 30);
	g_assert_cmpuint(c->ack_domain_per_hour, ==, 100);
	g_assert_cmpuint(c->ack_domain_per_day, ==, 1000);
	g_assert_cmpuint(c->relays_per_hour, ==, 20);
	g_assert_cmpuint(c->reports_per_hour, ==, 5);
}

static void
test_values(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	write_config(f,
	    "[store]\n"
	    "path = /srv/maildesk\n"
	    "map-size-bytes = 1048576\n"
	    "[tickets]\n"
	    "tag = Case#\n"
	    "reopen-days = 0\n"
	    "default-queue = general\n"
	    "[deliver]\n"
	    "max-size-bytes = 2048\n"
	    "time-limit-seconds = 60\n"
	    "recipient-delimiter = -+\n"
	    "x-loop = desk.example.com\n"
	    "[log]\n"
	    "syslog = no\n");
	c = md_config_load(f->path, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(c->store_path, ==, "/srv/maildesk");
	g_assert_cmpuint(c->map_size_bytes, ==, 1048576);
	g_assert_cmpstr(c->tag, ==, "Case#");
	g_assert_cmpuint(c->reopen_days, ==, 0);
	g_assert_cmpstr(c->default_queue, ==, "general");
	g_assert_cmpuint(c->max_size_bytes, ==, 2048);
	g_assert_cmpuint(c->time_limit_s, ==, 60);
	g_assert_cmpstr(c->recipient_delimiter, ==, "-+");
	g_assert_cmpstr(c->x_loop, ==, "desk.example.com");
	g_assert_false(c->syslog);
}

static void
test_malformed_uint(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	write_config(f, "[tickets]\nreopen-days = many\n");
	c = md_config_load(f->path, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_CONFIG);
	g_assert_null(c);
}

static void
test_uint_out_of_range(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	/* Below the 1 MiB minimum of map-size-bytes. */
	write_config(f, "[store]\nmap-size-bytes = 4096\n");
	c = md_config_load(f->path, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_CONFIG);
	g_assert_null(c);
}

static void
test_malformed_bool(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	write_config(f, "[log]\nsyslog = maybe\n");
	c = md_config_load(f->path, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_CONFIG);
	g_assert_null(c);
}

static void
test_empty_string(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	write_config(f, "[tickets]\ntag =\n");
	c = md_config_load(f->path, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_CONFIG);
	g_assert_null(c);
}

static void
test_bad_address(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	write_config(f,
	    "[addresses]\n"
	    "support@example.com = support\n"
	    "not-an-address = sales\n");
	c = md_config_load(f->path, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_CONFIG);
	g_assert_null(c);
}

static void
test_empty_queue(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	write_config(f, "[addresses]\nsupport@example.com =\n");
	c = md_config_load(f->path, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_CONFIG);
	g_assert_null(c);
}

static void
test_missing_file(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	/* f->path was never written. */
	c = md_config_load(f->path, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_CONFIG);
	g_assert_null(c);
}

static void
test_env_path(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	write_config(f, "[tickets]\ndefault-queue = from-env\n");
	g_setenv("MAILDESK_CONFIG", f->path, TRUE);
	c = md_config_load(NULL, &error);
	g_unsetenv("MAILDESK_CONFIG");
	g_assert_no_error(error);
	g_assert_cmpstr(c->source, ==, f->path);
	g_assert_cmpstr(c->default_queue, ==, "from-env");
}

static void
test_queue_for(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	write_config(f,
	    "[addresses]\n"
	    "Support@Example.com = support\n"
	    "sales@example.com = sales\n");
	c = md_config_load(f->path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(c->addresses->len, ==, 2);

	g_assert_cmpstr(md_config_queue_for(c, "support@example.com"), ==,
	    "support");
	g_assert_cmpstr(md_config_queue_for(c, "SUPPORT@EXAMPLE.COM"), ==,
	    "support");
	g_assert_cmpstr(md_config_queue_for(c, "support+42.ab@EXAMPLE.com"),
	    ==, "support");
	g_assert_cmpstr(md_config_queue_for(c, "Sales+x@example.com"), ==,
	    "sales");
	g_assert_null(md_config_queue_for(c, "support@example.org"));
	g_assert_null(md_config_queue_for(c, "other@example.com"));
	g_assert_null(md_config_queue_for(c, "support"));
	g_assert_null(md_config_queue_for(c, NULL));

	g_assert_true(md_config_is_ours(c, "SALES+1@example.com"));
	g_assert_false(md_config_is_ours(c, "customer@example.net"));
}

static void
test_queue_for_no_delimiter(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	write_config(f,
	    "[deliver]\n"
	    "recipient-delimiter =\n"
	    "[addresses]\n"
	    "support@example.com = support\n");
	c = md_config_load(f->path, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(c->recipient_delimiter, ==, "");
	g_assert_cmpstr(md_config_queue_for(c, "Support@example.com"), ==,
	    "support");
	/* Without a delimiter "+" is part of the local part. */
	g_assert_null(md_config_queue_for(c, "support+42@example.com"));
}

/*
 * An address configured with the delimiter in it is matched as written
 * before the extension is stripped, as Postfix looks up recipients.
 */
static void
test_queue_for_exact_first(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	if (md_test_run_in_child(f->dir))
		return;
	write_config(f,
	    "[deliver]\n"
	    "recipient-delimiter = +-\n"
	    "[addresses]\n"
	    "support@example.com = support\n"
	    "support+billing@example.com = billing\n"
	    "help-desk@example.com = helpdesk\n");
	c = md_config_load(f->path, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(md_config_queue_for(c, "support+x@example.com"), ==,
	    "support");
	g_assert_cmpstr(md_config_queue_for(c, "support+billing@example.com"),
	    ==, "billing");
	g_assert_cmpstr(md_config_queue_for(c, "help-desk@example.com"), ==,
	    "helpdesk");
	g_assert_cmpstr(md_config_queue_for(c, "help-desk+42@example.com"),
	    ==, "helpdesk");
}

/*
 * md_warn() prints to stderr itself rather than through g_log(), so
 * g_test_expect_message() cannot see it: run the load in a subprocess and
 * look at what it printed.
 */
static void
test_unknown_key(Fixture *f, gconstpointer data)
{
	if (g_test_subprocess()) {
		g_autoptr(GError) error = NULL;
		g_autoptr(MdConfig) c = NULL;

		write_config(f,
		    "[tickets]\n"
		    "reopen-dayz = 3\n"
		    "default-queue = general\n");
		c = md_config_load(f->path, &error);
		g_assert_no_error(error);
		g_assert_nonnull(c);
		g_assert_cmpuint(c->reopen_days, ==, 14);
		g_assert_cmpstr(c->default_queue, ==, "general");
		return;
	}
	md_test_trap_child(f->dir, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
	g_test_trap_assert_stderr("*unknown key [tickets] reopen-dayz*");
}

static void
test_dump(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;
	g_autoptr(MdConfig) again = NULL;
	g_autofree char *text = NULL;

	write_config(f,
	    "[tickets]\n"
	    "reopen-days = 30\n"
	    "[addresses]\n"
	    "support@example.com = support\n");
	c = md_config_load(f->path, &error);
	g_assert_no_error(error);
	text = md_config_dump(c);
	g_assert_nonnull(strstr(text, "reopen-days = 30\n"));
	g_assert_nonnull(strstr(text, "support@example.com = support\n"));

	/* What dump prints loads back to the same values. */
	write_config(f, text);
	again = md_config_load(f->path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(again->reopen_days, ==, 30);
	g_assert_cmpuint(again->addresses->len, ==, 1);
	g_assert_cmpstr(md_config_queue_for(again, "support@example.com"), ==,
	    "support");
}

/* Each of these loads must fail with CONFIG, naming @needle. */
typedef struct {
	const char *path;
	const char *text;
	const char *needle;
} BadCase;

static const BadCase bad_cases[] = {
	{ "/config/bad/queue-space", "[addresses]\nsupport@example.com = "
	  "first level\n", "queue name \"first level\"" },
	{ "/config/bad/queue-group-space", "[queue first level]\n"
	  "language = de\n", "[queue first level]" },
	{ "/config/bad/queue-slash", "[addresses]\nsupport@example.com = "
	  "a/b\n", "queue name \"a/b\"" },
	{ "/config/bad/default-queue-space", "[tickets]\ndefault-queue = "
	  "a b\n", "default-queue" },
	{ "/config/bad/address-two-cases", "[addresses]\nsupport@example.com "
	  "= support\nSupport@Example.COM = sales\n", "given twice" },
	{ "/config/bad/form-senders", "[forms]\nsenders = form@example.com; "
	  "garbage\n", "\"garbage\" is not a mail address" },
	{ "/config/bad/language", "[templates]\nlanguage = fr\n",
	  "is not one of en, de" },
};

static void
test_bad(Fixture *f, gconstpointer data)
{
	const BadCase *b = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	write_config(f, b->text);
	c = md_config_load(f->path, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, b->needle));
	g_assert_null(c);
}

/* One address written twice for one queue is the same line twice. */
static void
test_address_twice_same_queue(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;

	write_config(f, "[addresses]\nsupport@example.com = support\n"
	    "SUPPORT@example.com = support\n");
	c = md_config_load(f->path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(c->addresses->len, ==, 1);
}

/* Each group once, however the key table orders its keys. */
static void
test_dump_groups_once(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash,
	    g_str_equal);

	write_config(f, "[deliver]\nallow-root = true\n[queue sales]\n"
	    "language = de\n");
	c = md_config_load(f->path, &error);
	g_assert_no_error(error);
	text = md_config_dump(c);
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		if ((*l)[0] != '[')
			continue;
		g_assert_false(g_hash_table_contains(seen, *l));
		g_hash_table_add(seen, *l);
	}
	g_assert_true(g_hash_table_contains(seen, "[deliver]"));
	g_assert_true(g_hash_table_contains(seen, "[tickets]"));
	g_assert_true(g_hash_table_contains(seen, "[queue sales]"));
	g_assert_nonnull(strstr(text, "[queue sales]\nlanguage = de\n"));
}

static void
test_check_templates(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *text = NULL, *tdir = g_build_filename(f->dir,
	    "templates", NULL);
	g_autofree char *ack = g_build_filename(tdir, "ack.en.txt", NULL);
	g_autofree char *note = g_build_filename(tdir, "notification.en.txt",
	    NULL);

	text = g_strdup_printf("[templates]\ndir = %s\n", tdir);
	write_config(f, text);
	c = md_config_load(f->path, &error);
	g_assert_no_error(error);
	md_config_check(c, problems);
	g_assert_cmpuint(problems->len, ==, 1);
	g_assert_nonnull(strstr(g_ptr_array_index(problems, 0),
	    "is not a directory"));

	/* An empty directory is fine: the binary has the templates. */
	g_assert_cmpint(g_mkdir(tdir, 0700), ==, 0);
	g_ptr_array_set_size(problems, 0);
	md_config_check(c, problems);
	g_assert_cmpuint(problems->len, ==, 0);

	g_file_set_contents(ack, "Hello\n", -1, &error);
	g_assert_no_error(error);
	g_file_set_contents(note, "New\n", -1, &error);
	g_assert_no_error(error);
	g_ptr_array_set_size(problems, 0);
	md_config_check(c, problems);
	g_assert_cmpuint(problems->len, ==, 0);
}

static void
test_has_queue(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdConfig) c = NULL;
	g_autofree char *names = NULL;

	write_config(f, "[addresses]\nsupport@example.com = support\n"
	    "help@example.com = support\nsales@example.com = sales\n"
	    "[queue archive]\nretention-days = 0\n");
	c = md_config_load(f->path, &error);
	g_assert_no_error(error);
	g_assert_true(md_config_has_queue(c, "support"));
	g_assert_true(md_config_has_queue(c, "archive"));
	g_assert_false(md_config_has_queue(c, "Support"));
	g_assert_false(md_config_has_queue(c, ""));
	g_assert_false(md_config_has_queue(c, NULL));
	names = md_config_queue_names(c);
	g_assert_cmpstr(names, ==, "support, sales, archive");
	g_assert_true(md_config_valid_queue_name("first-level_2.b"));
	g_assert_false(md_config_valid_queue_name("a b"));
	g_assert_false(md_config_valid_queue_name(""));
}

#define ADD(path, fn) \
	g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	ADD("/config/defaults", test_defaults);
	ADD("/config/values", test_values);
	ADD("/config/malformed-uint", test_malformed_uint);
	ADD("/config/uint-out-of-range", test_uint_out_of_range);
	ADD("/config/malformed-bool", test_malformed_bool);
	ADD("/config/empty-string", test_empty_string);
	ADD("/config/bad-address", test_bad_address);
	ADD("/config/empty-queue", test_empty_queue);
	ADD("/config/missing-file", test_missing_file);
	ADD("/config/env-path", test_env_path);
	ADD("/config/queue-for", test_queue_for);
	ADD("/config/queue-for-no-delimiter", test_queue_for_no_delimiter);
	ADD("/config/unknown-key", test_unknown_key);
	ADD("/config/dump", test_dump);
	for (gsize i = 0; i < G_N_ELEMENTS(bad_cases); i++)
		g_test_add(bad_cases[i].path, Fixture, &bad_cases[i],
		    fixture_set_up, test_bad, fixture_tear_down);
	ADD("/config/address-twice-same-queue", test_address_twice_same_queue);
	ADD("/config/dump-groups-once", test_dump_groups_once);
	ADD("/config/check-templates", test_check_templates);
	ADD("/config/has-queue", test_has_queue);
	/* Tests that pin a bug run last, each in a child: see run_in_child. */
	ADD("/config/queue-for-exact-first", test_queue_for_exact_first);

	return g_test_run();
}
