/* SPDX-License-Identifier: MIT */
/*
 * Configuration: one table gives group, key, type, default and bounds for
 * every scalar key.  A present but malformed value is an error, never a
 * silent default; unknown keys are warned about so typos show.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "maildesk/config.h"
#include "maildesk/error.h"
#include "maildesk/language.h"
#include "maildesk/log.h"

typedef enum { KEY_STRING, KEY_UINT, KEY_BOOL } KeyType;

typedef struct {
	const char *group;
	const char *key;
	KeyType type;
	const char *def;
	guint64 min, max;
	gsize offset;
} KeySpec;

#define OFF(f) G_STRUCT_OFFSET(MdConfig, f)

static const KeySpec keys[] = {
	{ "store", "path", KEY_STRING, MAILDESK_DEFAULT_STORE, 1, 0,
	  OFF(store_path) },
	{ "store", "map-size-bytes", KEY_UINT, "4294967296", 1 << 20,
	  G_GUINT64_CONSTANT(1) << 44, OFF(map_size_bytes) },
	{ "tickets", "tag", KEY_STRING, "Ticket#", 1, 0, OFF(tag) },
	{ "tickets", "reopen-days", KEY_UINT, "14", 0, 36500,
	  OFF(reopen_days) },
	{ "tickets", "default-queue", KEY_STRING, "support", 1, 0,
	  OFF(default_queue) },
	{ "deliver", "max-size-bytes", KEY_UINT, "52428800", 1024,
	  G_GUINT64_CONSTANT(1) << 34, OFF(max_size_bytes) },
	{ "deliver", "time-limit-seconds", KEY_UINT, "300", 1, 86400,
	  OFF(time_limit_s) },
	{ "deliver", "recipient-delimiter", KEY_STRING, "+", 0, 0,
	  OFF(recipient_delimiter) },
	{ "deliver", "x-loop", KEY_STRING, "", 0, 0, OFF(x_loop) },
	{ "log", "syslog", KEY_BOOL, "true", 0, 0, OFF(syslog) },
	{ "deliver", "allow-root", KEY_BOOL, "false", 0, 0, OFF(allow_root) },
	{ "smtp", "host", KEY_STRING, "localhost", 1, 0, OFF(smtp_host) },
	{ "smtp", "port", KEY_UINT, "25", 1, 65535, OFF(smtp_port) },
	{ "smtp", "timeout-seconds", KEY_UINT, "30", 1, 3600,
	  OFF(smtp_timeout_s) },
	{ "smtp", "starttls", KEY_STRING, "no", 1, 0, OFF(smtp_starttls) },
	{ "smtp", "user", KEY_STRING, "", 0, 0, OFF(smtp_user) },
	{ "smtp", "password-file", KEY_STRING, "", 0, 0,
	  OFF(smtp_password_file) },
	{ "smtp", "helo", KEY_STRING, "", 0, 0, OFF(smtp_helo) },
	{ "outbox", "retry-base-seconds", KEY_UINT, "60", 1, 86400,
	  OFF(retry_base_s) },
	{ "outbox", "retry-max-seconds", KEY_UINT, "3600", 1, 604800,
	  OFF(retry_max_s) },
	{ "outbox", "give-up-hours", KEY_UINT, "72", 1, 8760,
	  OFF(give_up_hours) },
	{ "outbox", "lease-seconds", KEY_UINT, "300", 1, 86400, OFF(lease_s) },
	{ "outbox", "deliver-flush-seconds", KEY_UINT, "10", 0, 120,
	  OFF(deliver_flush_s) },
	{ "ack", "enabled", KEY_BOOL, "true", 0, 0, OFF(ack_enabled) },
	{ "ack", "per-hour", KEY_UINT, "3", 0, 1000000, OFF(ack_per_hour) },
	{ "ack", "per-day", KEY_UINT, "10", 0, 1000000, OFF(ack_per_day) },
	{ "templates", "dir", KEY_STRING, MAILDESK_TEMPLATEDIR, 1, 0,
	  OFF(template_dir) },
	{ "templates", "language", KEY_STRING, "en", 1, 0, OFF(language) },
	{ "agents", "authserv-id", KEY_STRING, "", 0, 0, OFF(authserv_id) },
	{ "forms", "senders", KEY_STRING, "", 0, 0, OFF(form_senders) },
	{ "tickets", "retention-days", KEY_UINT, "0", 0, 36500,
	  OFF(retention_days) },
	{ "deliver", "token-days", KEY_UINT, "30", 1, 3650, OFF(token_days) },
	{ "tickets", "queue-order", KEY_STRING, "", 0, 0, OFF(queue_order) },
	{ "ack", "domain-per-hour", KEY_UINT, "100", 0, 1000000,
	  OFF(ack_domain_per_hour) },
	{ "ack", "domain-per-day", KEY_UINT, "1000", 0, 1000000,
	  OFF(ack_domain_per_day) },
	{ "agents", "relays-per-hour", KEY_UINT, "20", 1, 1000000,
	  OFF(relays_per_hour) },
	{ "agents", "reports-per-hour", KEY_UINT, "5", 0, 1000000,
	  OFF(reports_per_hour) },
	{ "backup", "encrypt-to", KEY_STRING, "", 0, 0,
	  OFF(backup_encrypt_to) },
	{ "backup", "gnupg-home", KEY_STRING, "", 0, 0,
	  OFF(backup_gnupg_home) },
	{ "backup", "ledger-copy", KEY_STRING, "", 0, 0,
	  OFF(backup_ledger_copy) },
	{ "search", "mail-results", KEY_UINT, "10", 0, 100,
	  OFF(search_mail_results) },
	{ "lmtp", "listen", KEY_STRING, "", 0, 0, OFF(lmtp_listen) },
	{ "lmtp", "clients", KEY_STRING, "127.0.0.1 ::1", 0, 0,
	  OFF(lmtp_clients) },
	{ "lmtp", "workers", KEY_UINT, "0", 0, 256, OFF(lmtp_workers) },
	{ "lmtp", "max-connections", KEY_UINT, "64", 1, 10000,
	  OFF(lmtp_max_connections) },
	{ "lmtp", "timeout-seconds", KEY_UINT, "300", 1, 3600,
	  OFF(lmtp_timeout_s) },
};

static void
queue_free(gpointer p)
{
	MdQueue *q = p;

	g_free(q->name);
	g_free(q->language);
	g_strfreev(q->agents);
	g_free(q);
}

static void
address_free(gpointer p)
{
	MdAddress *a = p;

	g_free(a->address);
	g_free(a->queue);
	g_free(a);
}

void
md_config_free(MdConfig *config)
{
	if (config == NULL)
		return;
	g_free(config->source);
	g_free(config->store_path);
	g_clear_pointer(&config->addresses, g_ptr_array_unref);
	g_free(config->tag);
	g_free(config->default_queue);
	g_free(config->recipient_delimiter);
	g_free(config->x_loop);
	g_free(config->smtp_host);
	g_free(config->smtp_starttls);
	g_free(config->smtp_user);
	g_free(config->smtp_password_file);
	g_free(config->smtp_helo);
	g_free(config->template_dir);
	g_free(config->language);
	g_free(config->authserv_id);
	g_free(config->form_senders);
	g_free(config->queue_order);
	g_strfreev(config->queue_rank);
	g_free(config->backup_encrypt_to);
	g_free(config->backup_gnupg_home);
	g_free(config->backup_ledger_copy);
	g_free(config->lmtp_listen);
	g_free(config->lmtp_clients);
	g_clear_pointer(&config->queues, g_ptr_array_unref);
	g_free(config);
}

static gboolean
set_value(MdConfig *config, const KeySpec *k, const char *raw,
    GError **error)
{
	char *field = (char *)config + k->offset;
	g_autofree char *value = g_strstrip(g_strdup(raw));

	switch (k->type) {
	case KEY_STRING:
		if (k->min > 0 && value[0] == '\0') {
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "[%s] %s: must not be empty", k->group, k->key);
			return FALSE;
		}
		g_free(*(char **)field);
		*(char **)field = g_steal_pointer(&value);
		return TRUE;
	case KEY_UINT: {
		guint64 v;
		g_autoptr(GError) e = NULL;

		if (!g_ascii_string_to_unsigned(value, 10, k->min, k->max, &v,
		    &e)) {
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "[%s] %s: \"%s\" is not a whole number from %"
			    G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
			    k->group, k->key, value, k->min, k->max);
			return FALSE;
		}
		if (k->max <= G_MAXUINT)
			*(guint *)field = (guint)v;
		else
			*(guint64 *)field = v;
		return TRUE;
	}
	case KEY_BOOL:
		if (g_ascii_strcasecmp(value, "true") == 0 ||
		    g_ascii_strcasecmp(value, "yes") == 0 ||
		    strcmp(value, "1") == 0)
			*(gboolean *)field = TRUE;
		else if (g_ascii_strcasecmp(value, "false") == 0 ||
		    g_ascii_strcasecmp(value, "no") == 0 ||
		    strcmp(value, "0") == 0)
			*(gboolean *)field = FALSE;
		else {
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "[%s] %s: \"%s\" is not true or false",
			    k->group, k->key, value);
			return FALSE;
		}
		return TRUE;
	}
	return FALSE;
}

static const KeySpec *
find_key(const char *group, const char *key)
{
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		if (strcmp(keys[i].group, group) == 0 &&
		    strcmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

/* A language we ship templates for. */
static gboolean
check_language(const char *group, const char *code, GError **error)
{
	g_autofree char *list = NULL;

	if (md_language_find(code) != NULL && strcmp(md_language_find(code),
	    code) == 0)
		return TRUE;
	list = g_strjoinv(", ", (char **)md_language_codes());
	g_set_error(error, MD_ERROR, MD_ERROR_CONFIG, "[%s] language: \"%s\" "
	    "is not one of %s", group, code, list);
	return FALSE;
}

