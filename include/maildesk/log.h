/* SPDX-License-Identifier: MIT */
/*
 * Logging sinks: syslog (facility mail) for deliver, stderr for admin
 * commands.  Info level carries ids, never addresses or subjects.
 */
#pragma once
#include <glib.h>

typedef enum {
	MD_LOG_STDERR = 1 << 0,
	MD_LOG_SYSLOG = 1 << 1,
} MdLogSinks;

/* Opens the sinks; @verbosity 0 is warnings, 1 info, 2+ debug. */
void md_log_open(MdLogSinks sinks, int verbosity);
void md_log_set_sinks(MdLogSinks sinks);
void md_info(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void md_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void md_debug(int level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
