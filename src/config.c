/* SPDX-License-Identifier: MIT */
/*
 * Configuration: one table gives group, key, type, default and bounds for
 * every scalar key.  A present but malformed value is an error, never a
 * silent default; unknown keys are warned about so typos show.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "maildesk/config.h"
#include "maildesk/error.h"
#include "maildesk/language.h"
#include "maildesk/log.h"

typedef enum { KEY_STRING, KEY_UINT, KEY_BOOL, KEY_DURATION } KeyType;

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
	{ "digest", "max-tickets", KEY_UINT, "50", 1, 100000,
	  OFF(digest_max_tickets) },
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
	{ "sla", "first-response", KEY_DURATION, "", 0, 0,
	  OFF(sla_s[MD_SLA_FIRST_RESPONSE]) },
	{ "sla", "next-update", KEY_DURATION, "", 0, 0,
	  OFF(sla_s[MD_SLA_NEXT_UPDATE]) },
	{ "sla", "solution", KEY_DURATION, "", 0, 0,
	  OFF(sla_s[MD_SLA_SOLUTION]) },
	{ "sla", "warning-percent", KEY_UINT, "80", 1, 99,
	  OFF(sla_warning_percent) },
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

static const char *const sla_keys[MD_SLA_N_TARGETS] = {
	"first-response", "next-update", "solution"
};

/*
 * A service-level target: "4h", "90m", "1h30m"; "" or "0" is none.  A
 * bare number is refused, as hours and minutes are both usual.
 */
static gboolean
parse_duration(const char *where, const char *value, gint64 *seconds,
    GError **error)
{
	const char *p = value;
	gint64 total = 0;
	gboolean hours_seen = FALSE;

	if (value[0] == '\0' || strcmp(value, "0") == 0) {
		*seconds = 0;
		return TRUE;
	}
	while (*p != '\0') {
		guint64 n = 0;
		const char *digits = p;

		while (g_ascii_isdigit(*p) && n < 1000000)
			n = n * 10 + (guint64)(*p++ - '0');
		if (p == digits || n >= 1000000 || (*p != 'h' && *p != 'm') ||
		    (*p == 'h' && (hours_seen || total > 0)))
			goto bad;
		hours_seen = hours_seen || *p == 'h';
		total += (gint64)n * (*p == 'h' ? 3600 : 60);
		if (*p++ == 'm' && *p != '\0')
			goto bad;
	}
	*seconds = total;
	return TRUE;
bad:
	g_set_error(error, MD_ERROR, MD_ERROR_CONFIG, "%s: \"%s\" is not a "
	    "time like 4h, 90m or 1h30m", where, value);
	return FALSE;
}

static void
queue_free(gpointer p)
{
	MdQueue *q = p;

	g_free(q->name);
	g_free(q->language);
	g_strfreev(q->agents);
	g_free(q->calendar);
	g_free(q->escalate_to);
	g_free(q);
}

static void
calendar_spec_free(gpointer p)
{
	MdCalendarSpec *c = p;

	g_free(c->name);
	g_free(c->time_zone);
	g_clear_pointer(&c->hours, g_array_unref);
	g_strfreev(c->holidays);
	g_free(c->holidays_file);
	g_free(c);
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
	g_clear_pointer(&config->calendars, g_ptr_array_unref);
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
	case KEY_DURATION: {
		g_autofree char *where = g_strdup_printf("[%s] %s", k->group,
		    k->key);

		return parse_duration(where, value, (gint64 *)field, error);
	}
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

/*
 * The service-level keys of a "[queue NAME]" group: 1 if @key is one and
 * was taken, 0 if it is none of them, -1 (and @error) if malformed.
 */
static int
load_queue_sla(MdQueue *q, const char *group, const char *key,
    const char *value, GError **error)
{
	g_autofree char *where = g_strdup_printf("[%s] %s", group, key);

	for (guint t = 0; t < MD_SLA_N_TARGETS; t++)
		if (strcmp(key, sla_keys[t]) == 0)
			return parse_duration(where, value, &q->sla_s[t],
			    error) ? 1 : -1;
	if (strcmp(key, "calendar") == 0) {
		g_free(q->calendar);
		q->calendar = g_strdup(value);
		return 1;
	}
	if (strcmp(key, "escalate-to") == 0) {
		if (value[0] != '\0' && !valid_address(value)) {
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG, "%s: "
			    "\"%s\" is not a mail address", where, value);
			return -1;
		}
		g_free(q->escalate_to);
		q->escalate_to = value[0] ? g_ascii_strdown(value, -1) : NULL;
		return 1;
	}
	return 0;
}

