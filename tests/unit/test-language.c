/* SPDX-License-Identifier: MIT */
/*
 * The language a customer is answered in: the guess from stopwords (with
 * the texts it must leave undecided), Content-Language tags, and the
 * order profile > header > guess > queue.  Table-driven.
 */
#include <glib.h>

#include "maildesk/language.h"

typedef struct {
	const char *path;
	const char *text;
	const char *want;	/* NULL: no guess */
} GuessCase;

static const GuessCase guess_cases[] = {
	{ "/language/guess/german",
	  "Hallo,\n\nich habe eine Frage zu meiner Rechnung. Der Betrag ist "
	  "leider nicht richtig.\n\nVielen Dank und freundliche Grüße\nJana\n",
	  "de" },
	{ "/language/guess/english",
	  "Hello,\n\nI have a question about the price of your product. "
	  "Could you please send me an offer? Thank you.\n", "en" },
	{ "/language/guess/german-capitals",
	  "SEHR GEEHRTE DAMEN UND HERREN, DIE LIEFERUNG IST NICHT ANGEKOMMEN.",
	  "de" },
	{ "/language/guess/umlaut-stopword", "Für mich und für Sie: für uns.",
	  "de" },
	{ "/language/guess/too-short", "Rechnung 4711 anbei.", NULL },
	{ "/language/guess/empty", "", NULL },
	{ "/language/guess/null", NULL, NULL },
	{ "/language/guess/numbers-only", "4711 0815 2026-03-02", NULL },
	/* Mixed evenly: no clear winner, no guess. */
	{ "/language/guess/mixed",
	  "the and is ... der die das", NULL },
	/* Our own English acknowledgement quoted under a German reply. */
	{ "/language/guess/quoted-ignored",
	  "Danke, das ist nicht meine Rechnung, bitte prüfen Sie das.\n"
	  "> Hello,\n> thank you for your message. We have received your\n"
	  "> request and filed it as ticket number 42. If you write to us\n"
	  "> again about this, please reply to this message.\n", "de" },
	{ "/language/guess/invalid-utf8", "der die das und \377\376 ist",
	  NULL },
	/* A word longer than any stopword is none, however it ends. */
	{ "/language/guess/long-words",
	  "Kundenzufriedenheitsabteilungder Rechnungskorrekturendie "
	  "Lieferterminverschiebungdas", NULL },
	{ "/language/guess/long-word-skipped",
	  "Donaudampfschifffahrtsgesellschaft: der die das und", "de" },
	/* Plain from the start: the rest is not read (nor checked). */
	{ "/language/guess/early-stop",
	  "Sehr geehrte Damen und Herren, ich habe die Rechnung und die "
	  "Mahnung nicht bekommen, bitte \377", "de" },
};

static void
test_guess(gconstpointer data)
{
	const GuessCase *c = data;

	g_assert_cmpstr(md_language_guess(c->text), ==, c->want);
}

typedef struct {
	const char *path;
	const char *value;
	const char *want;
} TagCase;

static const TagCase tag_cases[] = {
	{ "/language/tag/plain", "de", "de" },
	{ "/language/tag/region", "de-DE", "de" },
	{ "/language/tag/upper", "EN-us", "en" },
	{ "/language/tag/list-first-known", "fr, de-AT, en", "de" },
	{ "/language/tag/spaces", "  en  ", "en" },
	{ "/language/tag/unknown", "fr-FR", NULL },
	{ "/language/tag/empty", "", NULL },
	{ "/language/tag/null", NULL, NULL },
	{ "/language/tag/not-a-prefix", "dew", NULL },
};

static void
test_tag(gconstpointer data)
{
	const TagCase *c = data;

	g_assert_cmpstr(md_language_from_tag(c->value), ==, c->want);
}

static void
test_choose_order(void)
{
	const char *german = "Hallo, ich habe eine Frage zu der Rechnung, "
	    "bitte melden Sie sich.";
	const char *english = "Hello, I have a question about the invoice, "
	    "please call me.";

	/* The profile first, then the header, then the text, then the queue. */
	g_assert_cmpstr(md_language_choose("en", "de", german, "de"), ==,
	    "en");
	g_assert_cmpstr(md_language_choose(NULL, "de", english, "en"), ==,
	    "de");
	g_assert_cmpstr(md_language_choose(NULL, NULL, german, "en"), ==,
	    "de");
	g_assert_cmpstr(md_language_choose(NULL, NULL, "4711", "de"), ==,
	    "de");
	/* What we do not answer in is passed over. */
	g_assert_cmpstr(md_language_choose("fr", "it", english, "de"), ==,
	    "en");
	g_assert_cmpstr(md_language_choose(NULL, NULL, NULL, NULL), ==, NULL);
	g_assert_cmpstr(md_language_choose("", "", "", "xx"), ==, NULL);
}

static void
test_find(void)
{
	const char *const *codes = md_language_codes();

	g_assert_cmpstr(codes[0], ==, "en");
	g_assert_cmpstr(codes[1], ==, "de");
	g_assert_null(codes[2]);
	/* The table's own string, whatever the caller's case. */
	g_assert_true(md_language_find("DE") == codes[1]);
	g_assert_null(md_language_find("deu"));
	g_assert_null(md_language_find(NULL));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(guess_cases); i++)
		g_test_add_data_func(guess_cases[i].path, &guess_cases[i],
		    test_guess);
	for (gsize i = 0; i < G_N_ELEMENTS(tag_cases); i++)
		g_test_add_data_func(tag_cases[i].path, &tag_cases[i],
		    test_tag);
	g_test_add_func("/language/choose-order", test_choose_order);
	g_test_add_func("/language/find", test_find);
	return g_test_run();
}
