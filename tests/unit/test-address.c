/* SPDX-License-Identifier: MIT */
/*
 * md_address_parse_first: a mailbox from the From headers real mail
 * carries, and none from a name without an address.
 */
#include <gmime/gmime.h>

#include "maildesk/address.h"
#include "maildesk/autocleanups.h"

typedef struct {
	const char *path;
	const char *raw;
	const char *email;	/* NULL: no mailbox */
	const char *name;	/* NULL: no name */
} AddressCase;

static const AddressCase cases[] = {
	{ "/address/plain", "Hans Weber <hw@example.org>", "hw@example.org",
	  "Hans Weber" },
	{ "/address/padded-name",
	  "=?utf-8?B?SGFucyA=?= =?utf-8?B?TcO8bGxlcg==?= <hm@example.org>",
	  "hm@example.org", "Hans Müller" },
	{ "/address/encoded-comma",
	  "=?utf-8?Q?M=C3=BCller=2C_Hans?= <hm@example.org>",
	  "hm@example.org", "Müller, Hans" },
	{ "/address/bare-after-name", "Big Bug bb@bug.example.com",
	  "bb@bug.example.com", "Big Bug" },
	{ "/address/space-in-local-part", "Jan <jan de vries@example.nl>",
	  "\"jan de vries\"@example.nl", "Jan" },
	{ "/address/missing-bracket", "Petra <petra@example.de",
	  "petra@example.de", "Petra" },
	{ "/address/in-comment", "Service (service@example.at)",
	  "service@example.at", "Service" },
	{ "/address/in-quoted-name", "\"anna@example.se\" <>",
	  "anna@example.se", NULL },
	{ "/address/whole-encoded",
	  "=?utf-8?B?SmFuZSBEb2UgPGphbmVAZXhhbXBsZS5vcmc+?=",
	  "jane@example.org", "Jane Doe" },
	{ "/address/double-at", "\"Smith, John\" <john@@example.org>",
	  "john@example.org", "Smith, John" },
	{ "/address/apostrophe", "o'brien@example.ie", "o'brien@example.ie",
	  NULL },
	{ "/address/name-only", "Kundendienst Nord", NULL, NULL },
	{ "/address/daemon", "MAILER-DAEMON", NULL, NULL },
	{ "/address/null", "<>", NULL, NULL },
};

static void
test_first(gconstpointer data)
{
	const AddressCase *c = data;
	g_autoptr(GMimeParserOptions) options = g_mime_parser_options_new();
	g_autoptr(MdMailbox) mb = NULL;

	g_mime_parser_options_set_address_compliance_mode(options,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_rfc2047_compliance_mode(options,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	mb = md_address_parse_first(c->raw, NULL, options, NULL, NULL);
	if (c->email == NULL) {
		g_assert_null(mb);
		return;
	}
	g_assert_nonnull(mb);
	g_assert_cmpstr(mb->email, ==, c->email);
	g_assert_cmpstr(mb->name, ==, c->name);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i], test_first);
	return g_test_run();
}