static gboolean
valid_address(const char *a)
{
	const char *at = strchr(a, '@');

	return at != NULL && at != a && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL && strpbrk(a, " \t<>,;\"") == NULL;
}

gboolean
md_config_valid_queue_name(const char *name)
{
	gsize n = name ? strlen(name) : 0;

	return n > 0 && n <= 64 && strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static gboolean
check_queue_name(const char *where, const char *name, GError **error)
{
	if (md_config_valid_queue_name(name))
		return TRUE;
	g_set_error(error, MD_ERROR, MD_ERROR_CONFIG, "%s: queue name \"%s\" "
	    "is not 1 to 64 letters, digits, '.', '_' or '-'", where, name);
	return FALSE;
}

/* A "[queue NAME]" group: language = en|de, agents = a@x;b@y */
static gboolean
load_queue(MdConfig *config, GKeyFile *kf, const char *group,
    GError **error)
{
	g_autofree char *name = g_strstrip(g_strdup(group + 6));
	g_auto(GStrv) keys_of = g_key_file_get_keys(kf, group, NULL, NULL);
	g_autofree char *where = g_strdup_printf("[%s]", group);
	MdQueue *q;

	if (!check_queue_name(where, name, error))
		return FALSE;
	q = g_new0(MdQueue, 1);
	q->name = g_steal_pointer(&name);
	q->retention_days = -1;
	g_ptr_array_add(config->queues, q);
	for (char **k = keys_of; k != NULL && *k != NULL; k++) {
		g_autofree char *v = g_key_file_get_value(kf, group, *k, NULL);

		g_strstrip(v);
		if (strcmp(*k, "language") == 0) {
			if (!check_language(group, v, error))
				return FALSE;
			g_free(q->language);
			q->language = g_steal_pointer(&v);
		} else if (strcmp(*k, "retention-days") == 0) {
			guint64 days;

			if (!g_ascii_string_to_unsigned(v, 10, 0, 36500, &days,
			    NULL)) {
				g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
				    "[%s] retention-days: \"%s\" is not a "
				    "whole number from 0 to 36500", group, v);
				return FALSE;
			}
			q->retention_days = (gint)days;
		} else if (strcmp(*k, "agents") == 0) {
			g_auto(GStrv) list = g_strsplit_set(v, ";, ", -1);
			GPtrArray *agents = g_ptr_array_new();

			for (char **a = list; *a != NULL; a++) {
				if ((*a)[0] == '\0')
					continue;
				if (!valid_address(*a)) {
					g_ptr_array_free(agents, TRUE);
					g_set_error(error, MD_ERROR,
					    MD_ERROR_CONFIG, "[%s] agents: "
					    "\"%s\" is not a mail address",
					    group, *a);
					return FALSE;
				}
				g_ptr_array_add(agents, g_ascii_strdown(*a,
				    -1));
			}
			g_ptr_array_add(agents, NULL);
			g_strfreev(q->agents);
			q->agents = (char **)g_ptr_array_free(agents, FALSE);
		} else
			md_warn("config: unknown key [%s] %s", group, *k);
	}
	return TRUE;
}

