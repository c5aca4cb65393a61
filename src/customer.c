/* SPDX-License-Identifier: MIT */
/*
 * Customer profiles.  An address is the identity: lower-cased as a whole for
 * the index (local parts are case-sensitive in theory, never in practice).
 * Names learned from mail only fill gaps; a hand-set name is final.
 */
#include <string.h>

#include "maildesk/customer.h"
#include "maildesk/error.h"
#include "maildesk/language.h"
#include "maildesk/name.h"
#include "maildesk/record.h"

MdCustomer *
md_customer_new(void)
{
	MdCustomer *c = g_new0(MdCustomer, 1);

	c->fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	c->former = g_ptr_array_new_with_free_func(g_free);
	return c;
}

gboolean
md_customer_has_address(const MdCustomer *c, const char *address)
{
	if (address == NULL)
		return FALSE;
	if (g_ascii_strcasecmp(c->email, address) == 0)
		return TRUE;
	for (guint i = 0; i < c->former->len; i++)
		if (g_ascii_strcasecmp(g_ptr_array_index(c->former, i),
		    address) == 0)
			return TRUE;
	return FALSE;
}

void
md_customer_free(MdCustomer *c)
{
	if (c == NULL)
		return;
	g_free(c->email);
	g_free(c->first_name);
	g_free(c->last_name);
	g_free(c->hold_reason);
	g_ptr_array_unref(c->former);
	g_hash_table_unref(c->fields);
	g_free(c);
}

/* A character that would break a line or a terminal showing it. */
static gboolean
has_control(const char *s)
{
	for (const char *p = s; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029 ||
		    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 &&
		    c <= 0x2069))
			return TRUE;
	}
	return FALSE;
}

gboolean
md_customer_check_address(const char *address, GError **error)
{
	const char *at = address ? strrchr(address, '@') : NULL;
	gboolean ok = at != NULL && at != address && at[1] != '\0' &&
	    g_utf8_validate(address, -1, NULL) && !has_control(address);

	for (const char *p = address; ok && *p != '\0';
	    p = g_utf8_next_char(p))
		ok = !g_unichar_isspace(g_utf8_get_char(p)) && *p != '<' &&
		    *p != '>';
	if (!ok)
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "\"%s\" is not a mail address", address ? address : "");
	return ok;
}

static gboolean
free_field_name(const char *field)
{
	gsize n = strlen(field);

	return n > 0 && n <= 32 && g_ascii_islower(field[0]) &&
	    strspn(field, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static const char *const builtin_fields[] = {
	"first_name", "last_name", "email", "language", NULL
};

/* Edit distance of two short ASCII words, stopping above 2. */
static guint
distance(const char *a, const char *b)
{
	gsize la = strlen(a), lb = strlen(b);
	guint row[40];

	if (la >= G_N_ELEMENTS(row) || lb >= G_N_ELEMENTS(row) ||
	    (la > lb ? la - lb : lb - la) > 2)
		return 3;
	for (gsize j = 0; j <= lb; j++)
		row[j] = (guint)j;
	for (gsize i = 1; i <= la; i++) {
		guint diag = row[0];

		row[0] = (guint)i;
		for (gsize j = 1; j <= lb; j++) {
			guint up = row[j];

			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag +
			    (a[i - 1] != b[j - 1]));
			diag = up;
		}
	}
	return row[lb];
}

/*
 * The built-in field @field was most likely meant to be ("firstname",
 * "e-mail", "langauge"), or NULL: such a name would otherwise quietly
 * become a free field that nothing reads.
 */
static const char *
meant_field(const char *field)
{
	g_autofree char *bare = g_strdelimit(g_strdup(field), "-", '_');

	for (const char *const *f = builtin_fields; *f != NULL; f++)
		if (strcmp(field, *f) == 0)
			return NULL;
	for (const char *const *f = builtin_fields; *f != NULL; f++)
		if (distance(bare, *f) <= 2 || (strlen(bare) >= 4 &&
		    g_str_has_prefix(*f, bare)))
			return *f;
	return NULL;
}

gboolean
md_customer_check_field(const char *field, const char *value,
    GError **error)
{
	const char *meant;

	if (!g_utf8_validate(field, -1, NULL) || !free_field_name(field)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "\"%s\" is not a "
		    "field: first_name, last_name, email, language, or a name "
		    "of a-z, 0-9, _ and - (at most 32) for a field of your "
		    "own", field);
		return FALSE;
	}
	if ((meant = meant_field(field)) != NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "\"%s\" is not a "
		    "field; did you mean %s?", field, meant);
		return FALSE;
	}
	if (!g_utf8_validate(value, -1, NULL)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "the value is not UTF-8");
		return FALSE;
	}
	if (has_control(value)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "the value holds "
		    "a control character (a line break, a tab ...)");
		return FALSE;
	}
	if (strcmp(field, "email") == 0)
		return md_customer_check_address(value, error);
	if (strcmp(field, "language") == 0 && value[0] != '\0' &&
	    md_language_find(value) == NULL) {
		g_autofree char *list = g_strjoinv(", ",
		    (char **)md_language_codes());

		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "language \"%s\" "
		    "is not one we answer in (%s)", value, list);
		return FALSE;
	}
	return TRUE;
}

