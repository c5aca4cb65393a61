/* SPDX-License-Identifier: MIT */
/*
 * The LMDB store and what sits right on it: init and open, counters,
 * record (de)serialisation, customer lookup, and md_deliver end to end
 * (duplicates, size limit, a full map).  Every test has its own temp dir.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "test-util.h"
#include "maildesk/config.h"
#include "maildesk/customer.h"
#include "maildesk/deliver.h"
#include "maildesk/error.h"
#include "maildesk/message.h"
#include "maildesk/record.h"
#include "maildesk/store.h"
#include "maildesk/ticket.h"

#define MAP_SIZE_BYTES (G_GUINT64_CONSTANT(64) << 20)
#define SMALL_MAP_BYTES G_GUINT64_CONSTANT(1048576)
#define NOW 1704186000

typedef struct {
	char *dir;		/* owned: the temp dir, removed in teardown */
	char *store_path;	/* owned: dir/store */
	MdStore *store;		/* owned, nullable */
	MdConfig *config;	/* owned, nullable */
} Fixture;

/* A temp dir only: for tests of init and open themselves. */
static void
set_up_dir(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("maildesk-store-XXXXXX", &error);
	g_assert_no_error(error);
	f->store_path = g_build_filename(f->dir, "store", NULL);
}

static void
load_config(Fixture *f, guint64 map_size_bytes)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(f->dir, "maildesk.conf",
	    NULL);
	g_autofree char *text = g_strdup_printf(
	    "[store]\n"
	    "path = %s\n"
	    "map-size-bytes = %" G_GUINT64_FORMAT "\n"
	    "[addresses]\n"
	    "support@example.com = support\n"
	    "sales@example.com = sales\n"
	    /* Storage alone: the compiled-in templates would add acks. */
	    "[ack]\n"
	    "enabled = false\n",
	    f->store_path, map_size_bytes);

	g_file_set_contents(path, text, -1, &error);
	g_assert_no_error(error);
	f->config = md_config_load(path, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->config);
}

static void
open_store(Fixture *f, guint64 map_size_bytes)
{
	g_autoptr(GError) error = NULL;
	gboolean created = FALSE;

	g_assert_true(md_store_init(f->store_path, map_size_bytes, &created,
	    &error));
	g_assert_no_error(error);
	f->store = md_store_open(f->store_path, map_size_bytes, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->store);
}

/* A temp dir with an initialised, open store and a config naming it. */
static void
set_up_store(Fixture *f, gconstpointer data)
{
	set_up_dir(f, data);
	load_config(f, MAP_SIZE_BYTES);
	open_store(f, MAP_SIZE_BYTES);
}

/* The same with a 1 MiB map, to fill it. */
static void
set_up_small_store(Fixture *f, gconstpointer data)
{
	set_up_dir(f, data);
	load_config(f, SMALL_MAP_BYTES);
	open_store(f, SMALL_MAP_BYTES);
}

static void
tear_down(Fixture *f, gconstpointer data)
{
	g_clear_pointer(&f->store, md_store_close);
	g_clear_pointer(&f->config, md_config_free);
	md_test_rm_rf(f->dir);
	g_free(f->store_path);
	g_free(f->dir);
}

static GBytes *
read_secret(MdStore *store)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	GBytes *secret;

	g_assert_true(md_store_begin(store, MD_TXN_READ, &txn, &error));
	secret = md_store_secret(&txn, &error);
	g_assert_no_error(error);
	g_assert_nonnull(secret);
	return secret;
}

/* md_store_init, md_store_open */

static void
test_init_creates(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdStore) store = NULL;
	g_autoptr(GBytes) secret = NULL;
	g_autofree char *mdb = g_build_filename(f->store_path, "data.mdb",
	    NULL);
	gboolean created = FALSE;

	g_assert_true(md_store_init(f->store_path, MAP_SIZE_BYTES, &created,
	    &error));
	g_assert_no_error(error);
	g_assert_true(created);
	g_assert_true(g_file_test(mdb, G_FILE_TEST_IS_REGULAR));

	store = md_store_open(f->store_path, MAP_SIZE_BYTES, &error);
	g_assert_no_error(error);
	g_assert_nonnull(store);
	g_assert_cmpstr(md_store_path(store), ==, f->store_path);
	secret = read_secret(store);
	g_assert_cmpuint(g_bytes_get_size(secret), ==, 32);
}

static void
test_init_idempotent(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) first = NULL;
	g_autoptr(GBytes) second = NULL;
	gboolean created = FALSE;

	g_assert_true(md_store_init(f->store_path, MAP_SIZE_BYTES, &created,
	    &error));
	g_assert_no_error(error);
	g_assert_true(created);
	{
		g_autoptr(MdStore) store = md_store_open(f->store_path,
		    MAP_SIZE_BYTES, &error);

		g_assert_no_error(error);
		first = read_secret(store);
	}

	created = TRUE;
	g_assert_true(md_store_init(f->store_path, MAP_SIZE_BYTES, &created,
	    &error));
	g_assert_no_error(error);
	g_assert_false(created);
	{
		g_autoptr(MdStore) store = md_store_open(f->store_path,
		    MAP_SIZE_BYTES, &error);

		g_assert_no_error(error);
		second = read_secret(store);
	}
	g_assert_true(g_bytes_equal(first, second));
}

