/* SPDX-License-Identifier: MIT */
/*
 * One event is one line of key=value pairs.  GLib and GMime warnings go to
 * the same sinks through a writer function, so nothing reaches stdout,
 * which the MTA might mistake for a reply.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "maildesk/log.h"

static MdLogSinks log_sinks = MD_LOG_STDERR;
static int log_verbosity;

/* Syslog gets every event; the terminal only what its level asks for. */
static void
emit(int priority, gboolean to_stderr, const char *fmt, va_list ap)
{
	g_autofree char *line = g_strdup_vprintf(fmt, ap);

	if (log_sinks & MD_LOG_SYSLOG)
		syslog(priority, "%s", line);
	if ((log_sinks & MD_LOG_STDERR) && to_stderr)
		fprintf(stderr, "maildesk: %s\n", line);
}

static GLogWriterOutput
writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
    gpointer data)
{
	const char *message = NULL;

	for (gsize i = 0; i < n_fields; i++)
		if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
			message = fields[i].value;
	if (message == NULL)
		return G_LOG_WRITER_HANDLED;
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL |
	    G_LOG_LEVEL_WARNING))
		md_warn("%s", message);
	else
		md_debug(2, "%s", message);
	return G_LOG_WRITER_HANDLED;
}

void
md_log_open(MdLogSinks sinks, int verbosity)
{
	log_sinks = sinks;
	log_verbosity = verbosity;
	if (sinks & MD_LOG_SYSLOG)
		openlog("maildesk", LOG_PID, LOG_MAIL);
	g_log_set_writer_func(writer, NULL, NULL);
}

void
md_log_set_sinks(MdLogSinks sinks)
{
	if ((sinks & MD_LOG_SYSLOG) && !(log_sinks & MD_LOG_SYSLOG))
		openlog("maildesk", LOG_PID, LOG_MAIL);
	log_sinks = sinks;
}

void
md_info(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < 1 && !(log_sinks & MD_LOG_SYSLOG))
		return;
	va_start(ap, fmt);
	emit(LOG_INFO, log_verbosity >= 1, fmt, ap);
	va_end(ap);
}

void
md_warn(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < 0)
		return;
	va_start(ap, fmt);
	emit(LOG_WARNING, TRUE, fmt, ap);
	va_end(ap);
}

void
md_debug(int level, const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < 1 + level)
		return;
	va_start(ap, fmt);
	emit(LOG_DEBUG, TRUE, fmt, ap);
	va_end(ap);
}
