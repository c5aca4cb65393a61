/* SPDX-License-Identifier: MIT */
/*
 * flush: send what the outbox holds and is due.  Meant for a timer every
 * minute; an SMTP outage is not a failure of flush, only of the entries.
 */
#include <stdio.h>

#include "maildesk/term.h"
#include "maildesk/autoreply.h"
#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/log.h"
#include "maildesk/outbox.h"

gboolean
md_cmd_flush(MdContext *ctx, int argc, char **argv, GError **error)
{
	MdFlushResult r;

	if (argc > 1) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "unexpected argument \"%s\"", argv[1]);
		return FALSE;
	}
	/* Acks owed by deliveries whose sender is gone: compose them. */
	if (!md_autoreply_compose_due(ctx->store, ctx->config,
	    g_get_real_time() / G_USEC_PER_SEC, error))
		return FALSE;
	if (!md_outbox_flush(ctx->store, ctx->config, NULL,
	    ctx->config->smtp_timeout_s, g_get_real_time() / G_USEC_PER_SEC,
	    &r, error))
		return FALSE;
	if (r.sent + r.deferred + r.failed > 0)
		md_info("flush sent=%u deferred=%u failed=%u", r.sent,
		    r.deferred, r.failed);
	md_out("flush: %u sent, %u deferred, %u failed\n", r.sent, r.deferred,
	    r.failed);
	return TRUE;
}
