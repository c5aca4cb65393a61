/* SPDX-License-Identifier: MIT */
/*
 * The immutable, validated configuration.  config.c holds the one key table;
 * nothing else reads the GKeyFile.
 */
#pragma once
#include <glib.h>

typedef struct {
	char *address;	/* owned, lower-cased */
	char *queue;	/* owned */
} MdAddress;

typedef struct {
	char *name;		/* owned */
	char *language;		/* owned: template language, "en", "de" */
	char **agents;		/* owned, lower-cased addresses */
	gint retention_days;	/* -1: the [tickets] default */
} MdQueue;

typedef struct {
	char *source;		/* owned; file read, or NULL for defaults */
	char *store_path;	/* owned */
	guint64 map_size_bytes;
	GPtrArray *addresses;	/* owned, of MdAddress */
	char *tag;		/* owned, e.g. "Ticket#" */
	guint reopen_days;
	char *default_queue;	/* owned */
	guint64 max_size_bytes;
	guint time_limit_s;
	char *recipient_delimiter;	/* owned, may be empty */
	char *x_loop;		/* owned; empty: derived (loop.c) */
	gboolean syslog;
	gboolean allow_root;	/* deliver may run as root */
	char *smtp_host;	/* owned */
	guint smtp_port;
	guint smtp_timeout_s;
	char *smtp_starttls;	/* owned: no, try or required */
	char *smtp_user;	/* owned, may be empty */
	char *smtp_password_file;	/* owned, may be empty */
	char *smtp_helo;	/* owned, may be empty: the host name */
	guint retry_base_s;
	guint retry_max_s;
	guint give_up_hours;
	guint lease_s;
	guint deliver_flush_s;	/* budget of deliver's one try after commit */
	gboolean ack_enabled;
	guint ack_per_hour;
	guint ack_per_day;
	char *template_dir;	/* owned */
	char *language;		/* owned: default template language */
	GPtrArray *queues;	/* owned, of MdQueue */
	char *authserv_id;	/* owned, may be empty: trust no A-R header */
	char *form_senders;	/* owned: contact-form senders, ";"-separated */
	guint retention_days;	/* 0: keep closed tickets for ever */
	guint search_mail_results;	/* 0: no search by mail */
	guint token_days;	/* a signed reply address counts this long */
	char *queue_order;	/* owned: [tickets] queue-order as written */
	char **queue_rank;	/* owned: queue-order, then [addresses] */
	guint ack_domain_per_hour;
	guint ack_domain_per_day;
	guint relays_per_hour;	/* agent answers relayed per ticket */
	guint reports_per_hour;	/* "kept as a note" reports per agent */
	char *backup_encrypt_to;	/* owned, may be empty: OpenPGP keys,
					 * ";"-separated */
	char *backup_gnupg_home;	/* owned, may be empty: GNUPGHOME */
	char *backup_ledger_copy;	/* owned, may be empty: a file the
					 * erasure ledger is copied to after
					 * each erase, expire and backup */
	char *lmtp_listen;	/* owned: unix:PATH, inet:HOST:PORT, ... */
	char *lmtp_clients;	/* owned: addresses allowed over TCP */
	guint lmtp_workers;	/* 0: one per CPU */
	guint lmtp_max_connections;
	guint lmtp_timeout_s;
} MdConfig;

/*
 * Loads @path, or $MAILDESK_CONFIG, or the default file.  A missing default
 * file gives built-in defaults; an explicit file that cannot be read, or a
 * malformed value, sets MD_ERROR_CONFIG.  Unknown keys are warned about.
 */
MdConfig *md_config_load(const char *path, GError **error);
void md_config_free(MdConfig *config);

/* The queue fed by our address @address (any case), or NULL. */
const char *md_config_queue_for(const MdConfig *config, const char *address);

/* Our configured address that @address (any case, any extension) is,
 * or NULL (borrowed). */
const char *md_config_our_address(const MdConfig *config,
    const char *address);

/* The settings of queue @name: configured, or the defaults (borrowed). */
const MdQueue *md_config_queue(const MdConfig *config, const char *name);

/* Our address that feeds @queue, the first configured, or NULL. */
const char *md_config_address_of(const MdConfig *config, const char *queue);

/* TRUE if @address is an agent of @queue. */
gboolean md_config_is_agent(const MdConfig *config, const char *queue,
    const char *address);

/* Days closed tickets of @queue are kept; 0: for ever. */
guint md_config_retention_days(const MdConfig *config, const char *queue);

/* The delimiter our signed reply addresses use: the first configured. */
char md_config_reply_delimiter(const MdConfig *config);

/* TRUE if @address is a configured contact-form sender. */
gboolean md_config_is_form_sender(const MdConfig *config, const char *address);

/* TRUE if @address (any case, extension allowed) is one of ours. */
gboolean md_config_is_ours(const MdConfig *config, const char *address);

/* TRUE if @name is a queue the config names (an address's, a [queue]
 * group's or the default queue). */
gboolean md_config_has_queue(const MdConfig *config, const char *name);

/* The queue names the config knows, ", "-separated (transfer full). */
char *md_config_queue_names(const MdConfig *config);

/* TRUE if @name can be a queue's name: 1 to 64 of A-Z a-z 0-9 . _ - */
gboolean md_config_valid_queue_name(const char *name);

/*
 * Where @queue stands when a new mail reaches several of our addresses:
 * lower wins ([tickets] queue-order, then [addresses] order).
 */
guint md_config_queue_rank(const MdConfig *config, const char *queue);

/*
 * Every effective value as GKeyFile text, each group once (transfer
 * full).
 */
char *md_config_dump(const MdConfig *config);

/*
 * Checks what the loaded config points at (the templates directory and
 * its English templates); appends one line per problem to @problems (of
 * char *, owned by the array).  Reads the file system; no store.
 */
void md_config_check(const MdConfig *config, GPtrArray *problems);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdConfig, md_config_free)
