/* SPDX-License-Identifier: MIT */
/*
 * Machine mail: auto-replies, bounces (DSNs), list and bulk mail and our own
 * mail looping back (RFC 3834, RFC 3464 and practice).  Such mail is flagged
 * and stored, never dropped, and never answered automatically.
 */
#pragma once
#include "maildesk/config.h"
#include "maildesk/message.h"

/* Sets @m's flags and, for machine mail, its kind. */
void md_classify(MdMessage *m, const MdConfig *config);

/* TRUE for MAILER-DAEMON, postmaster and noreply-style local parts. */
gboolean md_classify_is_daemon_address(const char *address);
gboolean md_classify_is_noreply_address(const char *address);