static const MdAddress *find_address(const MdConfig *config,
    const char *address);

/*
 * "[addresses] ADDRESS = QUEUE".  GKeyFile keys are case-sensitive, our
 * addresses are not: the same address written twice must not name two
 * queues, as only the first would ever be used.
 */
static gboolean
add_address(MdConfig *config, const char *address, const char *queue,
    GError **error)
{
	g_autofree char *lower = g_ascii_strdown(address, -1);
	const MdAddress *seen = find_address(config, lower);
	MdAddress *a;

	if (!check_queue_name("[addresses]", queue, error))
		return FALSE;
	if (seen != NULL && strcmp(seen->queue, queue) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG, "[addresses] %s "
		    "is given twice (letter case does not count), for queues "
		    "%s and %s", lower, seen->queue, queue);
		return FALSE;
	}
	if (seen != NULL)
		return TRUE;
	a = g_new0(MdAddress, 1);
	a->address = g_steal_pointer(&lower);
	a->queue = g_strdup(queue);
	g_ptr_array_add(config->addresses, a);
	return TRUE;
}

static gboolean
load_file(MdConfig *config, GKeyFile *kf, GError **error)
{
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

	for (char **g = groups; *g != NULL; g++) {
		g_auto(GStrv) names = g_key_file_get_keys(kf, *g, NULL, NULL);
		gboolean is_addresses = strcmp(*g, "addresses") == 0;

		if (g_str_has_prefix(*g, "queue ")) {
			if (!load_queue(config, kf, *g, error))
				return FALSE;
			continue;
		}

		for (char **n = names; n != NULL && *n != NULL; n++) {
			g_autofree char *v = g_key_file_get_value(kf, *g, *n,
			    NULL);
			const KeySpec *k;

			if (is_addresses) {
				if (!valid_address(*n)) {
					g_set_error(error, MD_ERROR,
					    MD_ERROR_CONFIG,
					    "[addresses] \"%s\" is not a mail "
					    "address", *n);
					return FALSE;
				}
				g_strstrip(v);
				if (!add_address(config, *n, v, error))
					return FALSE;
				continue;
			}
			k = find_key(*g, *n);
			if (k == NULL) {
				md_warn("config: unknown key [%s] %s", *g, *n);
				continue;
			}
			if (!set_value(config, k, v, error))
				return FALSE;
		}
	}
	return TRUE;
}