static const char *const day_names[] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun"
};

static int
day_index(const char *name)
{
	for (int i = 0; i < 7; i++)
		if (g_ascii_strcasecmp(name, day_names[i]) == 0)
			return i;
	return -1;
}

/* "mon-fri", "mon;tue;thu", "sun-thu" (a range may wrap the week). */
static gboolean
parse_days(const char *where, const char *value, guint *mask,
    GError **error)
{
	g_auto(GStrv) parts = g_strsplit_set(value, ";, ", -1);

	*mask = 0;
	for (char **p = parts; *p != NULL; p++) {
		g_auto(GStrv) ends = NULL;
		int a, b;

		if ((*p)[0] == '\0')
			continue;
		ends = g_strsplit(*p, "-", 2);
		a = day_index(ends[0]);
		b = ends[1] != NULL ? day_index(ends[1]) : a;
		if (a < 0 || b < 0) {
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG, "%s: "
			    "\"%s\" is not a day like mon or a range like "
			    "mon-fri", where, *p);
			return FALSE;
		}
		for (int d = a;; d = (d + 1) % 7) {
			*mask |= 1u << d;
			if (d == b)
				break;
		}
	}
	return TRUE;
}

static gboolean
parse_clock(const char *s, guint *minutes)
{
	guint h, m;
	char tail;

	if (sscanf(s, "%2u:%2u%c", &h, &m, &tail) != 2 || strlen(s) != 5 ||
	    m > 59 || h > 24 || (h == 24 && m != 0))
		return FALSE;
	*minutes = h * 60 + m;
	return TRUE;
}

static gint
compare_guint(gconstpointer a, gconstpointer b)
{
	guint x = *(const guint *)a, y = *(const guint *)b;

	return x < y ? -1 : x > y;
}

/* "09:00-17:00", or several: "08:00-12:00;13:00-17:00". */
static gboolean
parse_hours(const char *where, const char *value, GArray **out,
    GError **error)
{
	g_auto(GStrv) parts = g_strsplit_set(value, ";, ", -1);
	g_autoptr(GArray) pairs = g_array_new(FALSE, FALSE, sizeof(guint[2]));

	for (char **p = parts; *p != NULL; p++) {
		g_auto(GStrv) ends = NULL;
		guint r[2];

		if ((*p)[0] == '\0')
			continue;
		ends = g_strsplit(*p, "-", 2);
		if (ends[1] == NULL || !parse_clock(ends[0], &r[0]) ||
		    !parse_clock(ends[1], &r[1]) || r[1] <= r[0]) {
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG, "%s: "
			    "\"%s\" is not a range like 09:00-17:00", where,
			    *p);
			return FALSE;
		}
		g_array_append_val(pairs, r);
	}
	g_array_sort(pairs, compare_guint);
	for (guint i = 1; i < pairs->len; i++)
		if (g_array_index(pairs, guint, 2 * i) <
		    g_array_index(pairs, guint, 2 * i - 1)) {
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG, "%s: "
			    "ranges overlap", where);
			return FALSE;
		}
	g_clear_pointer(out, g_array_unref);
	*out = g_array_sized_new(FALSE, FALSE, sizeof(guint), pairs->len * 2);
	g_array_append_vals(*out, pairs->data, pairs->len * 2);
	return TRUE;
}

/* "2026-12-24" once, or "12-25" every year. */
static gboolean
valid_holiday(const char *s)
{
	guint y = 2000, m, d;
	char tail;

	if (strlen(s) == 10) {
		if (sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3)
			return FALSE;
	} else if (strlen(s) != 5 || sscanf(s, "%2u-%2u%c", &m, &d,
	    &tail) != 2)
		return FALSE;
	return g_date_valid_dmy(d, m, y);
}

