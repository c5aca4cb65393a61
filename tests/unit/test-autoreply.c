/* SPDX-License-Identifier: MIT */
/*
 * Acknowledgements and notifications: which mail nothing automatic may
 * answer (RFC 3834 and a customer's wishes), and, on a store of its own,
 * that a customer's first mail queues one acknowledgement to them (kept in
 * the ticket too) and one notification to each agent of the queue, while
 * machine mail and a restricted customer's mail queue none.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "maildesk/autoreply.h"
#include "maildesk/customer.h"
#include "maildesk/deliver.h"
#include "maildesk/outbox.h"
#include "maildesk/ticket.h"
#include "test-fixture.h"

#define NOW 1704186000

typedef MdTestStore Fixture;

static const char config_text[] =
    "[ack]\nenabled = true\n"
    "[queue support]\nagents = bea@example.com;carl@example.com\n";

typedef struct {
	const char *path;
	guint32 flags;		/* of the message */
	MdKind kind;
	const char *from;	/* nullable */
	gboolean customer;	/* there is one */
	guint32 customer_flags;
	gboolean forbidden;
} ForbiddenCase;

static const ForbiddenCase forbidden_cases[] = {
	{ "/autoreply/forbidden/customer-mail", 0, MD_KIND_CUSTOMER,
	  "anna@example.net", TRUE, 0, FALSE },
	{ "/autoreply/forbidden/auto-reply", MD_MSG_AUTO_REPLY,
	  MD_KIND_AUTO_REPLY, "anna@example.net", TRUE, 0, TRUE },
	{ "/autoreply/forbidden/list", MD_MSG_LIST, MD_KIND_CUSTOMER,
	  "anna@example.net", TRUE, 0, TRUE },
	{ "/autoreply/forbidden/null-sender", MD_MSG_NULL_SENDER,
	  MD_KIND_CUSTOMER, "anna@example.net", TRUE, 0, TRUE },
	{ "/autoreply/forbidden/agent-mail", 0, MD_KIND_AGENT,
	  "anna@example.net", TRUE, 0, TRUE },
	{ "/autoreply/forbidden/ours", 0, MD_KIND_CUSTOMER,
	  "support@example.com", TRUE, 0, TRUE },
	{ "/autoreply/forbidden/no-sender", 0, MD_KIND_CUSTOMER, NULL, TRUE,
	  0, TRUE },
	{ "/autoreply/forbidden/no-customer", 0, MD_KIND_CUSTOMER,
	  "anna@example.net", FALSE, 0, TRUE },
	{ "/autoreply/forbidden/restricted", 0, MD_KIND_CUSTOMER,
	  "anna@example.net", TRUE, MD_CUSTOMER_RESTRICTED, TRUE },
	{ "/autoreply/forbidden/bouncing", 0, MD_KIND_CUSTOMER,
	  "anna@example.net", TRUE, MD_CUSTOMER_BOUNCING, TRUE },
};

static void
test_forbidden(gconstpointer data)
{
	const ForbiddenCase *c = data;
	Fixture f = { 0 };
	g_autoptr(MdMessage) m = md_message_new();
	g_autoptr(MdCustomer) customer = NULL;
	const char *why;

	md_test_store_set_up_dir(&f, NULL);
	md_test_store_load_config(&f, MD_TEST_MAP_BYTES, NULL);
	m->flags = c->flags;
	m->kind = c->kind;
	if (c->from != NULL)
		m->from = md_mailbox_new(NULL, c->from);
	if (c->customer) {
		customer = md_customer_new();
		customer->email = g_strdup("anna@example.net");
		customer->flags = c->customer_flags;
	}
	g_assert_cmpint(md_autoreply_forbidden(f.config, m, customer, &why),
	    ==, c->forbidden);
	if (c->forbidden)
		g_assert_nonnull(why);
	else
		g_assert_null(why);
	md_test_store_tear_down(&f, NULL);
}

/* Delivers a mail from Anna with @headers; returns what it queued. */
static GPtrArray *
deliver(Fixture *f, const char *id, const char *headers,
    MdDeliverResult *r)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autofree char *raw = g_strdup_printf("From: Anna Berg "
	    "<anna@example.net>\nTo: support@example.com\n%s"
	    "Subject: Where is my invoice?\nMessage-ID: <%s>\n\nHello.\n",
	    headers, id);
	MdDeliverOptions opts = { .sender = "anna@example.net",
		.recipient = "support@example.com" };
	GPtrArray *queued;

	g_assert_true(md_deliver_opts(f->store, f->config,
	    (const guint8 *)raw, strlen(raw), &opts, NOW, r, &error));
	g_assert_no_error(error);
	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	queued = md_outbox_load(&txn, r->outbox_ids, &error);
	g_assert_no_error(error);
	return queued;
}

