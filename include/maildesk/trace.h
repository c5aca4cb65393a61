/* SPDX-License-Identifier: MIT */
/*
 * Per-phase timings of one delivery, for whoever asks where the time goes:
 * with MAILDESK_TRACE=1 in the environment, deliver writes one line of
 * phase=milliseconds pairs to standard error as it exits.  Without it every
 * call here is a test of one static flag.  One thread only: the process
 * that delivers one mail.
 */
#pragma once
#include <glib.h>

/*
 * Reads MAILDESK_TRACE and, when set to 1, starts the clock and notes the
 * CPU time the process spent before main() (loading, relocating).
 */
void md_trace_start(void);

/* Ends the phase that began at the previous mark; @phase is a literal. */
void md_trace(const char *phase);

/* Writes the line "maildesk: trace: ..." to stderr, once. */
void md_trace_report(void);