char *
md_customer_address_key(const char *email)
{
	g_autofree char *s = g_strstrip(g_utf8_make_valid(email, -1));
	g_autofree char *lower = g_utf8_strdown(s, -1);

	return md_store_key_text(lower);
}

MdCustomer *
md_customer_load(MdTxn *txn, guint64 id, GError **error)
{
	guint8 key[8];
	MDB_val v;

	md_key_be64(key, id);
	if (!md_store_get(txn, MD_DB_CUSTOMERS, key, 8, &v, error)) {
		g_prefix_error(error, "customer %" G_GUINT64_FORMAT ": ", id);
		return NULL;
	}
	return md_customer_from_record(v.mv_data, v.mv_size, error);
}

gboolean
md_customer_set_field(MdTxn *txn, MdCustomer *c, const char *field,
    const char *value, GError **error)
{
	if (strcmp(field, "first_name") == 0 ||
	    strcmp(field, "last_name") == 0) {
		char **slot = field[0] == 'f' ? &c->first_name : &c->last_name;

		g_free(*slot);
		*slot = value[0] ? g_strdup(value) : NULL;
		/* A hand-set name is final: mail never overwrites it. */
		c->flags |= MD_CUSTOMER_NAME_MANUAL;
	} else if (strcmp(field, "email") == 0) {
		g_autofree char *old = md_customer_address_key(c->email);
		g_autoptr(MdCustomer) other = NULL;

		if (!md_customer_lookup_email(txn, value, &other, error))
			return FALSE;
		if (other != NULL && other->id != c->id) {
			g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
			    "another customer has the address %s", value);
			return FALSE;
		}
		if (!md_store_del(txn, MD_DB_CUSTOMER_EMAIL, old, strlen(old),
		    NULL, 0, error))
			return FALSE;
		/* Kept so that an erasure still finds mail from it. */
		g_ptr_array_add(c->former, c->email);
		c->email = g_strdup(value);
	} else if (value[0] == '\0')
		g_hash_table_remove(c->fields, field);
	else
		g_hash_table_replace(c->fields, g_strdup(field),
		    g_strdup(value));
	return TRUE;
}

typedef struct {
	MdCustomerFunc fn;
	gpointer data;
	GError *error;
} Each;

static gboolean
each_record(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Each *e = user_data;
	g_autoptr(MdCustomer) c = md_customer_from_record(data->mv_data,
	    data->mv_size, &e->error);

	(void)key;
	return c != NULL && e->fn(c, e->data, &e->error) && e->error == NULL;
}

gboolean
md_customer_foreach(MdTxn *txn, MdCustomerFunc fn, gpointer data,
    GError **error)
{
	Each e = { .fn = fn, .data = data };

	if (!md_store_foreach(txn, MD_DB_CUSTOMERS, NULL, 0, each_record, &e,
	    error))
		return FALSE;
	if (e.error != NULL) {
		g_propagate_error(error, e.error);
		return FALSE;
	}
	return TRUE;
}

