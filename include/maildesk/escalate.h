/* SPDX-License-Identifier: MIT */
/*
 * Escalation: the warnings and escalations of service levels, and the
 * pending dates that have come.  Works through the due index only, so
 * its cost follows the tickets that are due, not the store's size.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/store.h"

typedef struct {
	guint looked;		/* due index entries looked at */
	guint warnings;		/* targets warned about */
	guint escalations;	/* targets escalated */
	guint reminders;	/* pending tickets opened again */
	guint closed;		/* pending-close tickets closed */
	guint mails;		/* mails queued */
	GArray *outbox_ids;	/* owned, of guint64: what was queued */
} MdEscalateReport;

void md_escalate_report_clear(MdEscalateReport *r);

/*
 * Does what is due at @now: each ticket's decision, its mails (through
 * the outbox) and its index entries in the same write transaction, so
 * that two runs at once, or a run after a crash, send nothing twice.
 * Opens write transactions of up to a few hundred entries each.  Store
 * errors (TEMPFAIL ...) and a calendar that cannot be built (CONFIG).
 */
gboolean md_escalate_run(MdStore *store, const MdConfig *config, gint64 now,
    MdEscalateReport *r, GError **error);
