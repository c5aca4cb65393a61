/* SPDX-License-Identifier: MIT */
/*
 * escalate: service-level warnings and escalations, and pending dates
 * that have come.  Meant for the timer that runs flush; it sends what it
 * queued at once, and what the relay does not take is flush's.
 */
#include "maildesk/cmd.h"
#include "maildesk/error.h"
#include "maildesk/escalate.h"
#include "maildesk/log.h"
#include "maildesk/sender.h"
#include "maildesk/term.h"

gboolean
md_cmd_escalate(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "- warn, escalate, and end pending dates that have come");
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	MdEscalateReport r = { 0 };
	g_autoptr(GError) e = NULL;
	gboolean ok;

	if (!md_cmd_parse_options(oc, &argc, &argv, error) ||
	    !md_cmd_no_args(argc, argv, error))
		return FALSE;
	ok = md_escalate_run(ctx->store, ctx->config, now, &r, error);
	/*
	 * As deliver does: the entries were born leased to a sender of
	 * their own when [outbox] deliver-flush-seconds is not 0, so no
	 * flush running meanwhile sends them twice; what that sender does
	 * not get out, flush sends once the lease ends.
	 */
	if (ok && r.outbox_ids->len > 0 && ctx->config->deliver_flush_s > 0 &&
	    !md_sender_start(ctx->config, r.outbox_ids, &e))
		md_warn("escalate: no sender started, flush will send: %s",
		    e->message);
	if (ok) {
		md_info("escalate looked=%u warnings=%u escalations=%u "
		    "reminders=%u closed=%u mails=%u", r.looked, r.warnings,
		    r.escalations, r.reminders, r.closed, r.mails);
		md_out("escalate: %u warnings, %u escalations, %u reminders, "
		    "%u closed; %u mails queued\n", r.warnings, r.escalations,
		    r.reminders, r.closed, r.mails);
	}
	md_escalate_report_clear(&r);
	return ok;
}
