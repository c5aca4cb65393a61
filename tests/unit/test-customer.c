/* SPDX-License-Identifier: MIT */
/*
 * What a person may type for a customer: md_customer_check_address (an
 * address, before the store is used) and md_customer_check_field (which
 * profile fields exist, which values they take).  Table-driven.
 */
#include <string.h>

#include <glib.h>

#include "maildesk/customer.h"
#include "maildesk/error.h"

typedef struct {
	const char *path;
	const char *address;
	gboolean valid;
} AddressCase;

static const AddressCase address_cases[] = {
	{ "/customer/address/plain", "paula@example.net", TRUE },
	{ "/customer/address/plus", "paula+shop@example.net", TRUE },
	{ "/customer/address/utf8", "jürgen@müller.example", TRUE },
	{ "/customer/address/quoted-at", "\"a@b\"@example.net", TRUE },
	{ "/customer/address/empty", "", FALSE },
	{ "/customer/address/null", NULL, FALSE },
	{ "/customer/address/no-at", "postmaster", FALSE },
	{ "/customer/address/no-local", "@example.net", FALSE },
	{ "/customer/address/no-domain", "paula@", FALSE },
	{ "/customer/address/space", "paula probe@example.net", FALSE },
	{ "/customer/address/newline", "paula@example.net\nBcc: x", FALSE },
	{ "/customer/address/angle", "<paula@example.net>", FALSE },
	{ "/customer/address/nbsp", "paula\302\240@example.net", FALSE },
	{ "/customer/address/invalid-utf8", "p\377@example.net", FALSE },
};

static void
test_address(gconstpointer data)
{
	const AddressCase *c = data;
	g_autoptr(GError) error = NULL;
	gboolean ok = md_customer_check_address(c->address, &error);

	g_assert_cmpint(ok, ==, c->valid);
	if (c->valid)
		g_assert_no_error(error);
	else
		g_assert_error(error, MD_ERROR, MD_ERROR_USAGE);
}

typedef struct {
	const char *path;
	const char *field;
	const char *value;
	const char *refusal;	/* NULL: accepted; else in the message */
} FieldCase;

static const FieldCase field_cases[] = {
	{ "/customer/field/first-name", "first_name", "Jürgen", NULL },
	{ "/customer/field/clear", "last_name", "", NULL },
	{ "/customer/field/free", "phone", "+49 30 1234567", NULL },
	{ "/customer/field/free-dash", "vat-id", "DE123", NULL },
	{ "/customer/field/language", "language", "de", NULL },
	{ "/customer/field/language-upper", "language", "EN", NULL },
	{ "/customer/field/language-clear", "language", "", NULL },
	{ "/customer/field/email", "email", "new@example.net", NULL },
	{ "/customer/field/empty-name", "", "x", "is not a field" },
	{ "/customer/field/newline-name", "a\nb", "x", "is not a field" },
	{ "/customer/field/upper-name", "Phone", "x", "is not a field" },
	{ "/customer/field/digit-first", "1st", "x", "is not a field" },
	{ "/customer/field/long-name",
	  "a_field_name_longer_than_thirty_two", "x", "is not a field" },
	{ "/customer/field/typo", "firstname", "x", "did you mean first_name" },
	{ "/customer/field/dash-typo", "last-name", "x",
	  "did you mean last_name" },
	{ "/customer/field/mail", "mail", "x", "did you mean email" },
	{ "/customer/field/lang", "lang", "de", "did you mean language" },
	{ "/customer/field/value-newline", "phone", "030\n123",
	  "control character" },
	{ "/customer/field/value-escape", "first_name", "A\033[2J",
	  "control character" },
	{ "/customer/field/value-bidi", "company", "a\342\200\256b",
	  "control character" },
	{ "/customer/field/value-invalid-utf8", "company", "a\377",
	  "not UTF-8" },
	{ "/customer/field/language-unknown", "language", "fr",
	  "not one we answer in" },
	{ "/customer/field/email-bad", "email", "no address", "not a mail" },
};

static void
test_field(gconstpointer data)
{
	const FieldCase *c = data;
	g_autoptr(GError) error = NULL;
	gboolean ok = md_customer_check_field(c->field, c->value, &error);

	if (c->refusal == NULL) {
		g_assert_no_error(error);
		g_assert_true(ok);
		return;
	}
	g_assert_false(ok);
	g_assert_error(error, MD_ERROR, MD_ERROR_USAGE);
	g_assert_nonnull(strstr(error->message, c->refusal));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(address_cases); i++)
		g_test_add_data_func(address_cases[i].path, &address_cases[i],
		    test_address);
	for (gsize i = 0; i < G_N_ELEMENTS(field_cases); i++)
		g_test_add_data_func(field_cases[i].path, &field_cases[i],
		    test_field);
	return g_test_run();
}
