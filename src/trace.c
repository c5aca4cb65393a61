/* SPDX-License-Identifier: MIT */
/*
 * Per-phase timings behind MAILDESK_TRACE=1.  The start-up before main()
 * cannot be timed from inside, but its cost can: the process's CPU time at
 * the first mark is what the kernel and the dynamic loader spent on it
 * (mapping, relocating, constructors).  Everything after is wall time on
 * the monotonic clock, so waiting for the disk counts where it happens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maildesk/trace.h"

#define MAX_MARKS 32

static struct {
	gboolean on;
	gboolean reported;
	double startup_cpu_ms;
	struct timespec last;
	guint n;
	const char *phase[MAX_MARKS];
	double ms[MAX_MARKS];
} tr;

static double
elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

void
md_trace_start(void)
{
	const char *v = getenv("MAILDESK_TRACE");
	struct timespec cpu;

	if (v == NULL || strcmp(v, "1") != 0)
		return;
	tr.on = TRUE;
	clock_gettime(CLOCK_MONOTONIC, &tr.last);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	tr.startup_cpu_ms = (double)cpu.tv_sec * 1e3 +
	    (double)cpu.tv_nsec / 1e6;
}

void
md_trace(const char *phase)
{
	struct timespec now;

	if (!tr.on || tr.n == MAX_MARKS)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	tr.phase[tr.n] = phase;
	tr.ms[tr.n++] = elapsed_ms(&tr.last, &now);
	tr.last = now;
}

void
md_trace_report(void)
{
	double total = 0;
	struct timespec cpu;

	if (!tr.on || tr.reported)
		return;
	tr.reported = TRUE;
	fprintf(stderr, "maildesk: trace: startup-cpu=%.3f", tr.startup_cpu_ms);
	for (guint i = 0; i < tr.n; i++) {
		fprintf(stderr, " %s=%.3f", tr.phase[i], tr.ms[i]);
		total += tr.ms[i];
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	fprintf(stderr, " main-total=%.3f cpu-total=%.3f\n", total,
	    (double)cpu.tv_sec * 1e3 + (double)cpu.tv_nsec / 1e6);
	fflush(stderr);
}
