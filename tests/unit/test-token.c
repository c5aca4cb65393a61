/* SPDX-License-Identifier: MIT */
/*
 * Signed reply addresses and Message-IDs (token.c), template expansion
 * (template.c) and header cleaning of outgoing mail (compose.c).
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/compose.h"
#include "maildesk/template.h"
#include "maildesk/token.h"

static GBytes *
secret(char fill)
{
	guint8 s[32];

	memset(s, fill, sizeof(s));
	return g_bytes_new(s, sizeof(s));
}

#define NOW 1793000000	/* day 20752 */

static void
test_reply_address_round_trip(void)
{
	g_autoptr(GBytes) k = secret('a');
	g_autofree char *addr = md_token_reply_address(k,
	    "support@example.com", '+', 42, NULL, NOW);
	g_autofree char *mac = NULL, *base = NULL;
	guint64 n = 0;
	guint32 day = 0;

	g_assert_true(g_regex_match_simple(
	    "^support\\+42\\.20752\\.[0-9a-f]{12}@example\\.com$", addr, 0,
	    0));
	g_assert_true(md_token_parse_address(addr, "+", &n, &day, &mac,
	    &base));
	g_assert_cmpuint(n, ==, 42);
	g_assert_cmpuint(day, ==, 20752);
	g_assert_cmpstr(base, ==, "support@example.com");
	g_assert_true(md_token_verify(k, 42, day, NULL, mac));
	/* Another ticket, day, agent or secret: no. */
	g_assert_false(md_token_verify(k, 43, day, NULL, mac));
	g_assert_false(md_token_verify(k, 42, day + 1, NULL, mac));
	g_assert_false(md_token_verify(k, 42, 0, NULL, mac));
	g_assert_false(md_token_verify(k, 42, day, "agent@example.com", mac));
	{
		g_autoptr(GBytes) other = secret('b');

		g_assert_false(md_token_verify(other, 42, day, NULL, mac));
	}
}

static void
test_agent_token(void)
{
	g_autoptr(GBytes) k = secret('c');
	g_autofree char *a = md_token_mac(k, 7, 20752, "Agent@Example.com");
	g_autofree char *c = md_token_mac(k, 7, 20752, NULL);

	g_assert_cmpstr(a, !=, c);
	/* Agent addresses compare without case. */
	g_assert_true(md_token_verify(k, 7, 20752, "agent@example.com", a));
	g_assert_false(md_token_verify(k, 7, 20752, "other@example.com", a));
}

/* The day under the MAC bounds how long a leaked address counts. */
static void
test_token_age(void)
{
	g_assert_true(md_token_is_fresh(20752, 30, NOW));
	g_assert_true(md_token_is_fresh(20752 - 30, 30, NOW));
	g_assert_false(md_token_is_fresh(20752 - 31, 30, NOW));
	/* A day ahead is a clock apart; more is not ours. */
	g_assert_true(md_token_is_fresh(20753, 30, NOW));
	g_assert_false(md_token_is_fresh(20760, 30, NOW));
	/* The form without a day is never fresh. */
	g_assert_false(md_token_is_fresh(0, 30, NOW));
}

/* Addresses issued before tokens carried a day still parse, as day 0. */
static void
test_old_form(void)
{
	g_autoptr(GBytes) k = secret('e');
	g_autofree char *mac12 = md_token_mac(k, 42, 0, NULL);
	g_autofree char *addr = g_strdup_printf("support+42.%s@example.com",
	    mac12);
	g_autofree char *mac = NULL, *base = NULL;
	guint64 n = 0;
	guint32 day = 99;

	g_assert_true(md_token_parse_address(addr, "+", &n, &day, &mac,
	    &base));
	g_assert_cmpuint(n, ==, 42);
	g_assert_cmpuint(day, ==, 0);
	g_assert_true(md_token_verify(k, 42, 0, NULL, mac));
}

static void
test_parse_rejects(void)
{
	static const char *const bad[] = {
		"support@example.com",
		"support+42@example.com",
		"support+42.abc@example.com",
		"support+x.0123456789ab@example.com",
		"support+0.0123456789ab@example.com",
		"support+42.0123456789zz@example.com",
		"+42.0123456789ab@example.com",
		"support+42.0123456789ab",
		"support+42.x.0123456789ab@example.com",
		"support+42..0123456789ab@example.com",
		"support+42.0.0123456789ab@example.com",
		"support+42.1.2.0123456789ab@example.com",
		NULL
	};

	for (const char *const *b = bad; *b != NULL; b++) {
		g_autofree char *mac = NULL, *base = NULL;
		guint64 n;
		guint32 day;

		g_test_message("%s", *b);
		g_assert_false(md_token_parse_address(*b, "+", &n, &day, &mac,
		    &base));
	}
}