/*
 * [tickets] queue-order, then the queues of [addresses] in the order the
 * file lists them: which queue a new mail to several of ours goes to.
 */
static gboolean
rank_queues(MdConfig *config, GError **error)
{
	g_auto(GStrv) listed = g_strsplit_set(config->queue_order, ";, ",
	    -1);
	GPtrArray *rank = g_ptr_array_new();

	for (char **q = listed; *q != NULL; q++) {
		if ((*q)[0] == '\0')
			continue;
		if (!md_config_has_queue(config, *q)) {
			g_ptr_array_free(rank, TRUE);
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "[tickets] queue-order: \"%s\" is no queue", *q);
			return FALSE;
		}
		g_ptr_array_add(rank, g_strdup(*q));
	}
	for (guint i = 0; i < config->addresses->len; i++) {
		MdAddress *a = g_ptr_array_index(config->addresses, i);
		gboolean seen = FALSE;

		for (guint j = 0; j < rank->len && !seen; j++)
			seen = strcmp(g_ptr_array_index(rank, j), a->queue) == 0;
		if (!seen)
			g_ptr_array_add(rank, g_strdup(a->queue));
	}
	g_ptr_array_add(rank, NULL);
	g_strfreev(config->queue_rank);
	config->queue_rank = (char **)g_ptr_array_free(rank, FALSE);
	return TRUE;
}