static MdCalendarSpec *
calendar_spec_new(const char *name)
{
	MdCalendarSpec *c = g_new0(MdCalendarSpec, 1);
	guint nine_to_five[2] = { 9 * 60, 17 * 60 };

	c->name = g_strdup(name);
	c->time_zone = g_strdup("");
	c->working_days = 0x1f;
	c->hours = g_array_new(FALSE, FALSE, sizeof(guint));
	g_array_append_vals(c->hours, nine_to_five, 2);
	c->holidays = g_new0(char *, 1);
	c->holidays_file = g_strdup("");
	return c;
}

/* "[calendar]" or "[calendar NAME]". */
static gboolean
load_calendar(MdConfig *config, GKeyFile *kf, const char *group,
    GError **error)
{
	g_auto(GStrv) keys_of = g_key_file_get_keys(kf, group, NULL, NULL);
	MdCalendarSpec *c;

	if (strcmp(group, "calendar") == 0)
		c = g_ptr_array_index(config->calendars, 0);
	else {
		g_autofree char *name = g_strstrip(g_strdup(group + 9));

		if (md_config_calendar(config, name) != NULL ||
		    !md_config_valid_queue_name(name)) {
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG, "[%s]: "
			    "calendar name given twice or not 1 to 64 "
			    "letters, digits, '.', '_' or '-'", group);
			return FALSE;
		}
		c = calendar_spec_new(name);
		g_ptr_array_add(config->calendars, c);
	}
	for (char **k = keys_of; k != NULL && *k != NULL; k++) {
		g_autofree char *v = g_key_file_get_value(kf, group, *k, NULL);
		g_autofree char *where = g_strdup_printf("[%s] %s", group, *k);

		g_strstrip(v);
		if (strcmp(*k, "time-zone") == 0) {
			g_free(c->time_zone);
			c->time_zone = g_steal_pointer(&v);
		} else if (strcmp(*k, "working-days") == 0) {
			if (!parse_days(where, v, &c->working_days, error))
				return FALSE;
		} else if (strcmp(*k, "working-hours") == 0) {
			if (!parse_hours(where, v, &c->hours, error))
				return FALSE;
		} else if (strcmp(*k, "holidays") == 0) {
			g_auto(GStrv) list = g_strsplit_set(v, ";, ", -1);
			GPtrArray *days = g_ptr_array_new();

			for (char **d = list; *d != NULL; d++) {
				if ((*d)[0] == '\0')
					continue;
				if (!valid_holiday(*d)) {
					g_ptr_array_free(days, TRUE);
					g_set_error(error, MD_ERROR,
					    MD_ERROR_CONFIG, "%s: \"%s\" is "
					    "not a date like 2026-12-24 or "
					    "12-25", where, *d);
					return FALSE;
				}
				g_ptr_array_add(days, g_strdup(*d));
			}
			g_ptr_array_add(days, NULL);
			g_strfreev(c->holidays);
			c->holidays = (char **)g_ptr_array_free(days, FALSE);
		} else if (strcmp(*k, "holidays-file") == 0) {
			g_free(c->holidays_file);
			c->holidays_file = g_steal_pointer(&v);
		} else
			md_warn("config: unknown key [%s] %s", group, *k);
	}
	return TRUE;
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
	for (guint t = 0; t < MD_SLA_N_TARGETS; t++)
		q->sla_s[t] = -1;
	g_ptr_array_add(config->queues, q);
	for (char **k = keys_of; k != NULL && *k != NULL; k++) {
		g_autofree char *v = g_key_file_get_value(kf, group, *k, NULL);
		int taken;

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
		} else if ((taken = load_queue_sla(q, group, *k, v,
		    error)) != 0) {
			if (taken < 0)
				return FALSE;
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

		if (strcmp(*g, "calendar") == 0 ||
		    g_str_has_prefix(*g, "calendar ")) {
			if (!load_calendar(config, kf, *g, error))
				return FALSE;
			continue;
		}
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
		if (q->calendar != NULL &&
		    md_config_calendar(config, q->calendar) == NULL) {
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "[queue %s] calendar: there is no [calendar %s]",
			    q->name, q->calendar);
			return FALSE;
		}
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
	config->calendars = g_ptr_array_new_with_free_func(
	    calendar_spec_free);
	g_ptr_array_add(config->calendars, calendar_spec_new(NULL));
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
	static MdQueue defaults = { NULL, NULL, (char **)none, -1,
	    { -1, -1, -1 }, NULL, NULL };

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
append_duration(GString *s, gint64 seconds)
{
	if (seconds == 0)
		g_string_append_c(s, '0');
	else if (seconds % 3600 == 0)
		g_string_append_printf(s, "%" G_GINT64_FORMAT "h",
		    seconds / 3600);
	else
		g_string_append_printf(s, "%" G_GINT64_FORMAT "m",
		    seconds / 60);
}