char *
md_customer_display_name(const MdCustomer *c)
{
	if (c == NULL || (c->first_name == NULL && c->last_name == NULL))
		return NULL;
	return g_strstrip(g_strjoin(" ", c->first_name ? c->first_name : "",
	    c->last_name ? c->last_name : "", NULL));
}

gboolean
md_customer_lookup(MdTxn *txn, guint64 id, MdCustomer **out, GError **error)
{
	guint8 key[8];
	gboolean found;
	MDB_val v;

	*out = NULL;
	md_key_be64(key, id);
	if (!md_store_lookup(txn, MD_DB_CUSTOMERS, key, 8, &v, &found,
	    error)) {
		g_prefix_error(error, "customer %" G_GUINT64_FORMAT ": ", id);
		return FALSE;
	}
	if (found)
		*out = md_customer_from_record(v.mv_data, v.mv_size, error);
	return !found || *out != NULL;
}

MdCustomer *
md_customer_find_by_email(MdTxn *txn, const char *email, GError **error)
{
	MdCustomer *c;

	if (!md_customer_lookup_email(txn, email, &c, error))
		return NULL;
	if (c == NULL)
		g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND,
		    "no customer with address %s", email);
	return c;
}

gboolean
md_customer_lookup_email(MdTxn *txn, const char *email, MdCustomer **out,
    GError **error)
{
	g_autofree char *k = md_customer_address_key(email);
	gboolean found;
	MDB_val v;

	*out = NULL;
	if (!md_store_lookup(txn, MD_DB_CUSTOMER_EMAIL, k, strlen(k), &v,
	    &found, error))
		return FALSE;
	if (!found)
		return TRUE;
	if (v.mv_size != 8) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "customer_email entry is malformed");
		return FALSE;
	}
	*out = md_customer_load(txn, md_key_read_be64(v.mv_data), error);
	return *out != NULL;
}

gboolean
md_customer_save(MdTxn *txn, const MdCustomer *c, GError **error)
{
	g_autoptr(GBytes) rec = md_customer_to_record(c);
	g_autofree char *k = md_customer_address_key(c->email);
	guint8 key[8];
	gsize len;
	const void *data = g_bytes_get_data(rec, &len);

	md_key_be64(key, c->id);
	return md_store_put(txn, MD_DB_CUSTOMERS, key, 8, data, len, 0,
	    error) &&
	    md_store_put(txn, MD_DB_CUSTOMER_EMAIL, k, strlen(k), key, 8, 0,
	    error);
}

MdCustomer *
md_customer_find_or_create(MdTxn *txn, const MdMailbox *mailbox, gint64 now,
    gboolean *created, GError **error)
{
	g_autoptr(MdCustomer) c = NULL;
	g_autofree char *first = NULL, *last = NULL;
	gboolean named;

	*created = FALSE;
	if (!md_customer_lookup_email(txn, mailbox->email, &c, error))
		return NULL;
	named = md_name_split(mailbox->name, mailbox->email, &first, &last);
	if (c != NULL) {
		/* Fill a profile that had no name; keep a hand-set one. */
		if (named && !(c->flags & MD_CUSTOMER_NAME_MANUAL) &&
		    c->first_name == NULL && c->last_name == NULL) {
			c->first_name = g_steal_pointer(&first);
			c->last_name = g_steal_pointer(&last);
			if (!md_customer_save(txn, c, error))
				return NULL;
		}
		return g_steal_pointer(&c);
	}
	c = md_customer_new();
	if (!md_store_next_id(txn, "next-customer", &c->id, error))
		return NULL;
	c->email = g_strstrip(g_strdup(mailbox->email));
	c->first_name = g_steal_pointer(&first);
	c->last_name = g_steal_pointer(&last);
	c->created_at = now;
	if (!md_customer_save(txn, c, error))
		return NULL;
	*created = TRUE;
	return g_steal_pointer(&c);
}

typedef struct {
	GArray *numbers;
} Collect;

static gboolean
collect_ticket(const MDB_val *key, const MDB_val *data, gpointer user_data)
{
	Collect *c = user_data;
	guint64 n;

	if (key->mv_size != 16)
		return TRUE;
	n = md_key_read_be64((const guint8 *)key->mv_data + 8);
	g_array_append_val(c->numbers, n);
	return TRUE;
}