guint
md_config_queue_rank(const MdConfig *config, const char *queue)
{
	guint i;

	for (i = 0; config->queue_rank != NULL && config->queue_rank[i]; i++)
		if (g_strcmp0(config->queue_rank[i], queue) == 0)
			return i;
	return i;
}

/* Checks that span keys, after everything is read. */
static gboolean
validate(MdConfig *config, GError **error)
{
	const char *tls = config->smtp_starttls;

	if (strcmp(tls, "no") != 0 && strcmp(tls, "try") != 0 &&
	    strcmp(tls, "required") != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
		    "[smtp] starttls: \"%s\" is not no, try or required", tls);
		return FALSE;
	}
	if (!check_language("templates", config->language, error) ||
	    !check_queue_name("[tickets] default-queue",
	    config->default_queue, error))
		return FALSE;
	{
		g_auto(GStrv) list = g_strsplit_set(config->form_senders,
		    ";, \t", -1);

		for (char **f = list; *f != NULL; f++)
			if ((*f)[0] != '\0' && !valid_address(*f)) {
				g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
				    "[forms] senders: \"%s\" is not a mail "
				    "address", *f);
				return FALSE;
			}
	}
	for (guint i = 0; i < config->queues->len; i++) {
		MdQueue *q = g_ptr_array_index(config->queues, i);

		if (q->language == NULL)
			q->language = g_strdup(config->language);
		if (q->agents == NULL)
			q->agents = g_new0(char *, 1);
	}
	if (!rank_queues(config, error))
		return FALSE;
	if (config->retry_max_s < config->retry_base_s) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
		    "[outbox] retry-max-seconds is below retry-base-seconds");
		return FALSE;
	}
	return TRUE;
}

MdConfig *
md_config_load(const char *path, GError **error)
{
	g_autoptr(MdConfig) config = g_new0(MdConfig, 1);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) e = NULL;
	gboolean explicit = TRUE;

	config->addresses = g_ptr_array_new_with_free_func(address_free);
	config->queues = g_ptr_array_new_with_free_func(queue_free);
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		if (!set_value(config, &keys[i], keys[i].def, error))
			return NULL;

	if (path == NULL)
		path = g_getenv("MAILDESK_CONFIG");
	if (path == NULL || path[0] == '\0') {
		path = MAILDESK_DEFAULT_CONFIG;
		explicit = FALSE;
	}
	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &e)) {
		if (!explicit && g_error_matches(e, G_FILE_ERROR,
		    G_FILE_ERROR_NOENT))
			return g_steal_pointer(&config);
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
		    "config %s: %s", path, e->message);
		return NULL;
	}
	config->source = g_strdup(path);
	if (!load_file(config, kf, error) || !validate(config, error)) {
		g_prefix_error(error, "config %s: ", path);
		return NULL;
	}
	return g_steal_pointer(&config);
}

static const MdAddress *
find_address(const MdConfig *config, const char *address)
{
	for (guint i = 0; i < config->addresses->len; i++) {
		MdAddress *a = g_ptr_array_index(config->addresses, i);

		if (strcmp(a->address, address) == 0)
			return a;
	}
	return NULL;
}

/*
 * Our address that @address is: the exact address first, as Postfix
 * does, then without its extension.  With several delimiters the longest
 * base wins, so support-team+42@ finds support-team@ before support@.
 */
