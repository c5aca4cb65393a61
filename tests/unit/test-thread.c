/* SPDX-License-Identifier: MIT */
/*
 * Threading.  md_thread_subject_tag: anything but a whole positive number
 * right after the tag gives 0, and a number too long to be a ticket never
 * overflows into a wrong one.  md_thread_find over a temp store filled by
 * md_deliver: references and tags by whom (the ticket's customer, a
 * participant, an agent, or a stranger, who gets a new ticket citing it),
 * our signed Message-IDs by the address they went to, stale tokens.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "test-fixture.h"
#include "test-util.h"
#include "maildesk/deliver.h"
#include "maildesk/error.h"
#include "maildesk/customer.h"
#include "maildesk/thread.h"
#include "maildesk/ticket.h"
#include "maildesk/token.h"

typedef struct {
	const char *path;
	const char *subject;	/* nullable */
	const char *tag;	/* nullable */
	guint64 expect;
} TagCase;

static const TagCase cases[] = {
	{ "/thread/subject-tag/reply", "Re: [Ticket#42] x", "Ticket#", 42 },
	{ "/thread/subject-tag/bare", "[Ticket#7]", "Ticket#", 7 },
	{ "/thread/subject-tag/case-insensitive", "AW: [ticket#42] x",
	  "Ticket#", 42 },
	{ "/thread/subject-tag/second-bracket", "[ext] Re: [Ticket#9] x",
	  "Ticket#", 9 },
	{ "/thread/subject-tag/no-number", "Re: [Ticket#] x", "Ticket#", 0 },
	{ "/thread/subject-tag/not-digits", "Re: [Ticket#abc] x",
	  "Ticket#", 0 },
	{ "/thread/subject-tag/digits-then-letters", "[Ticket#12a] x",
	  "Ticket#", 0 },
	{ "/thread/subject-tag/other-tag", "Re: [Other#4] x", "Ticket#", 0 },
	{ "/thread/subject-tag/unclosed", "Re: [Ticket#42 x", "Ticket#", 0 },
	{ "/thread/subject-tag/zero", "Re: [Ticket#0] x", "Ticket#", 0 },
	{ "/thread/subject-tag/negative", "Re: [Ticket#-5] x", "Ticket#", 0 },
	/*
	 * Decided: blanks around the tag and the number are tolerated, as
	 * some clients and agents type them; the number is still exact.
	 */
	{ "/thread/subject-tag/space-after-tag", "Re: [Ticket# 7] x",
	  "Ticket#", 7 },
	{ "/thread/subject-tag/spaces-inside", "Re: [ Ticket# 7 ] x",
	  "Ticket#", 7 },
	{ "/thread/subject-tag/18-digits", "[Ticket#123456789012345678]",
	  "Ticket#", G_GUINT64_CONSTANT(123456789012345678) },
	/* Longer than any ticket number: rejected, not wrapped around. */
	{ "/thread/subject-tag/19-digits", "[Ticket#1234567890123456789]",
	  "Ticket#", 0 },
	{ "/thread/subject-tag/huge", "[Ticket#99999999999999999999999999]",
	  "Ticket#", 0 },
	{ "/thread/subject-tag/huge-then-valid",
	  "[Ticket#99999999999999999999999999] [Ticket#5]", "Ticket#", 5 },
	{ "/thread/subject-tag/null-subject", NULL, "Ticket#", 0 },
	{ "/thread/subject-tag/null-tag", "[Ticket#42]", NULL, 0 },
	{ "/thread/subject-tag/empty-tag", "[42]", "", 0 },
};

static void
test_subject_tag(gconstpointer data)
{
	const TagCase *c = data;

	g_assert_cmpuint(md_thread_subject_tag(c->subject, c->tag), ==,
	    c->expect);
}

/* md_thread_find */

#define NOW 1704186000
#define MAP_SIZE_BYTES (G_GUINT64_CONSTANT(16) << 20)

typedef struct {
	char *dir;		/* owned: the temp dir, removed in teardown */
	MdStore *store;		/* owned */
	MdConfig *config;	/* owned */
} Fixture;

