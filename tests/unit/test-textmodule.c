/* SPDX-License-Identifier: MIT */
/*
 * Text modules: names are held to a-z, 0-9, '-' and '_' (no path can be
 * named); a module comes from <dir>/modules only, the language's file
 * first; a template compiled into the binary is no module; the
 * signature of a queue, else the general one, else none.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "test-util.h"
#include "maildesk/error.h"
#include "maildesk/textmodule.h"

typedef struct {
	const char *path;
	const char *name;
	gboolean valid;
} NameCase;

static const NameCase names[] = {
	{ "/textmodule/name/plain", "reset-password", TRUE },
	{ "/textmodule/name/underscore-digits", "faq_2", TRUE },
	{ "/textmodule/name/upper", "Reset", FALSE },
	{ "/textmodule/name/dot", "ack.en", FALSE },
	{ "/textmodule/name/slash", "../ack", FALSE },
	{ "/textmodule/name/empty", "", FALSE },
	{ "/textmodule/name/space", "a b", FALSE },
	{ "/textmodule/name/long", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaa", FALSE },
};

static void
test_name(gconstpointer data)
{
	const NameCase *c = data;

	g_assert_cmpint(md_textmodule_is_name(c->name), ==, c->valid);
}

static void
write_module(const char *dir, const char *file, const char *text)
{
	g_autofree char *path = g_build_filename(dir, MD_TEXTMODULE_DIR, file,
	    NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
test_render(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("maildesk-tm-XXXXXX", NULL);
	g_autofree char *mods = g_build_filename(dir, MD_TEXTMODULE_DIR, NULL);
	g_autoptr(GHashTable) vars = g_hash_table_new(g_str_hash, g_str_equal);
	MdConfig config = { 0 };
	char *text;

	config.template_dir = dir;
	g_assert_cmpint(g_mkdir(mods, 0700), ==, 0);
	write_module(dir, "hello.txt", "Hello {{name}}\n");
	write_module(dir, "hello.de.txt", "Hallo {{name}}\n");
	write_module(dir, "signature.txt", "-- \nall\n");
	g_hash_table_insert(vars, (gpointer)"name", (gpointer)"Anna");

	text = md_textmodule_render(&config, "hello", "de", vars, &error);
	g_assert_cmpstr(text, ==, "Hallo Anna\n");
	g_free(text);
	text = md_textmodule_render(&config, "hello", "fr", vars, &error);
	g_assert_cmpstr(text, ==, "Hello Anna\n");
	g_free(text);
	/* Compiled into the binary as a mail template, but no module. */
	text = md_textmodule_render(&config, "ack", "en", vars, &error);
	g_assert_null(text);
	g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
	g_clear_error(&error);
	text = md_textmodule_render(&config, "../hello", "en", vars, &error);
	g_assert_null(text);
	g_assert_error(error, MD_ERROR, MD_ERROR_USAGE);
	g_clear_error(&error);

	text = md_textmodule_signature(&config, "support", "en", vars, &error);
	g_assert_cmpstr(text, ==, "-- \nall\n");
	g_free(text);
	write_module(dir, "signature-support.txt", "-- \nsupport\n");
	text = md_textmodule_signature(&config, "support", "en", vars, &error);
	g_assert_cmpstr(text, ==, "-- \nsupport\n");
	g_free(text);
	md_test_rm_rf(dir);
	text = md_textmodule_signature(&config, "support", "en", vars, &error);
	g_assert_null(text);
	g_assert_no_error(error);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		g_test_add_data_func(names[i].path, &names[i], test_name);
	g_test_add_func("/textmodule/render", test_render);
	return g_test_run();
}
