/* SPDX-License-Identifier: MIT */
/*
 * What a person may type for a customer: md_customer_check_address (an
 * address, before the store is used) and md_customer_check_field (which
 * profile fields exist, which values they take).  Table-driven.  And on
 * a store of its own: lookup by address whatever its case, and names
 * filled from mail until a person sets them.
 */
#include <string.h>

#include <glib.h>

#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "test-fixture.h"

typedef MdTestStore Fixture;

#define NOW 1704186000

#define set_up_store md_test_store_set_up
#define tear_down md_test_store_tear_down

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

/* Customers */

static MdCustomer *
find_or_create(MdTxn *txn, const char *name, const char *email,
    gboolean *created)
{
	MdMailbox *mb = md_mailbox_new(name, email);
	g_autoptr(GError) error = NULL;
	MdCustomer *c;

	/* MdMailbox has no g_autoptr() cleanup. */
	c = md_customer_find_or_create(txn, mb, NOW, created, &error);
	md_mailbox_free(mb);
	g_assert_no_error(error);
	g_assert_nonnull(c);
	return c;
}

static void
test_customer_case_insensitive(Fixture *f, gconstpointer data)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdCustomer) a = NULL;
	g_autoptr(MdCustomer) b = NULL;
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(MdCustomer) found = NULL;
	gboolean created = FALSE;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	a = find_or_create(&txn, "Hans Müller", "Hans.Mueller@Example.COM",
	    &created);
	g_assert_true(created);
	g_assert_cmpuint(a->id, ==, 1);
	g_assert_cmpstr(a->email, ==, "Hans.Mueller@Example.COM");
	g_assert_cmpint(a->created_at, ==, NOW);

	b = find_or_create(&txn, NULL, "hans.mueller@example.com", &created);
	g_assert_false(created);
	g_assert_cmpuint(b->id, ==, a->id);
	/* The address is kept as first seen. */
	g_assert_cmpstr(b->email, ==, "Hans.Mueller@Example.COM");

	c = find_or_create(&txn, NULL, "anna@example.com", &created);
	g_assert_true(created);
	g_assert_cmpuint(c->id, ==, 2);
	g_assert_true(md_store_commit(&txn, &error));
	g_assert_no_error(error);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	found = md_customer_find_by_email(&txn, "HANS.MUELLER@example.com",
	    &error);
	g_assert_no_error(error);
	g_assert_cmpuint(found->id, ==, 1);
	g_assert_null(md_customer_find_by_email(&txn, "nobody@example.com",
	    &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
}

static void
test_customer_name_fill(Fixture *f, gconstpointer data)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdCustomer) loaded = NULL;
	gboolean created = FALSE;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	{
		/* A role address gives no name. */
		g_autoptr(MdCustomer) c = find_or_create(&txn, NULL,
		    "info@example.com", &created);

		g_assert_true(created);
		g_assert_null(c->first_name);
		g_assert_null(c->last_name);
	}
	{
		/* A later display name fills the empty profile... */
		g_autoptr(MdCustomer) c = find_or_create(&txn, "Hans Müller",
		    "INFO@example.com", &created);

		g_assert_false(created);
		g_assert_cmpstr(c->first_name, ==, "Hans");
		g_assert_cmpstr(c->last_name, ==, "Müller");
	}
	{
		/* ...and is not replaced by the next one. */
		g_autoptr(MdCustomer) c = find_or_create(&txn, "Anna Weber",
		    "info@example.com", &created);

		g_assert_false(created);
		g_assert_cmpstr(c->first_name, ==, "Hans");
		g_assert_cmpstr(c->last_name, ==, "Müller");
	}
	g_assert_true(md_store_commit(&txn, &error));
	g_assert_no_error(error);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	loaded = md_customer_find_by_email(&txn, "info@example.com", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(loaded->first_name, ==, "Hans");
	g_assert_cmpstr(loaded->last_name, ==, "Müller");
}

static void
test_customer_name_manual(Fixture *f, gconstpointer data)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	gboolean created = FALSE;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	{
		g_autoptr(MdCustomer) c = find_or_create(&txn, NULL,
		    "info@example.com", &created);
		g_autoptr(MdCustomer) d = find_or_create(&txn, NULL,
		    "office@example.com", &created);

		/* An agent cleared info's name on purpose... */
		c->flags |= MD_CUSTOMER_NAME_MANUAL;
		g_assert_true(md_customer_save(&txn, c, &error));
		/* ...and set office's by hand. */
		d->flags |= MD_CUSTOMER_NAME_MANUAL;
		d->first_name = g_strdup("Front");
		d->last_name = g_strdup("Desk");
		g_assert_true(md_customer_save(&txn, d, &error));
		g_assert_no_error(error);
	}
	{
		g_autoptr(MdCustomer) c = find_or_create(&txn, "Hans Müller",
		    "info@example.com", &created);
		g_autoptr(MdCustomer) d = find_or_create(&txn, "Anna Weber",
		    "office@example.com", &created);

		g_assert_false(created);
		g_assert_null(c->first_name);
		g_assert_null(c->last_name);
		g_assert_cmpuint(c->flags & MD_CUSTOMER_NAME_MANUAL, !=, 0);
		g_assert_cmpstr(d->first_name, ==, "Front");
		g_assert_cmpstr(d->last_name, ==, "Desk");
	}
	g_assert_true(md_store_commit(&txn, &error));
	g_assert_no_error(error);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	{
		g_autoptr(MdCustomer) c = md_customer_find_by_email(&txn,
		    "info@example.com", &error);

		g_assert_no_error(error);
		g_assert_null(c->first_name);
		g_assert_null(c->last_name);
	}
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
	g_test_add("/customer/case-insensitive", Fixture, NULL, set_up_store,
	    test_customer_case_insensitive, tear_down);
	g_test_add("/customer/name-fill", Fixture, NULL, set_up_store,
	    test_customer_name_fill, tear_down);
	g_test_add("/customer/name-manual", Fixture, NULL, set_up_store,
	    test_customer_name_manual, tear_down);
	return g_test_run();
}