static void
set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *store_path = NULL;
	g_autofree char *conf = NULL;
	g_autofree char *text = NULL;
	gboolean created = FALSE;

	f->dir = g_dir_make_tmp("maildesk-thread-XXXXXX", &error);
	g_assert_no_error(error);
	store_path = g_build_filename(f->dir, "store", NULL);
	conf = g_build_filename(f->dir, "maildesk.conf", NULL);
	text = g_strdup_printf(
	    "[store]\n"
	    "path = %s\n"
	    "[addresses]\n"
	    "support@example.com = support\n"
	    "sales@example.com = sales\n", store_path);
	g_file_set_contents(conf, text, -1, &error);
	g_assert_no_error(error);
	f->config = md_config_load(conf, &error);
	g_assert_no_error(error);
	g_assert_true(md_store_init(store_path, MAP_SIZE_BYTES, &created,
	    &error));
	g_assert_no_error(error);
	f->store = md_store_open(store_path, MAP_SIZE_BYTES, &error);
	g_assert_no_error(error);
}

static void
tear_down(Fixture *f, gconstpointer data)
{
	md_store_close(f->store);
	md_config_free(f->config);
	md_test_rm_rf(f->dir);
	g_free(f->dir);
}

/* Delivers a mail from @from to @to with @msgid; returns its ticket. */
static guint64
deliver(Fixture *f, const char *from, const char *to, const char *msgid,
    const char *subject)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *raw = g_strdup_printf(
	    "From: %s\n"
	    "To: %s\n"
	    "Subject: %s\n"
	    "Message-ID: <%s>\n"
	    "\n"
	    "body\n", from, to, subject, msgid);
	MdDeliverResult r = { 0 };
	guint64 ticket;

	g_assert_true(md_test_deliver(f->store, f->config, (const guint8 *)raw,
	    strlen(raw), NULL, to, NOW, &r, &error));
	g_assert_no_error(error);
	g_assert_false(r.duplicate);
	ticket = r.ticket;
	md_deliver_result_clear(&r);
	return ticket;
}

static guint64
customer_of(Fixture *f, guint64 ticket)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdTicket) t = NULL;

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	t = md_ticket_load(&txn, ticket, &error);
	g_assert_no_error(error);
	return t->customer_id;
}

static MdThreadMatch
find_as(Fixture *f, const MdMessage *m, const MdThreadSender *who,
    const char *queue)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	MdThreadMatch match;
	g_autoptr(GBytes) secret = NULL;

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	secret = md_store_secret(&txn, &error);
	g_assert_nonnull(secret);
	g_assert_true(md_thread_find(&txn, f->config, secret, m, who, queue,
	    NOW, &match, &error));
	g_assert_no_error(error);
	return match;
}

/* As customer @customer (0: nobody known). */
static MdThreadMatch
find(Fixture *f, const MdMessage *m, guint64 customer, const char *queue)
{
	MdThreadSender who = { customer, NULL, FALSE };

	return find_as(f, m, &who, queue);
}