GArray *
md_customer_tickets(MdTxn *txn, guint64 id, GError **error)
{
	guint8 prefix[8];
	Collect c = { g_array_new(FALSE, FALSE, sizeof(guint64)) };

	md_key_be64(prefix, id);
	if (!md_store_foreach(txn, MD_DB_CUSTOMER_TICKETS, prefix, 8,
	    collect_ticket, &c, error)) {
		g_array_unref(c.numbers);
		return NULL;
	}
	return c.numbers;
}

gboolean
md_customer_link_ticket(MdTxn *txn, guint64 id, guint64 ticket,
    GError **error)
{
	guint8 key[16];

	md_key_be64(key, id);
	md_key_be64(key + 8, ticket);
	return md_store_put(txn, MD_DB_CUSTOMER_TICKETS, key, 16, "", 0, 0,
	    error);
}

gboolean
md_customer_has_ticket(MdTxn *txn, guint64 id, guint64 ticket,
    gboolean *yes, GError **error)
{
	guint8 key[16];
	MDB_val v;

	md_key_be64(key, id);
	md_key_be64(key + 8, ticket);
	return md_store_lookup(txn, MD_DB_CUSTOMER_TICKETS, key, 16, &v, yes,
	    error);
}

/* The record layout (record.h: versioned, unknown keys skipped). */

GBytes *
md_customer_to_record(const MdCustomer *c)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);
	GVariantBuilder fields;
	GHashTableIter it;
	gpointer k, v;

	g_variant_dict_insert(&d, "id", "t", c->id);
	md_record_put_str(&d, "email", c->email);
	md_record_put_str(&d, "first", c->first_name);
	md_record_put_str(&d, "last", c->last_name);
	g_variant_dict_insert(&d, "created", "x", c->created_at);
	g_variant_dict_insert(&d, "flags", "u", c->flags);
	if (c->hold_until != 0) {
		g_variant_dict_insert(&d, "hold-until", "x", c->hold_until);
		md_record_put_str(&d, "hold-reason", c->hold_reason);
	}
	if (c->former->len > 0)
		g_variant_dict_insert_value(&d, "former", g_variant_new_strv(
		    (const char *const *)c->former->pdata, c->former->len));
	g_variant_builder_init(&fields, G_VARIANT_TYPE("a{ss}"));
	g_hash_table_iter_init(&it, c->fields);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_variant_builder_add(&fields, "{ss}", k, v);
	g_variant_dict_insert_value(&d, "fields",
	    g_variant_builder_end(&fields));
	return md_record_close(&d);
}

MdCustomer *
md_customer_from_record(const void *data, gsize len, GError **error)
{
	g_autoptr(GVariantDict) d = md_record_open(data, len, "customer", error);
	g_autoptr(MdCustomer) c = NULL;
	g_autoptr(GVariant) fields = NULL;

	if (d == NULL)
		return NULL;
	c = md_customer_new();
	c->id = md_record_get_u64(d, "id");
	c->email = md_record_get_str(d, "email");
	c->first_name = md_record_get_str(d, "first");
	c->last_name = md_record_get_str(d, "last");
	c->created_at = md_record_get_i64(d, "created");
	c->flags = md_record_get_u32(d, "flags");
	c->hold_until = md_record_get_i64(d, "hold-until");
	c->hold_reason = md_record_get_str(d, "hold-reason");
	md_record_get_strings(d, "former", c->former);
	fields = g_variant_dict_lookup_value(d, "fields",
	    G_VARIANT_TYPE("a{ss}"));
	if (fields != NULL) {
		GVariantIter it;
		const char *k, *v;

		g_variant_iter_init(&it, fields);
		while (g_variant_iter_next(&it, "{&s&s}", &k, &v))
			g_hash_table_insert(c->fields, g_strdup(k),
			    g_strdup(v));
	}
	if (c->email == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_CORRUPT,
		    "customer record has no address");
		return NULL;
	}
	return g_steal_pointer(&c);
}