static void
test_init_existing_empty_dir(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gboolean created = FALSE;

	/* The temp dir exists already; the store in it does not. */
	g_assert_true(md_store_init(f->dir, MAP_SIZE_BYTES, &created,
	    &error));
	g_assert_no_error(error);
	g_assert_true(created);
}

static void
test_open_missing(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdStore) store = NULL;
	g_autofree char *mdb = g_build_filename(f->store_path, "data.mdb",
	    NULL);

	store = md_store_open(f->store_path, MAP_SIZE_BYTES, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_TEMPFAIL);
	g_assert_null(store);
	/* Opening must not create what init would. */
	g_assert_false(g_file_test(mdb, G_FILE_TEST_EXISTS));
}

static void
test_open_uninitialised_dir(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdStore) store = NULL;

	store = md_store_open(f->dir, MAP_SIZE_BYTES, &error);
	g_assert_error(error, MD_ERROR, MD_ERROR_TEMPFAIL);
	g_assert_null(store);
}

/*
 * A store made by an older maildesk lacks the databases added since: the
 * first open adds them, empty, rather than deferring mail until init.
 */
static void
test_open_adds_new_databases(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdStore) store = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	gboolean created = FALSE;
	MDB_env *env = NULL;
	MDB_txn *raw = NULL;
	MDB_dbi dbi;
	MDB_val v;

	g_assert_true(md_store_init(f->store_path, MAP_SIZE_BYTES, &created,
	    &error));
	/* What an older maildesk left: no "search_queue", no "ratelimit". */
	g_assert_cmpint(mdb_env_create(&env), ==, 0);
	g_assert_cmpint(mdb_env_set_maxdbs(env, 64), ==, 0);
	g_assert_cmpint(mdb_env_open(env, f->store_path, 0, 0600), ==, 0);
	g_assert_cmpint(mdb_txn_begin(env, NULL, 0, &raw), ==, 0);
	g_assert_cmpint(mdb_dbi_open(raw, "search_queue", 0, &dbi), ==, 0);
	g_assert_cmpint(mdb_drop(raw, dbi, 1), ==, 0);
	g_assert_cmpint(mdb_dbi_open(raw, "ratelimit", 0, &dbi), ==, 0);
	g_assert_cmpint(mdb_drop(raw, dbi, 1), ==, 0);
	g_assert_cmpint(mdb_txn_commit(raw), ==, 0);
	mdb_env_close(env);

	store = md_store_open(f->store_path, MAP_SIZE_BYTES, &error);
	g_assert_no_error(error);
	g_assert_nonnull(store);
	g_assert_true(md_store_begin(store, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_store_put(&txn, MD_DB_RATELIMIT, "k", 1, "v", 1, 0,
	    &error));
	g_assert_true(md_store_commit(&txn, &error));
	g_assert_no_error(error);
	g_assert_true(md_store_begin(store, MD_TXN_READ, &txn, &error));
	g_assert_true(md_store_get(&txn, MD_DB_RATELIMIT, "k", 1, &v,
	    &error));
	g_assert_cmpuint(v.mv_size, ==, 1);
}

/* md_store_next_id, get, put, del */

static guint64
next_id(MdStore *store, const char *name, gboolean commit)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	guint64 id = 0;

	g_assert_true(md_store_begin(store, MD_TXN_WRITE, &txn, &error));
	g_assert_true(md_store_next_id(&txn, name, &id, &error));
	g_assert_no_error(error);
	if (commit) {
		g_assert_true(md_store_commit(&txn, &error));
		g_assert_no_error(error);
		g_assert_null(txn.txn);
	}
	/* Otherwise the g_auto cleanup aborts it. */
	return id;
}

static void
test_next_id(Fixture *f, gconstpointer data)
{
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 1);
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 2);
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 3);
	/* Aborted: 4 is handed out but not kept. */
	g_assert_cmpuint(next_id(f->store, "next-test", FALSE), ==, 4);
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 4);
	/* Counters are independent. */
	g_assert_cmpuint(next_id(f->store, "next-other", TRUE), ==, 1);
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 5);
}

static void
test_next_id_persists(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 1);
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 2);
	g_clear_pointer(&f->store, md_store_close);
	f->store = md_store_open(f->store_path, MAP_SIZE_BYTES, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(next_id(f->store, "next-test", TRUE), ==, 3);
}