static void
dump_calendar(GString *s, const MdCalendarSpec *c)
{
	g_autofree char *holidays = g_strjoinv(";", c->holidays);
	const char *sep = "";

	if (c->name != NULL)
		g_string_append_printf(s, "[calendar %s]\n", c->name);
	else
		g_string_append(s, "[calendar]\n");
	g_string_append_printf(s, "time-zone = %s\nworking-days = ",
	    c->time_zone);
	for (int d = 0; d < 7; d++)
		if (c->working_days & (1u << d)) {
			g_string_append_printf(s, "%s%s", sep, day_names[d]);
			sep = ";";
		}
	g_string_append(s, "\nworking-hours = ");
	for (guint i = 0; i + 1 < c->hours->len; i += 2) {
		guint a = g_array_index(c->hours, guint, i);
		guint b = g_array_index(c->hours, guint, i + 1);

		g_string_append_printf(s, "%s%02u:%02u-%02u:%02u",
		    i ? ";" : "", a / 60, a % 60, b / 60, b % 60);
	}
	g_string_append_printf(s, "\nholidays = %s\nholidays-file = %s\n",
	    holidays, c->holidays_file);
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
	else if (k->type == KEY_DURATION)
		append_duration(s, *(const gint64 *)field);
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
		for (guint t = 0; t < MD_SLA_N_TARGETS; t++)
			if (q->sla_s[t] >= 0) {
				g_string_append_printf(s, "%s = ",
				    sla_keys[t]);
				append_duration(s, q->sla_s[t]);
				g_string_append_c(s, '\n');
			}
		if (q->calendar != NULL)
			g_string_append_printf(s, "calendar = %s\n",
			    q->calendar);
		if (q->escalate_to != NULL)
			g_string_append_printf(s, "escalate-to = %s\n",
			    q->escalate_to);
	}
	for (guint i = 0; i < config->calendars->len; i++)
		dump_calendar(s, g_ptr_array_index(config->calendars, i));
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

const MdCalendarSpec *
md_config_calendar(const MdConfig *config, const char *name)
{
	for (guint i = 0; i < config->calendars->len; i++) {
		const MdCalendarSpec *c = g_ptr_array_index(config->calendars,
		    i);

		if (g_strcmp0(c->name, name) == 0)
			return c;
	}
	return NULL;
}

gint64
md_config_sla_seconds(const MdConfig *config, const char *queue,
    MdSlaTarget target)
{
	const MdQueue *q = md_config_queue(config, queue);

	g_return_val_if_fail(target < MD_SLA_N_TARGETS, 0);
	return q->sla_s[target] >= 0 ? q->sla_s[target] :
	    config->sla_s[target];
}

gboolean
md_config_has_sla(const MdConfig *config)
{
	for (guint t = 0; t < MD_SLA_N_TARGETS; t++) {
		if (config->sla_s[t] > 0)
			return TRUE;
		for (guint i = 0; i < config->queues->len; i++)
			if (((MdQueue *)g_ptr_array_index(config->queues,
			    i))->sla_s[t] > 0)
				return TRUE;
	}
	return FALSE;
}