static const MdAddress *
lookup(const MdConfig *config, const char *address)
{
	g_autofree char *lower = NULL;
	const char *d = config->recipient_delimiter;
	const MdAddress *found;
	char *at;

	if (address == NULL)
		return NULL;
	lower = g_ascii_strdown(address, -1);
	if ((found = find_address(config, lower)) != NULL)
		return found;
	at = strrchr(lower, '@');
	if (at == NULL || d == NULL || d[0] == '\0')
		return NULL;
	for (char *p = at - 1; p > lower; p--) {
		g_autofree char *local = NULL, *base = NULL;

		if (strchr(d, *p) == NULL)
			continue;
		local = g_strndup(lower, p - lower);
		base = g_strconcat(local, at, NULL);
		if ((found = find_address(config, base)) != NULL)
			return found;
	}
	return NULL;
}

const char *
md_config_queue_for(const MdConfig *config, const char *address)
{
	const MdAddress *a = lookup(config, address);

	return a ? a->queue : NULL;
}

const char *
md_config_our_address(const MdConfig *config, const char *address)
{
	const MdAddress *a = lookup(config, address);

	return a ? a->address : NULL;
}

const MdQueue *
md_config_queue(const MdConfig *config, const char *name)
{
	static const char *const none[] = { NULL };
	static MdQueue defaults = { NULL, NULL, (char **)none, -1 };

	for (guint i = 0; i < config->queues->len; i++) {
		MdQueue *q = g_ptr_array_index(config->queues, i);

		if (g_strcmp0(q->name, name) == 0)
			return q;
	}
	defaults.language = config->language;
	return &defaults;
}

const char *
md_config_address_of(const MdConfig *config, const char *queue)
{
	for (guint i = 0; i < config->addresses->len; i++) {
		MdAddress *a = g_ptr_array_index(config->addresses, i);

		if (g_strcmp0(a->queue, queue) == 0)
			return a->address;
	}
	return NULL;
}

gboolean
md_config_is_agent(const MdConfig *config, const char *queue,
    const char *address)
{
	const MdQueue *q = md_config_queue(config, queue);
	g_autofree char *lower = NULL;

	if (address == NULL)
		return FALSE;
	lower = g_ascii_strdown(address, -1);
	for (char **a = q->agents; a != NULL && *a != NULL; a++)
		if (strcmp(*a, lower) == 0)
			return TRUE;
	return FALSE;
}

guint
md_config_retention_days(const MdConfig *config, const char *queue)
{
	const MdQueue *q = md_config_queue(config, queue);

	return q->name != NULL && q->retention_days >= 0 ?
	    (guint)q->retention_days : config->retention_days;
}

char
md_config_reply_delimiter(const MdConfig *config)
{
	return config->recipient_delimiter[0] ? config->recipient_delimiter[0] :
	    '+';
}

gboolean
md_config_is_form_sender(const MdConfig *config, const char *address)
{
	g_auto(GStrv) list = NULL;

	if (address == NULL || config->form_senders[0] == '\0')
		return FALSE;
	list = g_strsplit_set(config->form_senders, ";, ", -1);
	for (char **s = list; *s != NULL; s++)
		if ((*s)[0] != '\0' && g_ascii_strcasecmp(*s, address) == 0)
			return TRUE;
	return FALSE;
}

gboolean
md_config_has_queue(const MdConfig *config, const char *name)
{
	if (name == NULL)
		return FALSE;
	for (guint i = 0; i < config->addresses->len; i++) {
		MdAddress *a = g_ptr_array_index(config->addresses, i);

		if (strcmp(a->queue, name) == 0)
			return TRUE;
	}
	for (guint i = 0; i < config->queues->len; i++) {
		MdQueue *q = g_ptr_array_index(config->queues, i);

		if (strcmp(q->name, name) == 0)
			return TRUE;
	}
	return strcmp(config->default_queue, name) == 0;
}