static void
test_get_put_del(Fixture *f, gconstpointer data)
{
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	MDB_val v;

	g_assert_true(md_store_begin(f->store, MD_TXN_WRITE, &txn, &error));
	g_assert_false(md_store_get(&txn, MD_DB_AUDIT, "k", 1, &v, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
	g_clear_error(&error);

	g_assert_true(md_store_put(&txn, MD_DB_AUDIT, "k", 1, "value", 5, 0,
	    &error));
	g_assert_true(md_store_get(&txn, MD_DB_AUDIT, "k", 1, &v, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(v.mv_data, v.mv_size, "value", 5);

	g_assert_true(md_store_del(&txn, MD_DB_AUDIT, "k", 1, NULL, 0,
	    &error));
	/* Deleting what is not there is fine. */
	g_assert_true(md_store_del(&txn, MD_DB_AUDIT, "k", 1, NULL, 0,
	    &error));
	g_assert_no_error(error);
	g_assert_false(md_store_get(&txn, MD_DB_AUDIT, "k", 1, &v, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
}

/* Records */

static void
test_record_ticket(void)
{
	g_autoptr(MdTicket) t = md_ticket_new();
	g_autoptr(MdTicket) back = NULL;
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	const void *p;

	t->number = G_GUINT64_CONSTANT(123456789012);
	t->queue = g_strdup("sales");
	t->status = MD_STATUS_RESOLVED;
	t->subject = g_strdup("Zamówienie 7731 – brak faktury");
	t->customer_id = 42;
	t->created_at = NOW;
	t->updated_at = NOW + 60;
	t->closed_at = NOW + 120;
	t->message_count = 7;
	t->linked_to = 11;
	t->cited = 5;
	t->owner = g_strdup("agent.anna");

	rec = md_record_from_ticket(t);
	p = g_bytes_get_data(rec, &len);
	back = md_record_to_ticket(p, len, &error);
	g_assert_no_error(error);
	g_assert_nonnull(back);
	g_assert_cmpuint(back->number, ==, t->number);
	g_assert_cmpstr(back->queue, ==, t->queue);
	g_assert_cmpint(back->status, ==, t->status);
	g_assert_cmpstr(back->subject, ==, t->subject);
	g_assert_cmpuint(back->customer_id, ==, t->customer_id);
	g_assert_cmpint(back->created_at, ==, t->created_at);
	g_assert_cmpint(back->updated_at, ==, t->updated_at);
	g_assert_cmpint(back->closed_at, ==, t->closed_at);
	g_assert_cmpuint(back->message_count, ==, t->message_count);
	g_assert_cmpuint(back->linked_to, ==, t->linked_to);
	g_assert_cmpuint(back->cited, ==, t->cited);
	g_assert_cmpstr(back->owner, ==, t->owner);
}

static void
test_record_ticket_minimal(void)
{
	g_autoptr(MdTicket) t = md_ticket_new();
	g_autoptr(MdTicket) back = NULL;
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	const void *p;

	/* Nullable strings stay NULL or become "" as the header says. */
	t->number = 1;
	rec = md_record_from_ticket(t);
	p = g_bytes_get_data(rec, &len);
	back = md_record_to_ticket(p, len, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(back->number, ==, 1);
	g_assert_cmpint(back->status, ==, MD_STATUS_NEW);
	g_assert_cmpstr(back->subject, ==, "");
	g_assert_cmpstr(back->queue, ==, "");
	g_assert_null(back->owner);
}

static void
test_record_customer(void)
{
	g_autoptr(MdCustomer) c = md_customer_new();
	g_autoptr(MdCustomer) back = NULL;
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	const void *p;

	c->id = 42;
	c->email = g_strdup("Hans.Mueller@Example.org");
	c->first_name = g_strdup("Hans");
	c->last_name = g_strdup("Müller");
	c->created_at = NOW;
	c->flags = MD_CUSTOMER_NAME_MANUAL | MD_CUSTOMER_BOUNCING;
	g_hash_table_insert(c->fields, g_strdup("phone"),
	    g_strdup("+49 30 1234567"));
	g_hash_table_insert(c->fields, g_strdup("company"),
	    g_strdup("Müller & Söhne GmbH"));
	g_hash_table_insert(c->fields, g_strdup("note"), g_strdup(""));

	rec = md_record_from_customer(c);
	p = g_bytes_get_data(rec, &len);
	back = md_record_to_customer(p, len, &error);
	g_assert_no_error(error);
	g_assert_nonnull(back);
	g_assert_cmpuint(back->id, ==, 42);
	g_assert_cmpstr(back->email, ==, c->email);
	g_assert_cmpstr(back->first_name, ==, "Hans");
	g_assert_cmpstr(back->last_name, ==, "Müller");
	g_assert_cmpint(back->created_at, ==, NOW);
	g_assert_cmpuint(back->flags, ==, c->flags);
	g_assert_cmpuint(g_hash_table_size(back->fields), ==, 3);
	g_assert_cmpstr(g_hash_table_lookup(back->fields, "phone"), ==,
	    "+49 30 1234567");
	g_assert_cmpstr(g_hash_table_lookup(back->fields, "company"), ==,
	    "Müller & Söhne GmbH");
	g_assert_cmpstr(g_hash_table_lookup(back->fields, "note"), ==, "");
}

static void
test_record_customer_no_name(void)
{
	g_autoptr(MdCustomer) c = md_customer_new();
	g_autoptr(MdCustomer) back = NULL;
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	const void *p;

	c->id = 1;
	c->email = g_strdup("info@example.org");
	rec = md_record_from_customer(c);
	p = g_bytes_get_data(rec, &len);
	back = md_record_to_customer(p, len, &error);
	g_assert_no_error(error);
	g_assert_null(back->first_name);
	g_assert_null(back->last_name);
	g_assert_cmpuint(g_hash_table_size(back->fields), ==, 0);
}

static const char attachment_mail[] =
    "From: =?UTF-8?Q?J=C3=B6rg_Sch=C3=A4fer?= <joerg@example.org>\n"
    "Reply-To: Jörg <j@example.net>\n"
    "To: Support <support@example.com>\n"
    "Cc: \"Kowalski, Ewa\" <ewa@example.org>, bob@example.org\n"
    "Subject: Invoice\n"
    "Message-ID: <att.1@example.org>\n"
    "In-Reply-To: <parent@example.org>\n"
    "References: <root@example.org> <parent@example.org>\n"
    "Date: Tue, 02 Jan 2024 10:00:00 +0100\n"
    "X-Custom: one\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"xyz\"\n"
    "\n"
    "--xyz\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "See attached.\n"
    "--xyz\n"
    "Content-Type: image/png\n"
    "Content-ID: <logo@example.org>\n"
    "Content-Disposition: inline\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "iVBORw0KGgo=\n"
    "--xyz\n"
    "Content-Type: application/pdf; name=\"invoice.pdf\"\n"
    "Content-Disposition: attachment; filename=\"invoice.pdf\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0xLjQK\n"
    "--xyz--\n";

static void
assert_mailbox_equal(const MdMailbox *a, const MdMailbox *b)
{
	if (a == NULL || b == NULL) {
		g_assert_true(a == b);
		return;
	}
	g_assert_cmpstr(a->name, ==, b->name);
	g_assert_cmpstr(a->email, ==, b->email);
}

static void
assert_strings_equal(GPtrArray *a, GPtrArray *b)
{
	g_assert_cmpuint(a->len, ==, b->len);
	for (guint i = 0; i < a->len; i++)
		g_assert_cmpstr(g_ptr_array_index(a, i), ==,
		    g_ptr_array_index(b, i));
}

static void
test_record_message(void)
{
	g_autoptr(MdMessage) m = md_message_parse(
	    (const guint8 *)attachment_mail, strlen(attachment_mail));
	g_autoptr(MdMessage) back = NULL;
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	const void *p;

	m->direction = MD_DIR_OUT;
	m->kind = MD_KIND_AGENT;
	m->flags = MD_MSG_LIST | MD_MSG_CITED_TAG;
	m->received_at = NOW + 5;
	m->envelope_sender = g_strdup("");
	m->recipient = g_strdup("support@example.com");
	m->queue = g_strdup("support");
	g_ptr_array_add(m->original_ids, g_strdup("orig@example.org"));
	/* The parse itself is covered in test-message; check it took. */
	g_assert_cmpuint(m->attachments->len, ==, 2);
	g_assert_cmpuint(m->cc->len, ==, 2);

	rec = md_record_from_message(m);
	p = g_bytes_get_data(rec, &len);
	back = md_record_to_message(p, len, &error);
	g_assert_no_error(error);
	g_assert_nonnull(back);

	g_assert_cmpint(back->direction, ==, MD_DIR_OUT);
	g_assert_cmpint(back->kind, ==, MD_KIND_AGENT);
	g_assert_cmpuint(back->flags, ==, m->flags);
	g_assert_cmpstr(back->message_id, ==, "att.1@example.org");
	g_assert_cmpstr(back->in_reply_to, ==, "parent@example.org");
	assert_strings_equal(back->references, m->references);
	assert_mailbox_equal(back->from, m->from);
	assert_mailbox_equal(back->reply_to, m->reply_to);
	assert_mailbox_equal(back->sender, m->sender);
	g_assert_null(back->sender);
	g_assert_cmpuint(back->to->len, ==, m->to->len);
	for (guint i = 0; i < m->to->len; i++)
		assert_mailbox_equal(g_ptr_array_index(back->to, i),
		    g_ptr_array_index(m->to, i));
	g_assert_cmpuint(back->cc->len, ==, m->cc->len);
	for (guint i = 0; i < m->cc->len; i++)
		assert_mailbox_equal(g_ptr_array_index(back->cc, i),
		    g_ptr_array_index(m->cc, i));
	g_assert_cmpstr(back->subject, ==, "Invoice");
	g_assert_true(back->has_date);
	g_assert_cmpint(back->date, ==, m->date);
	g_assert_cmpint(back->date_offset_s, ==, 3600);
	g_assert_cmpint(back->received_at, ==, NOW + 5);
	g_assert_cmpstr(back->text, ==, m->text);
	g_assert_cmpstr(back->html, ==, m->html);

	g_assert_cmpuint(back->attachments->len, ==, 2);
	for (guint i = 0; i < m->attachments->len; i++) {
		const MdAttachment *a = g_ptr_array_index(m->attachments, i);
		const MdAttachment *b = g_ptr_array_index(back->attachments,
		    i);

		g_assert_cmpstr(b->filename, ==, a->filename);
		g_assert_cmpstr(b->content_type, ==, a->content_type);
		g_assert_cmpstr(b->disposition, ==, a->disposition);
		g_assert_cmpstr(b->content_id, ==, a->content_id);
		g_assert_cmpuint(b->size, ==, a->size);
		g_assert_cmpstr(b->sha256, ==, a->sha256);
	}
	{
		const MdAttachment *logo = g_ptr_array_index(
		    back->attachments, 0);
		const MdAttachment *pdf = g_ptr_array_index(
		    back->attachments, 1);

		/* An unnamed part gets a name made from its place and type. */
		g_assert_cmpstr(logo->filename, ==, "image-2.png");
		g_assert_cmpstr(logo->content_id, ==, "logo@example.org");
		g_assert_cmpstr(logo->disposition, ==, "inline");
		g_assert_cmpstr(pdf->filename, ==, "invoice.pdf");
		g_assert_cmpstr(pdf->content_type, ==, "application/pdf");
		g_assert_cmpuint(pdf->size, ==, 9);
	}

	assert_strings_equal(back->headers, m->headers);
	g_assert_cmpstr(md_message_header(back, "x-custom"), ==, "one");
	assert_strings_equal(back->original_ids, m->original_ids);
	g_assert_cmpstr(back->mime_type, ==, "multipart/mixed");
	g_assert_cmpstr(back->envelope_sender, ==, "");
	g_assert_cmpstr(back->recipient, ==, "support@example.com");
	g_assert_cmpstr(back->queue, ==, "support");
	g_assert_cmpuint(back->raw_size, ==, strlen(attachment_mail));
	g_assert_cmpstr(back->raw_sha256, ==, m->raw_sha256);
}

static void
test_record_message_unparsed(void)
{
	static const guint8 garbage[] = { 0x00, 0xff, 0xfe, 0x01, 0x0a };
	g_autoptr(MdMessage) m = md_message_parse(garbage, sizeof(garbage));
	g_autoptr(MdMessage) back = NULL;
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	const void *p;

	rec = md_record_from_message(m);
	p = g_bytes_get_data(rec, &len);
	back = md_record_to_message(p, len, &error);
	g_assert_no_error(error);
	g_assert_cmpint(back->kind, ==, MD_KIND_UNPARSED);
	g_assert_cmpuint(back->flags, ==, MD_MSG_UNPARSED);
	g_assert_false(back->has_date);
	g_assert_null(back->from);
	g_assert_cmpuint(back->raw_size, ==, sizeof(garbage));
	g_assert_cmpstr(back->raw_sha256, ==, m->raw_sha256);
}

static void
test_record_corrupt(void)
{
	static const char garbage[] = "garbage! \x01\x02\xff not a record";
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) customer = NULL;
	g_autoptr(GBytes) future = NULL;
	g_autoptr(GVariant) v = NULL;
	gsize len;
	const void *p;

	g_assert_null(md_record_to_ticket(garbage, sizeof(garbage) - 1,
	    &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
	g_clear_error(&error);

	g_assert_null(md_record_to_ticket("", 0, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
	g_clear_error(&error);

	g_assert_null(md_record_to_customer(garbage, sizeof(garbage) - 1,
	    &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
	g_clear_error(&error);

	g_assert_null(md_record_to_message(garbage, sizeof(garbage) - 1,
	    &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
	g_clear_error(&error);

	/* A well-formed record of another kind: no status, not a ticket. */
	{
		g_autoptr(MdCustomer) c = md_customer_new();

		c->email = g_strdup("a@example.org");
		customer = md_record_from_customer(c);
	}
	p = g_bytes_get_data(customer, &len);
	g_assert_null(md_record_to_ticket(p, len, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
	g_clear_error(&error);

	/* A version this build does not know. */
	v = g_variant_ref_sink(g_variant_new("(y@a{sv})",
	    MD_RECORD_VERSION + 1, g_variant_new_array(G_VARIANT_TYPE(
	    "{sv}"), NULL, 0)));
	future = g_variant_get_data_as_bytes(v);
	p = g_bytes_get_data(future, &len);
	g_assert_null(md_record_to_ticket(p, len, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_CORRUPT);
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

/* md_deliver */

static const char small_mail[] =
    "From: Hans Müller <hans@example.org>\n"
    "To: Support <support@example.com>\n"
    "Subject: Re: Invoice 7731 missing\n"
    "Message-ID: <first.1@example.org>\n"
    "Date: Tue, 02 Jan 2024 10:00:00 +0100\n"
    "\n"
    "Where is my invoice?\n";

static void
deliver_ok(Fixture *f, const char *raw, gsize len, MdDeliverResult *r)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(md_deliver(f->store, f->config, (const guint8 *)raw, len,
	    "hans@example.org", NULL, NOW, r, &error));
	g_assert_no_error(error);
}

typedef struct {
	guint count;
	guint64 last;
} CountTickets;

static gboolean
count_ticket(MdTicket *t, gpointer user_data)
{
	CountTickets *c = user_data;

	c->count++;
	c->last = t->number;
	return TRUE;
}

static guint
ticket_count(MdTxn *txn)
{
	CountTickets c = { 0, 0 };
	g_autoptr(GError) error = NULL;

	g_assert_true(md_ticket_foreach(txn, count_ticket, &c, &error));
	g_assert_no_error(error);
	return c.count;
}

static void
test_deliver_duplicate(Fixture *f, gconstpointer data)
{
	MdDeliverResult r = { 0 };
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;
	g_autoptr(MdTicket) t = NULL;
	g_autoptr(MdMessage) m = NULL;
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GArray) tickets = NULL;
	guint64 customer;

	deliver_ok(f, small_mail, strlen(small_mail), &r);
	g_assert_false(r.duplicate);
	g_assert_cmpuint(r.ticket, ==, 1);
	g_assert_cmpuint(r.seq, ==, 1);
	g_assert_true(r.new_ticket);
	g_assert_cmpuint(r.customer, !=, 0);
	g_assert_cmpstr(r.kind, ==, "customer");
	g_assert_cmpstr(r.queue, ==, "support");
	customer = r.customer;
	md_deliver_result_clear(&r);

	deliver_ok(f, small_mail, strlen(small_mail), &r);
	g_assert_true(r.duplicate);
	g_assert_cmpuint(r.ticket, ==, 1);
	g_assert_cmpuint(r.seq, ==, 1);
	g_assert_false(r.new_ticket);
	g_assert_cmpstr(r.queue, ==, "support");
	md_deliver_result_clear(&r);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	g_assert_cmpuint(ticket_count(&txn), ==, 1);
	t = md_ticket_load(&txn, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(t->message_count, ==, 1);
	g_assert_cmpstr(t->queue, ==, "support");
	g_assert_cmpstr(t->subject, ==, "Invoice 7731 missing");
	g_assert_cmpint(t->status, ==, MD_STATUS_NEW);
	g_assert_cmpuint(t->customer_id, ==, customer);
	g_assert_cmpint(t->created_at, ==, NOW);

	m = md_ticket_load_message(&txn, 1, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(m->message_id, ==, "first.1@example.org");
	g_assert_cmpstr(m->queue, ==, "support");
	g_assert_cmpstr(m->envelope_sender, ==, "hans@example.org");
	g_assert_cmpint(m->received_at, ==, NOW);
	g_assert_null(md_ticket_load_message(&txn, 1, 2, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
	g_clear_error(&error);

	/* The raw bytes are kept exactly. */
	raw = md_ticket_load_raw(&txn, 1, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(raw, NULL), g_bytes_get_size(raw),
	    small_mail, strlen(small_mail));
	g_assert_null(md_ticket_load_raw(&txn, 1, 2, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
	g_clear_error(&error);

	c = md_customer_find_by_email(&txn, "hans@example.org", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(c->id, ==, customer);
	g_assert_cmpstr(c->first_name, ==, "Hans");
	g_assert_cmpstr(c->last_name, ==, "Müller");
	tickets = md_customer_tickets(&txn, customer, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(tickets->len, ==, 1);
	g_assert_cmpuint(g_array_index(tickets, guint64, 0), ==, 1);
}

static void
test_deliver_duplicate_no_message_id(Fixture *f, gconstpointer data)
{
	static const char mail[] =
	    "From: anna@example.org\n"
	    "To: sales@example.com\n"
	    "Subject: no id\n"
	    "\n"
	    "body\n";
	MdDeliverResult r = { 0 };
	g_auto(MdTxn) txn = MD_TXN_INIT;
	g_autoptr(GError) error = NULL;

	deliver_ok(f, mail, strlen(mail), &r);
	g_assert_false(r.duplicate);
	g_assert_cmpstr(r.queue, ==, "sales");
	md_deliver_result_clear(&r);
	deliver_ok(f, mail, strlen(mail), &r);
	g_assert_true(r.duplicate);
	g_assert_cmpuint(r.ticket, ==, 1);
	md_deliver_result_clear(&r);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	g_assert_cmpuint(ticket_count(&txn), ==, 1);
}

static void
test_deliver_reply_threads(Fixture *f, gconstpointer data)
{
	static const char reply[] =
	    "From: Hans Müller <hans@example.org>\n"
	    "To: support@example.com\n"
	    "Subject: Re: Re: Invoice 7731 missing\n"
	    "Message-ID: <second.2@example.org>\n"
	    "In-Reply-To: <first.1@example.org>\n"
	    "References: <first.1@example.org>\n"
	    "\n"
	    "Any news?\n";
	MdDeliverResult r = { 0 };

	deliver_ok(f, small_mail, strlen(small_mail), &r);
	md_deliver_result_clear(&r);
	deliver_ok(f, reply, strlen(reply), &r);
	g_assert_false(r.duplicate);
	g_assert_false(r.new_ticket);
	g_assert_cmpuint(r.ticket, ==, 1);
	g_assert_cmpuint(r.seq, ==, 2);
	md_deliver_result_clear(&r);
}

static void
test_deliver_over_size(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) big = g_string_new(small_mail);
	g_autoptr(GError) error = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	MdDeliverResult r = { 0 };

	f->config->max_size_bytes = 1024;
	while (big->len <= 1024)
		g_string_append(big, "padding padding padding\n");
	g_assert_false(md_deliver(f->store, f->config,
	    (const guint8 *)big->str, big->len, NULL, NULL, NOW, &r, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_REJECT);
	md_deliver_result_clear(&r);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, NULL));
	g_assert_cmpuint(ticket_count(&txn), ==, 0);
}

static void
test_deliver_map_full(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) big = g_string_new(
	    "From: Anna Weber <anna@example.org>\n"
	    "To: support@example.com\n"
	    "Subject: a very large mail\n"
	    "Message-ID: <big.1@example.org>\n"
	    "\n");
	g_autoptr(GError) error = NULL;
	MdDeliverResult r = { 0 };

	deliver_ok(f, small_mail, strlen(small_mail), &r);
	g_assert_cmpuint(r.ticket, ==, 1);
	md_deliver_result_clear(&r);

	/* About 2 MB of text into a 1 MiB map. */
	while (big->len < 2 * 1000 * 1000)
		g_string_append(big, "0123456789 abcdefghijklmnopqrstuvwxyz "
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789\n");
	g_assert_false(md_deliver(f->store, f->config,
	    (const guint8 *)big->str, big->len, "anna@example.org", NULL, NOW,
	    &r, &error));
	g_assert_error(error, MD_ERROR, MD_ERROR_TEMPFAIL);
	g_clear_error(&error);
	md_deliver_result_clear(&r);

	/* Reopen: what was committed before is still there, nothing else. */
	g_clear_pointer(&f->store, md_store_close);
	f->store = md_store_open(f->store_path, SMALL_MAP_BYTES, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->store);
	{
		g_auto(MdTxn) txn = MD_TXN_INIT;
		g_autoptr(MdTicket) t = NULL;
		g_autoptr(GBytes) raw = NULL;

		g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn,
		    &error));
		g_assert_cmpuint(ticket_count(&txn), ==, 1);
		t = md_ticket_load(&txn, 1, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(t->message_count, ==, 1);
		raw = md_ticket_load_raw(&txn, 1, 1, &error);
		g_assert_no_error(error);
		g_assert_cmpmem(g_bytes_get_data(raw, NULL),
		    g_bytes_get_size(raw), small_mail, strlen(small_mail));
		g_assert_null(md_customer_find_by_email(&txn,
		    "anna@example.org", &error));
		g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
		g_clear_error(&error);
	}

	/* The failed delivery used up no ticket number or dedupe key. */
	{
		static const char next[] =
		    "From: anna@example.org\n"
		    "To: support@example.com\n"
		    "Subject: a small one\n"
		    "Message-ID: <big.1@example.org>\n"
		    "\n"
		    "short now\n";

		deliver_ok(f, next, strlen(next), &r);
		g_assert_false(r.duplicate);
		g_assert_cmpuint(r.ticket, ==, 2);
		md_deliver_result_clear(&r);
	}
}

/*
 * The envelope comes from the MTA's command line and need not be UTF-8;
 * the message record holds only UTF-8 strings (GVariant "s").
 */
static void
test_deliver_8bit_envelope(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(MdMessage) m = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	MdDeliverResult r = { 0 };

	if (md_test_run_in_child(f->dir))
		return;
	/* Latin-1 bytes: "hänsel@example.org", "support+ä@example.com" */
	g_assert_true(md_deliver(f->store, f->config,
	    (const guint8 *)small_mail, strlen(small_mail),
	    "h\xe4nsel@example.org", "support+\xe4@example.com", NOW, &r,
	    &error));
	g_assert_no_error(error);
	g_assert_cmpstr(r.queue, ==, "support");
	md_deliver_result_clear(&r);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	m = md_ticket_load_message(&txn, 1, 1, &error);
	g_assert_no_error(error);
	g_assert_nonnull(m->envelope_sender);
	g_assert_true(g_utf8_validate(m->envelope_sender, -1, NULL));
	g_assert_true(g_str_has_suffix(m->envelope_sender, "@example.org"));
	g_assert_nonnull(m->recipient);
	g_assert_true(g_utf8_validate(m->recipient, -1, NULL));
	g_assert_true(g_str_has_suffix(m->recipient, "@example.com"));
}

/*
 * LMDB keys are at most 511 bytes.  A Message-ID of 490 characters (the
 * parser keeps up to 500) is legal mail and must be stored, and found as a
 * duplicate when it comes again.
 */
static void
test_deliver_long_message_id(Fixture *f, gconstpointer data)
{
	g_autofree char *id = g_strnfill(478, 'a');
	g_autofree char *raw = g_strdup_printf(
	    "From: anna@example.org\n"
	    "To: support@example.com\n"
	    "Subject: long id\n"
	    "Message-ID: <%s@example.org>\n"
	    "\n"
	    "body\n", id);
	g_autoptr(GError) error = NULL;
	MdDeliverResult r = { 0 };

	if (md_test_run_in_child(f->dir))
		return;
	g_assert_true(md_deliver(f->store, f->config, (const guint8 *)raw,
	    strlen(raw), NULL, NULL, NOW, &r, &error));
	g_assert_no_error(error);
	g_assert_false(r.duplicate);
	g_assert_cmpuint(r.ticket, ==, 1);
	md_deliver_result_clear(&r);

	g_assert_true(md_deliver(f->store, f->config, (const guint8 *)raw,
	    strlen(raw), NULL, NULL, NOW, &r, &error));
	g_assert_no_error(error);
	g_assert_true(r.duplicate);
	g_assert_cmpuint(r.ticket, ==, 1);
	md_deliver_result_clear(&r);
}

/* The same limit for a sender address longer than 511 bytes. */
static void
test_deliver_long_address(Fixture *f, gconstpointer data)
{
	g_autofree char *local = g_strnfill(600, 'b');
	g_autofree char *raw = g_strdup_printf(
	    "From: %s@example.org\n"
	    "To: support@example.com\n"
	    "Subject: long address\n"
	    "Message-ID: <long.address@example.org>\n"
	    "\n"
	    "body\n", local);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) stored = NULL;
	g_auto(MdTxn) txn = MD_TXN_INIT;
	MdDeliverResult r = { 0 };

	if (md_test_run_in_child(f->dir))
		return;
	g_assert_true(md_deliver(f->store, f->config, (const guint8 *)raw,
	    strlen(raw), NULL, NULL, NOW, &r, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(r.ticket, ==, 1);
	md_deliver_result_clear(&r);

	g_assert_true(md_store_begin(f->store, MD_TXN_READ, &txn, &error));
	stored = md_ticket_load_raw(&txn, 1, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(stored, NULL),
	    g_bytes_get_size(stored), raw, strlen(raw));
}

#define ADD_DIR(path, fn) \
	g_test_add(path, Fixture, NULL, set_up_dir, fn, tear_down)
#define ADD_STORE(path, fn) \
	g_test_add(path, Fixture, NULL, set_up_store, fn, tear_down)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();

	ADD_DIR("/store/init/creates", test_init_creates);
	ADD_DIR("/store/init/idempotent", test_init_idempotent);
	ADD_DIR("/store/init/existing-empty-dir",
	    test_init_existing_empty_dir);
	ADD_DIR("/store/open/missing", test_open_missing);
	ADD_DIR("/store/open/uninitialised-dir", test_open_uninitialised_dir);
	ADD_DIR("/store/open/adds-new-databases", test_open_adds_new_databases);
	ADD_STORE("/store/next-id/count", test_next_id);
	ADD_STORE("/store/next-id/persists", test_next_id_persists);
	ADD_STORE("/store/get-put-del", test_get_put_del);

	g_test_add_func("/store/record/ticket", test_record_ticket);
	g_test_add_func("/store/record/ticket-minimal",
	    test_record_ticket_minimal);
	g_test_add_func("/store/record/customer", test_record_customer);
	g_test_add_func("/store/record/customer-no-name",
	    test_record_customer_no_name);
	g_test_add_func("/store/record/message", test_record_message);
	g_test_add_func("/store/record/message-unparsed",
	    test_record_message_unparsed);
	g_test_add_func("/store/record/corrupt", test_record_corrupt);

	ADD_STORE("/store/customer/case-insensitive",
	    test_customer_case_insensitive);
	ADD_STORE("/store/customer/name-fill", test_customer_name_fill);
	ADD_STORE("/store/customer/name-manual", test_customer_name_manual);

	ADD_STORE("/store/deliver/duplicate", test_deliver_duplicate);
	ADD_STORE("/store/deliver/duplicate-no-message-id",
	    test_deliver_duplicate_no_message_id);
	ADD_STORE("/store/deliver/reply-threads", test_deliver_reply_threads);
	ADD_STORE("/store/deliver/over-size", test_deliver_over_size);
	g_test_add("/store/deliver/map-full", Fixture, NULL,
	    set_up_small_store, test_deliver_map_full, tear_down);
	/* Tests that pin a bug run last, each in a child: see run_in_child. */
	ADD_STORE("/store/deliver/8bit-envelope", test_deliver_8bit_envelope);
	ADD_STORE("/store/deliver/long-message-id",
	    test_deliver_long_message_id);
	ADD_STORE("/store/deliver/long-address", test_deliver_long_address);

	return g_test_run();
}
