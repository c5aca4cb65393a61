/* SPDX-License-Identifier: MIT */
/*
 * The MD_ERROR domain and the one place that turns an error into an exit
 * status.  In deliver mode every failure maps to EX_TEMPFAIL so that the MTA
 * keeps the message; see maildesk(8), EXIT STATUS.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

#define MD_ERROR (md_error_quark())

typedef enum {
	MD_ERROR_TEMPFAIL,	/* store busy/full, I/O, watchdog: try again */
	MD_ERROR_CONFIG,	/* config missing or malformed */
	MD_ERROR_REJECT,	/* deliberate, documented refusal (size) */
	MD_ERROR_NOT_FOUND,	/* ticket, customer or message unknown */
	MD_ERROR_USAGE,		/* bad arguments */
	MD_ERROR_INTERNAL,	/* a bug or an unclassified failure */
	MD_ERROR_CORRUPT,	/* the store contradicts itself */
	MD_ERROR_CANTCREAT,	/* a file a person asked for cannot be made */
} MdErrorCode;

typedef enum {
	MD_MODE_ADMIN,
	MD_MODE_DELIVER,
} MdExitMode;

GQuark md_error_quark(void);

/* Exit status for @error (NULL means success) in @mode. */
int md_exit_status(const GError *error, MdExitMode mode);

G_END_DECLS
