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
	char *x_loop;		/* owned */
	gboolean syslog;
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

/* TRUE if @address (any case, extension allowed) is one of ours. */
gboolean md_config_is_ours(const MdConfig *config, const char *address);

/* Writes every effective value as a GKeyFile text to @out. */
char *md_config_dump(const MdConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdConfig, md_config_free)