static const MdOutboxEntry *
entry_of(GPtrArray *queued, const char *kind, const char *to)
{
	for (guint i = 0; i < queued->len; i++) {
		const MdOutboxEntry *e = g_ptr_array_index(queued, i);

		if (strcmp(e->kind, kind) == 0 &&
		    strcmp(e->recipients[0], to) == 0)
			return e;
	}
	return NULL;
}

static void
test_queue(Fixture *f, gconstpointer data)
{
	MdDeliverResult r = { 0 };
	g_autoptr(GPtrArray) queued = deliver(f, "a1@example.net", "", &r);
	const MdOutboxEntry *ack = entry_of(queued, "ack",
	    "anna@example.net");
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(MdMessage) kept = NULL;
	g_autofree char *mail = NULL;

	g_assert_cmpuint(queued->len, ==, 3);
	g_assert_nonnull(ack);
	g_assert_cmpstr(ack->envelope_from, ==, "support@example.com");
	g_assert_cmpuint(ack->customer_id, ==, r.customer);
	g_assert_nonnull(entry_of(queued, "notification", "bea@example.com"));
	g_assert_nonnull(entry_of(queued, "notification",
	    "carl@example.com"));
	/* The ack names the ticket and answers Anna by her name. */
	mail = g_strndup(g_bytes_get_data(ack->data, NULL),
	    g_bytes_get_size(ack->data));
	g_assert_nonnull(strstr(mail, "Auto-Submitted: auto-replied"));
	g_assert_nonnull(strstr(mail, "[Ticket#1]"));
	g_assert_nonnull(strstr(mail, "Anna Berg"));
	/* The customer sees the ack: it is the ticket's second message. */
	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	t = md_ticket_load(&txn, r.ticket, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(t->message_count, ==, 2);
	kept = md_ticket_load_message(&txn, r.ticket, 2, &error);
	g_assert_no_error(error);
	g_assert_cmpint(kept->kind, ==, MD_KIND_ACK);
	g_assert_cmpint(kept->direction, ==, MD_DIR_OUT);
	md_deliver_result_clear(&r);
}

/* An out-of-office queues nothing at all. */
static void
test_machine_mail(Fixture *f, gconstpointer data)
{
	MdDeliverResult r = { 0 };
	g_autoptr(GPtrArray) queued = deliver(f, "ooo@example.net",
	    "Auto-Submitted: auto-replied\n", &r);

	g_assert_cmpuint(queued->len, ==, 0);
	md_deliver_result_clear(&r);
}

/* A restricted customer's mail is stored, answered by nothing. */
static void
test_restricted(Fixture *f, gconstpointer data)
{
	MdDeliverResult r = { 0 };
	g_autoptr(GPtrArray) first = deliver(f, "a1@example.net", "", &r);
	g_autoptr(GPtrArray) second = NULL;

	md_deliver_result_clear(&r);
	{
		g_auto(MdTxn) txn = MD_TXN_INIT;
		g_autoptr(GError) error = NULL;
		g_autoptr(MdCustomer) c = NULL;

		g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn,
		    &error));
		c = md_customer_find_by_email(&txn, "anna@example.net",
		    &error);
		g_assert_no_error(error);
		c->flags |= MD_CUSTOMER_RESTRICTED;
		g_assert_true(md_customer_save(&txn, c, &error));
		g_assert_true(md_store_commit(&txn, &error));
	}
	second = deliver(f, "a2@example.net", "", &r);
	g_assert_cmpuint(second->len, ==, 0);
	g_assert_true(r.flags & MD_MSG_RESTRICTED);
	md_deliver_result_clear(&r);
}

#define ADD(path, fn) \
	g_test_add(path, Fixture, config_text, md_test_store_set_up, fn, \
	    md_test_store_tear_down)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	for (gsize i = 0; i < G_N_ELEMENTS(forbidden_cases); i++)
		g_test_add_data_func(forbidden_cases[i].path,
		    &forbidden_cases[i], test_forbidden);
	ADD("/autoreply/queue", test_queue);
	ADD("/autoreply/machine-mail", test_machine_mail);
	ADD("/autoreply/restricted", test_restricted);
	return g_test_run();
}
