/* SPDX-License-Identifier: MIT */
/*
 * Mail from agents, the parts that need no store: command lines split off
 * the top of the text, the quoted mail cut off the bottom, and how far a
 * mail is proven (a fresh token of the agent's own, DKIM or DMARC pass
 * from our MX, or nothing, and why).
 */
#include <string.h>

#include "maildesk/agentmail.h"
#include "test-fixture.h"

typedef struct {
	const char *path;
	const char *text;
	const char *commands;	/* joined by "|" */
	const char *rest;
} SplitCase;

static const SplitCase split_cases[] = {
	{ "/agentmail/split/none", "Hello.\n", "", "Hello.\n" },
	{ "/agentmail/split/two", "#note\n#status pending\nHello.\n",
	  "#note|#status pending", "Hello.\n" },
	{ "/agentmail/split/blank-lines", "\n#note\n\n#assign b@x\n\nHi\n",
	  "#note|#assign b@x", "Hi\n" },
	{ "/agentmail/split/indented", "  #note  \nHi\n", "#note", "Hi\n" },
	{ "/agentmail/split/later-hash", "Hi\n#note\n", "", "Hi\n#note\n" },
	{ "/agentmail/split/only", "#status closed", "#status closed", "" },
	{ "/agentmail/split/null", NULL, "", "" },
};

static void
test_split(gconstpointer data)
{
	const SplitCase *c = data;
	g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *rest = md_agentmail_split_commands(c->text, commands);
	g_autofree char *joined = NULL;

	g_ptr_array_add(commands, NULL);
	joined = g_strjoinv("|", (char **)commands->pdata);
	g_assert_cmpstr(joined, ==, c->commands);
	g_assert_cmpstr(rest, ==, c->rest);
}

typedef struct {
	const char *path;
	const char *text;
	const char *kept;
} QuoteCase;

static const QuoteCase quote_cases[] = {
	{ "/agentmail/quote/none", "Done.\n", "Done.\n" },
	{ "/agentmail/quote/gt", "Done.\n\n> Where is it?\n", "Done.\n" },
	{ "/agentmail/quote/on-wrote", "Done.\nOn Mon, 2 Mar 2026, Anna "
	  "wrote:\nWhere?\n", "Done.\n" },
	{ "/agentmail/quote/wrapped-attribution", "Done.\nOn Mon, 2 Mar "
	  "2026 at 10:00,\nAnna <a@example.net> wrote:\nWhere?\n",
	  "Done.\n" },
	{ "/agentmail/quote/german", "Erledigt.\nAm 02.03.2026 schrieb "
	  "Anna:\nWo?\n", "Erledigt.\n" },
	{ "/agentmail/quote/outlook", "Done.\n-----Original Message-----\n"
	  "From: Anna\n", "Done.\n" },
	{ "/agentmail/quote/on-not-quote", "On Monday we ship.\nThanks.\n",
	  "On Monday we ship.\nThanks.\n" },
};

static void
test_quote(gconstpointer data)
{
	const QuoteCase *c = data;
	g_autofree char *kept = md_agentmail_cut_quote(c->text);

	g_assert_cmpstr(kept, ==, c->kept);
}

static MdConfig *
config_new(MdTestStore *f)
{
	md_test_store_set_up_dir(f, NULL);
	md_test_store_load_config(f, MD_TEST_MAP_BYTES,
	    "[agents]\nauthserv-id = mx.example.com\n");
	return f->config;
}

static void
test_trust(void)
{
	MdTestStore f = { 0 };
	const MdConfig *config = config_new(&f);
	g_autoptr(MdMessage) m = md_message_new();
	MdThreadMatch own = { .reason = MD_THREAD_TOKEN };
	MdThreadMatch none = { .reason = MD_THREAD_NEW };
	const char *why;

	g_strlcpy(own.agent_buf, "Bea@example.com", sizeof(own.agent_buf));
	own.agent = own.agent_buf;
	/* Her own fresh token: proof of receipt, no more. */
	g_assert_cmpint(md_agentmail_trust(config, m, &own,
	    "bea@example.com", &why), ==, MD_AGENT_TRUST_TOKEN);
	g_assert_null(why);
	/* Somebody else's token proves nothing about Carl. */
	g_assert_cmpint(md_agentmail_trust(config, m, &own,
	    "carl@example.com", &why), ==, MD_AGENT_TRUST_NONE);
	g_assert_nonnull(strstr(why, "not yours"));
	/* Too old. */
	own.token_stale = TRUE;
	g_assert_cmpint(md_agentmail_trust(config, m, &own,
	    "bea@example.com", &why), ==, MD_AGENT_TRUST_NONE);
	g_assert_nonnull(strstr(why, "too old"));
	g_assert_cmpint(md_agentmail_trust(config, m, &none,
	    "bea@example.com", &why), ==, MD_AGENT_TRUST_NONE);
	g_assert_nonnull(strstr(why, "DKIM or DMARC"));
	/* Our MX saw DKIM pass for her domain: strong, token or not. */
	g_ptr_array_add(m->headers, g_strdup("Authentication-Results"));
	g_ptr_array_add(m->headers, g_strdup("mx.example.com; dkim=pass "
	    "header.d=example.com"));
	g_assert_cmpint(md_agentmail_trust(config, m, &none,
	    "bea@example.com", &why), ==, MD_AGENT_TRUST_STRONG);
	/* Somebody else's MX says nothing. */
	g_ptr_array_set_size(m->headers, 0);
	g_ptr_array_add(m->headers, g_strdup("Authentication-Results"));
	g_ptr_array_add(m->headers, g_strdup("mx.evil.example; dkim=pass "
	    "header.d=example.com"));
	g_assert_cmpint(md_agentmail_trust(config, m, &none,
	    "bea@example.com", &why), ==, MD_AGENT_TRUST_NONE);
	md_test_store_tear_down(&f, NULL);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(split_cases); i++)
		g_test_add_data_func(split_cases[i].path, &split_cases[i],
		    test_split);
	for (gsize i = 0; i < G_N_ELEMENTS(quote_cases); i++)
		g_test_add_data_func(quote_cases[i].path, &quote_cases[i],
		    test_quote);
	g_test_add_func("/agentmail/trust", test_trust);
	return g_test_run();
}