char *
md_config_queue_names(const MdConfig *config)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new();

	for (guint i = 0; i < config->addresses->len; i++)
		g_ptr_array_add(names, ((MdAddress *)g_ptr_array_index(
		    config->addresses, i))->queue);
	for (guint i = 0; i < config->queues->len; i++)
		g_ptr_array_add(names, ((MdQueue *)g_ptr_array_index(
		    config->queues, i))->name);
	g_ptr_array_add(names, config->default_queue);
	{
		GString *s = g_string_new(NULL);

		for (guint i = 0; i < names->len; i++) {
			gboolean again = FALSE;

			for (guint j = 0; j < i && !again; j++)
				again = strcmp(g_ptr_array_index(names, j),
				    g_ptr_array_index(names, i)) == 0;
			if (!again)
				g_string_append_printf(s, "%s%s", s->len ?
				    ", " : "", (char *)g_ptr_array_index(
				    names, i));
		}
		return g_string_free(s, FALSE);
	}
}

gboolean
md_config_is_ours(const MdConfig *config, const char *address)
{
	return md_config_queue_for(config, address) != NULL;
}

static void
dump_value(GString *s, const MdConfig *config, const KeySpec *k)
{
	const char *field = (const char *)config + k->offset;

	g_string_append_printf(s, "%s = ", k->key);
	if (k->type == KEY_STRING)
		g_string_append(s, *(char *const *)field);
	else if (k->type == KEY_BOOL)
		g_string_append(s, *(const gboolean *)field ? "true" : "false");
	else if (k->max <= G_MAXUINT)
		g_string_append_printf(s, "%u", *(const guint *)field);
	else
		g_string_append_printf(s, "%" G_GUINT64_FORMAT,
		    *(const guint64 *)field);
	g_string_append_c(s, '\n');
}

char *
md_config_dump(const MdConfig *config)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "# from %s\n",
	    config->source ? config->source : "built-in defaults");
	/*
	 * Each group once, in the order the table first names it, with all
	 * its keys: the table is ordered by when keys came, not by group.
	 */
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		gboolean seen = FALSE;

		for (gsize j = 0; j < i && !seen; j++)
			seen = strcmp(keys[j].group, keys[i].group) == 0;
		if (seen)
			continue;
		g_string_append_printf(s, "[%s]\n", keys[i].group);
		for (gsize j = i; j < G_N_ELEMENTS(keys); j++)
			if (strcmp(keys[j].group, keys[i].group) == 0)
				dump_value(s, config, &keys[j]);
	}
	g_string_append(s, "[addresses]\n");
	for (guint i = 0; i < config->addresses->len; i++) {
		MdAddress *a = g_ptr_array_index(config->addresses, i);

		g_string_append_printf(s, "%s = %s\n", a->address, a->queue);
	}
	for (guint i = 0; i < config->queues->len; i++) {
		MdQueue *q = g_ptr_array_index(config->queues, i);
		g_autofree char *agents = g_strjoinv(";", q->agents);

		g_string_append_printf(s, "[queue %s]\nlanguage = %s\n"
		    "agents = %s\n", q->name, q->language, agents);
		if (q->retention_days >= 0)
			g_string_append_printf(s, "retention-days = %d\n",
			    q->retention_days);
	}
	return g_string_free(s, FALSE);
}

void
md_config_check(const MdConfig *config, GPtrArray *problems)
{
	const char *dir = config->template_dir;

	/*
	 * The loader checks what the file says; this checks what it points
	 * at.  The English and German templates are compiled in, so a
	 * template the directory lacks is no problem, and neither is the
	 * default directory missing (a binary run from its build tree).  A
	 * directory named in the file that is not there is a typo.
	 */
	if (strcmp(dir, MAILDESK_TEMPLATEDIR) == 0 &&
	    !g_file_test(dir, G_FILE_TEST_EXISTS))
		return;
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_ptr_array_add(problems, g_strdup_printf("[templates] dir: "
		    "%s is not a directory", dir));
		return;
	}
	if (access(dir, R_OK | X_OK) != 0)
		g_ptr_array_add(problems, g_strdup_printf("[templates] dir: "
		    "%s: %s", dir, g_strerror(errno)));
}