static void
test_find_in_reply_to(Fixture *f, gconstpointer data)
{
	g_autoptr(MdMessage) m = md_message_new();
	guint64 t1 = deliver(f, "anna@example.org", "support@example.com",
	    "one@example.org", "first");
	MdThreadMatch match;

	deliver(f, "bob@example.org", "support@example.com",
	    "two@example.org", "second");
	/* The ticket's customer follows a reference into it. */
	m->in_reply_to = g_strdup("one@example.org");
	match = find(f, m, customer_of(f, t1), "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_REFERENCE);
	g_assert_cmpuint(match.ticket, ==, t1);
	g_assert_cmpuint(match.cited, ==, 0);
}

/*
 * Everyone in Cc of a mail knows its Message-ID: from a stranger, or
 * another customer, a reference opens a new ticket that cites the old.
 */
static void
test_find_reference_from_stranger(Fixture *f, gconstpointer data)
{
	g_autoptr(MdMessage) m = md_message_new();
	guint64 t1 = deliver(f, "anna@example.org", "support@example.com",
	    "one@example.org", "first");
	guint64 t2 = deliver(f, "eve@example.org", "support@example.com",
	    "two@example.org", "second");
	MdThreadMatch match;

	m->in_reply_to = g_strdup("one@example.org");
	g_ptr_array_add(m->references, g_strdup("one@example.org"));
	match = find(f, m, customer_of(f, t2), "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_NEW);
	g_assert_cmpuint(match.ticket, ==, 0);
	g_assert_cmpuint(match.cited, ==, t1);
	g_assert_true(match.cited_reference);
	match = find(f, m, 0, "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_NEW);
	g_assert_cmpuint(match.cited, ==, t1);
}

/* A participant (linked to the ticket) and an agent may follow it. */
static void
test_find_reference_participant_agent(Fixture *f, gconstpointer data)
{
	g_autoptr(MdMessage) m = md_message_new();
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	guint64 t1 = deliver(f, "anna@example.org", "support@example.com",
	    "one@example.org", "first");
	guint64 t2 = deliver(f, "carl@example.org", "support@example.com",
	    "two@example.org", "second");
	MdThreadSender agent = { 0, "alice@example.com", TRUE };
	MdThreadMatch match;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_customer_link_ticket(&txn, customer_of(f, t2), t1,
	    &error));
	g_assert_true(md_store_commit(&txn, &error));
	m->in_reply_to = g_strdup("one@example.org");
	match = find(f, m, customer_of(f, t2), "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_REFERENCE);
	g_assert_cmpuint(match.ticket, ==, t1);
	match = find_as(f, m, &agent, "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_REFERENCE);
	g_assert_cmpuint(match.ticket, ==, t1);
}

/* Our own Message-ID counts for the address it went to, no other. */
static void
test_find_signed_reference(Fixture *f, gconstpointer data)
{
	g_autoptr(MdMessage) m = md_message_new();
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) secret = NULL;
	g_autofree char *id = NULL;
	guint64 t1 = deliver(f, "anna@example.org", "support@example.com",
	    "one@example.org", "first");
	MdThreadSender to_her = { 0, "Dora@Example.org", FALSE };
	MdThreadSender other = { 0, "eve@example.org", FALSE };
	MdThreadMatch match;

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	secret = md_store_secret(&txn, &error);
	md_txn_clear(&txn);
	id = md_token_message_id(secret, t1, "support@example.com",
	    "dora@example.org");
	m->in_reply_to = g_strdup(id);
	match = find_as(f, m, &to_her, "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_REFERENCE);
	g_assert_cmpuint(match.ticket, ==, t1);
	match = find_as(f, m, &other, "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_NEW);
	g_assert_cmpuint(match.cited, ==, t1);
}

/*
 * A customer reply address older than token-days threads only as the
 * tag does; the agent's own old address still names the ticket, stale.
 */
static void
test_find_stale_token(Fixture *f, gconstpointer data)
{
	g_autoptr(MdMessage) m = md_message_new();
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) secret = NULL;
	g_autofree char *fresh = NULL, *old = NULL, *agent_old = NULL;
	guint64 t1 = deliver(f, "anna@example.org", "support@example.com",
	    "one@example.org", "first");
	MdThreadSender agent = { 0, "alice@example.com", TRUE };
	MdThreadMatch match;

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	secret = md_store_secret(&txn, &error);
	md_txn_clear(&txn);
	fresh = md_token_reply_address(secret, "support@example.com", '+', t1,
	    NULL, NOW - 86400);
	old = md_token_reply_address(secret, "support@example.com", '+', t1,
	    NULL, NOW - 31 * 86400);
	agent_old = md_token_reply_address(secret, "support@example.com",
	    '+', t1, "alice@example.com", NOW - 31 * 86400);

	m->recipient = g_strdup(fresh);
	match = find(f, m, 0, "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_TOKEN);
	g_assert_cmpuint(match.ticket, ==, t1);

	g_free(m->recipient);
	m->recipient = g_strdup(old);
	match = find(f, m, 0, "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_NEW);
	g_assert_cmpuint(match.cited, ==, t1);
	match = find(f, m, customer_of(f, t1), "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_TAG);
	g_assert_cmpuint(match.ticket, ==, t1);

	g_free(m->recipient);
	m->recipient = g_strdup(agent_old);
	match = find_as(f, m, &agent, "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_TOKEN);
	g_assert_cmpuint(match.ticket, ==, t1);
	g_assert_true(match.token_stale);
	g_assert_cmpstr(match.agent, ==, "alice@example.com");
}

static void
test_find_references_chain(Fixture *f, gconstpointer data)
{
	g_autoptr(MdMessage) m = md_message_new();
	guint64 t1 = deliver(f, "anna@example.org", "support@example.com",
	    "root@example.org", "first");
	guint64 t2 = deliver(f, "anna@example.org", "support@example.com",
	    "other@example.org", "second");
	MdThreadMatch match;

	/* Unknown In-Reply-To; the newest known reference wins. */
	m->in_reply_to = g_strdup("unknown@example.org");
	g_ptr_array_add(m->references, g_strdup("root@example.org"));
	g_ptr_array_add(m->references, g_strdup("other@example.org"));
	g_ptr_array_add(m->references, g_strdup("unknown@example.org"));
	match = find(f, m, customer_of(f, t2), "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_REFERENCE);
	g_assert_cmpuint(match.ticket, ==, t2);
	g_assert_cmpuint(match.ticket, !=, t1);
}

static void
test_find_nothing(Fixture *f, gconstpointer data)
{
	g_autoptr(MdMessage) m = md_message_new();
	MdThreadMatch match;

	deliver(f, "anna@example.org", "support@example.com",
	    "one@example.org", "first");
	m->in_reply_to = g_strdup("unknown@example.org");
	m->subject = g_strdup("Re: first");
	match = find(f, m, 0, "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_NEW);
	g_assert_cmpuint(match.ticket, ==, 0);
	g_assert_cmpuint(match.cited, ==, 0);
}

/*
 * A Message-ID that merely starts with the one replied to is another mail:
 * it must not be taken for it, even in the preferred queue.
 */
static void
test_find_id_prefix(Fixture *f, gconstpointer data)
{
	g_autoptr(MdMessage) m = NULL;
	guint64 exact, longer;
	MdThreadMatch match;

	if (md_test_run_in_child(f->dir))
		return;
	m = md_message_new();
	exact = deliver(f, "anna@example.org", "sales@example.com",
	    "order-1@example.org", "order");
	longer = deliver(f, "anna@example.org", "support@example.com",
	    "order-1@example.org.invalid", "other");
	g_assert_cmpuint(exact, !=, longer);
	m->in_reply_to = g_strdup("order-1@example.org");
	match = find(f, m, customer_of(f, exact), "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_REFERENCE);
	g_assert_cmpuint(match.ticket, ==, exact);
}

static void
test_find_tag_from_customer(Fixture *f, gconstpointer data)
{
	g_autoptr(MdMessage) m = md_message_new();
	guint64 t1 = deliver(f, "anna@example.org", "support@example.com",
	    "one@example.org", "first");
	g_autofree char *subject = g_strdup_printf("Re: [Ticket#%"
	    G_GUINT64_FORMAT "] first", t1);
	MdThreadMatch match;

	m->subject = g_strdup(subject);
	match = find(f, m, customer_of(f, t1), "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_TAG);
	g_assert_cmpuint(match.ticket, ==, t1);
	g_assert_cmpuint(match.cited, ==, 0);
}

static void
test_find_tag_from_stranger(Fixture *f, gconstpointer data)
{
	g_autoptr(MdMessage) m = md_message_new();
	guint64 t1 = deliver(f, "anna@example.org", "support@example.com",
	    "one@example.org", "first");
	guint64 t2 = deliver(f, "eve@example.org", "support@example.com",
	    "two@example.org", "second");
	g_autofree char *subject = g_strdup_printf("Re: [Ticket#%"
	    G_GUINT64_FORMAT "] first", t1);
	MdThreadMatch match;

	m->subject = g_strdup(subject);
	/* Another customer, then nobody at all. */
	match = find(f, m, customer_of(f, t2), "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_NEW);
	g_assert_cmpuint(match.ticket, ==, 0);
	g_assert_cmpuint(match.cited, ==, t1);
	match = find(f, m, 0, "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_NEW);
	g_assert_cmpuint(match.cited, ==, t1);
}

static void
test_find_tag_unknown_ticket(Fixture *f, gconstpointer data)
{
	g_autoptr(MdMessage) m = md_message_new();
	MdThreadMatch match;

	m->subject = g_strdup("Re: [Ticket#999] hello");
	match = find(f, m, 1, "support");
	g_assert_cmpint(match.reason, ==, MD_THREAD_NEW);
	g_assert_cmpuint(match.ticket, ==, 0);
	g_assert_cmpuint(match.cited, ==, 999);
}

#define ADD(path, fn) \
	g_test_add(path, Fixture, NULL, set_up, fn, tear_down)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i],
		    test_subject_tag);
	ADD("/thread/find/in-reply-to", test_find_in_reply_to);
	ADD("/thread/find/reference-from-stranger",
	    test_find_reference_from_stranger);
	ADD("/thread/find/reference-participant-agent",
	    test_find_reference_participant_agent);
	ADD("/thread/find/signed-reference", test_find_signed_reference);
	ADD("/thread/find/stale-token", test_find_stale_token);
	ADD("/thread/find/references-chain", test_find_references_chain);
	ADD("/thread/find/nothing", test_find_nothing);
	ADD("/thread/find/tag-from-customer", test_find_tag_from_customer);
	ADD("/thread/find/tag-from-stranger", test_find_tag_from_stranger);
	ADD("/thread/find/tag-unknown-ticket", test_find_tag_unknown_ticket);
	/* Tests that pin a bug run last, each in a child: see run_in_child. */
	ADD("/thread/find/id-prefix", test_find_id_prefix);
	return g_test_run();
}