static void
test_message_id(void)
{
	g_autoptr(GBytes) k = secret('d');
	g_autofree char *id = md_token_message_id(k, 1042, "example.com",
	    "Anna@Example.org");
	g_autofree char *forged = g_strdup(id);

	g_assert_true(g_str_has_suffix(id, "@example.com"));
	g_assert_cmpuint(md_token_message_id_ticket(k, id), ==, 1042);
	/* It names the address it went to, and no other. */
	g_assert_true(md_token_message_id_sent_to(k, id, "anna@example.org"));
	g_assert_false(md_token_message_id_sent_to(k, id, "eve@example.org"));
	g_assert_false(md_token_message_id_sent_to(k, id, NULL));
	/* Change the ticket number: the MAC no longer fits. */
	forged[3] = forged[3] == '1' ? '2' : '1';
	g_assert_cmpuint(md_token_message_id_ticket(k, forged), ==, 0);
	g_assert_cmpuint(md_token_message_id_ticket(k, "abc@example.com"),
	    ==, 0);
}

static void
test_template_expand(void)
{
	g_autoptr(GHashTable) v = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, g_free);
	g_autofree char *out = NULL;

	g_hash_table_insert(v, g_strdup("ticket"), g_strdup("7"));
	g_hash_table_insert(v, g_strdup("name"), g_strdup("{{ticket}}"));
	out = md_template_expand("T{{ticket}} {{ name }} {{unknown}} {{", v);
	/* Values are inserted as text, never expanded again. */
	g_assert_cmpstr(out, ==, "T7 {{ticket}} {{unknown}} {{");
}

static void
test_clean_header(void)
{
	g_autofree char *s = md_compose_clean_header(
	    "Hello\r\nBcc: victim@example.org\tx");

	g_assert_null(strchr(s, '\r'));
	g_assert_null(strchr(s, '\n'));
	g_assert_cmpstr(s, ==, "Hello  Bcc: victim@example.org x");
}

static void
test_compose_no_injection(void)
{
	GString *name = g_string_new(NULL);
	MdComposeSpec spec = { 0 };
	g_autoptr(GBytes) out = NULL;
	g_auto(GStrv) lines = NULL;
	g_autofree char *text = NULL;
	gsize len;
	const char *data;
	int subjects = 0;

	for (int i = 0; i < 200; i++)
		g_string_append(name, "Müller-Lüdenscheidt ");
	spec.from_address = "support@example.com";
	spec.to_address = "c@example.net";
	spec.to_name = name->str;
	spec.subject = "Hi\r\nBcc: victim@example.org";
	spec.message_id = "x@example.com";
	spec.auto_submitted = "auto-replied";
	spec.x_loop = "maildesk";
	spec.text = "body\n.\nline";
	out = md_compose(&spec, 1700000000);
	data = g_bytes_get_data(out, &len);
	text = g_strndup(data, len);	/* the bytes carry no NUL */
	lines = g_strsplit(text, "\r\n", -1);
	for (char **l = lines; *l != NULL && **l != '\0'; l++) {
		g_assert_cmpuint(strlen(*l), <=, 998);
		g_assert_false(g_ascii_strncasecmp(*l, "Bcc:", 4) == 0);
		if (g_ascii_strncasecmp(*l, "Subject:", 8) == 0)
			subjects++;
		/* Every header line is a field or a continuation. */
		g_assert_true(**l == ' ' || **l == '\t' || strchr(*l, ':'));
	}
	g_assert_cmpint(subjects, ==, 1);
	g_string_free(name, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add_func("/token/reply-address", test_reply_address_round_trip);
	g_test_add_func("/token/agent", test_agent_token);
	g_test_add_func("/token/parse-rejects", test_parse_rejects);
	g_test_add_func("/token/age", test_token_age);
	g_test_add_func("/token/old-form", test_old_form);
	g_test_add_func("/token/message-id", test_message_id);
	g_test_add_func("/template/expand", test_template_expand);
	g_test_add_func("/compose/clean-header", test_clean_header);
	g_test_add_func("/compose/no-injection", test_compose_no_injection);
	return g_test_run();
}
