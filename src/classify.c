/* SPDX-License-Identifier: MIT */
/*
 * Classification of machine mail.  Every rule only adds flags; none removes
 * a message.  The kind follows from the flags: a DSN is a bounce, an
 * auto-reply is an auto-reply, everything else keeps its kind.
 */
#include <string.h>

#include "maildesk/classify.h"

static char *
local_part(const char *address)
{
	const char *at = strrchr(address, '@');

	return g_ascii_strdown(address, at ? (gssize)(at - address) : -1);
}

gboolean
md_classify_is_daemon_address(const char *address)
{
	g_autofree char *lp = NULL;
	GString *bare;
	gboolean daemon;

	if (address == NULL)
		return FALSE;
	lp = local_part(address);
	/* "mailer-daemon", "Mailer_Daemon", "post_master", "mail-daemon" */
	bare = g_string_new(NULL);
	for (const char *p = lp; *p != '\0'; p++)
		if (*p != '-' && *p != '_' && *p != '.')
			g_string_append_c(bare, *p);
	daemon = strcmp(bare->str, "mailerdaemon") == 0 ||
	    strcmp(bare->str, "postmaster") == 0 ||
	    strcmp(bare->str, "maildaemon") == 0;
	g_string_free(bare, TRUE);
	return daemon;
}

gboolean
md_classify_is_noreply_address(const char *address)
{
	static const char *const patterns[] = {
		"noreply", "no-reply", "no_reply", "donotreply",
		"do-not-reply", "do_not_reply", "bounce", "bounces",
		"nicht-antworten", "keine-antwort", NULL
	};
	g_autofree char *lp = NULL;

	if (address == NULL)
		return FALSE;
	lp = local_part(address);
	for (const char *const *p = patterns; *p != NULL; p++) {
		if (strcmp(lp, *p) == 0)
			return TRUE;
		/* "noreply-42", "bounces+x", "newsletter.noreply" */
		if (g_str_has_prefix(lp, *p) && !g_ascii_isalpha(lp[strlen(*p)]))
			return TRUE;
	}
	return strstr(lp, "noreply") != NULL ||
	    strstr(lp, "no-reply") != NULL;
}

static gboolean
subject_is_auto_reply(const char *subject)
{
	static const char *const prefixes[] = {
		"out of office", "auto:", "automatic reply", "autoreply",
		"auto-reply", "abwesenheitsnotiz", "automatische antwort",
		"vacation", "réponse automatique", "absence", "abwesend",
		"out of the office", NULL
	};
	g_autofree char *lower = NULL;

	if (subject == NULL)
		return FALSE;
	lower = g_utf8_strdown(subject, -1);
	for (const char *const *p = prefixes; *p != NULL; p++)
		if (g_str_has_prefix(lower, *p))
			return TRUE;
	return FALSE;
}

static gboolean
subject_is_bounce(const char *subject)
{
	static const char *const words[] = {
		"undeliver", "delivery status notification", "delivery failure",
		"mail delivery failed", "returned mail", "failure notice",
		"delivery has failed", "unzustellbar", "nicht zustellbar",
		"non remis", "mail system error", "delivery notification",
		NULL
	};
	g_autofree char *lower = NULL;

	if (subject == NULL)
		return FALSE;
	lower = g_utf8_strdown(subject, -1);
	for (const char *const *w = words; *w != NULL; w++)
		if (strstr(lower, *w) != NULL)
			return TRUE;
	return FALSE;
}

static gboolean
has_delivery_status(const MdMessage *m)
{
	for (guint i = 0; i < m->attachments->len; i++) {
		const MdAttachment *a = g_ptr_array_index(m->attachments, i);

		if (g_strcmp0(a->content_type, "message/delivery-status") == 0 ||
		    g_strcmp0(a->content_type,
		    "message/global-delivery-status") == 0)
			return TRUE;
	}
	return FALSE;
}

/* A returned mail, whole or its header, as non-standard bounces carry it. */
static gboolean
has_returned_message(const MdMessage *m)
{
	for (guint i = 0; i < m->attachments->len; i++) {
		const MdAttachment *a = g_ptr_array_index(m->attachments, i);

		if (g_strcmp0(a->content_type, "message/rfc822") == 0 ||
		    g_strcmp0(a->content_type, "text/rfc822-headers") == 0 ||
		    g_strcmp0(a->content_type, "message/rfc822-headers") == 0)
			return TRUE;
	}
	return FALSE;
}

/*
 * The envelope sender: as the MTA passed it, else the Return-Path header
 * it wrote (delivery without --sender).  NULL when neither is known.
 */
static const char *
envelope_sender(const MdMessage *m)
{
	if (m->envelope_sender != NULL)
		return m->envelope_sender;
	return md_message_header(m, "Return-Path");
}

/*
 * "From: MAILER-DAEMON" or "From: MAILER-DAEMON <>": no address GMime
 * accepts, but plainly a mail system.
 */
static gboolean
from_header_is_daemon(const MdMessage *m)
{
	const char *v = md_message_header(m, "From");
	g_autofree char *lower = NULL;

	if (m->from != NULL || v == NULL)
		return FALSE;
	lower = g_ascii_strdown(v, -1);
	return strstr(lower, "mailer-daemon") != NULL ||
	    strstr(lower, "postmaster") != NULL;
}

void
md_classify(MdMessage *m, const MdConfig *config)
{
	const char *v;
	const MdMailbox *from = m->from;
	const char *from_addr = from ? from->email : NULL;

	if (m->flags & MD_MSG_UNPARSED) {
		m->kind = MD_KIND_UNPARSED;
		return;
	}
	if ((v = md_message_header(m, "Auto-Submitted")) != NULL &&
	    g_ascii_strncasecmp(v, "no", 2) != 0)
		m->flags |= MD_MSG_AUTO_SUBMITTED;
	if ((v = md_message_header(m, "Precedence")) != NULL) {
		if (g_ascii_strncasecmp(v, "bulk", 4) == 0 ||
		    g_ascii_strncasecmp(v, "junk", 4) == 0 ||
		    g_ascii_strncasecmp(v, "list", 4) == 0)
			m->flags |= MD_MSG_BULK;
		if (g_ascii_strncasecmp(v, "auto_reply", 10) == 0)
			m->flags |= MD_MSG_AUTO_REPLY;
	}
	if (md_message_header(m, "List-Id") != NULL ||
	    md_message_header(m, "List-Unsubscribe") != NULL ||
	    md_message_header(m, "List-Post") != NULL)
		m->flags |= MD_MSG_LIST;
	if (md_message_header(m, "X-Auto-Response-Suppress") != NULL)
		m->flags |= MD_MSG_SUPPRESS;
	/*
	 * MTAs mark their DSNs "Auto-Submitted: auto-replied" too; a report
	 * is a bounce or receipt, not somebody's vacation message.
	 */
	if (md_message_header(m, "X-Autoreply") != NULL ||
	    md_message_header(m, "X-Autorespond") != NULL ||
	    md_message_header(m, "X-Autoresponse") != NULL ||
	    md_message_header(m, "X-Vacation") != NULL ||
	    ((m->flags & MD_MSG_AUTO_SUBMITTED) &&
	    g_strcmp0(m->mime_type, "multipart/report") != 0 &&
	    (v = md_message_header(m, "Auto-Submitted")) != NULL &&
	    g_ascii_strncasecmp(v, "auto-replied", 12) == 0) ||
	    ((m->flags & (MD_MSG_AUTO_SUBMITTED | MD_MSG_SUPPRESS)) &&
	    subject_is_auto_reply(m->subject)))
		m->flags |= MD_MSG_AUTO_REPLY;

	/* Our own mail coming back: X-Loop, or From one of our addresses. */
	for (guint i = 0; i + 1 < m->headers->len; i += 2)
		if (g_ascii_strcasecmp(g_ptr_array_index(m->headers, i),
		    "X-Loop") == 0 && g_ascii_strcasecmp(
		    g_ptr_array_index(m->headers, i + 1), config->x_loop) == 0)
			m->flags |= MD_MSG_LOOP;
	if (from_addr != NULL && md_config_is_ours(config, from_addr))
		m->flags |= MD_MSG_LOOP;

	if ((v = envelope_sender(m)) != NULL) {
		g_autofree char *es = g_strstrip(g_strdup(v));
		gsize n = strlen(es);

		if (n >= 2 && es[0] == '<' && es[n - 1] == '>') {
			es[n - 1] = '\0';
			memmove(es, es + 1, n - 1);
			g_strstrip(es);
		}
		if (es[0] == '\0')
			m->flags |= MD_MSG_NULL_SENDER;
		else if (md_classify_is_daemon_address(es))
			m->flags |= MD_MSG_DAEMON;
	}
	if (md_classify_is_daemon_address(from_addr) ||
	    from_header_is_daemon(m))
		m->flags |= MD_MSG_DAEMON;
	if (md_classify_is_noreply_address(from_addr))
		m->flags |= MD_MSG_NOREPLY;
	if (md_message_sender_mailbox(m) == NULL)
		m->flags |= MD_MSG_NO_SENDER;

	if (g_strcmp0(m->mime_type, "multipart/report") == 0) {
		m->flags |= MD_MSG_REPORT;
		if (g_strcmp0(m->report_type, "delivery-status") == 0 ||
		    g_strcmp0(m->report_type, "global-delivery-status") == 0)
			m->flags |= MD_MSG_DSN;
	}
	/* Mail systems that send no RFC 3464 report still return the mail. */
	if (has_delivery_status(m) ||
	    md_message_header(m, "X-Failed-Recipients") != NULL ||
	    ((m->flags & (MD_MSG_DAEMON | MD_MSG_NULL_SENDER)) &&
	    (subject_is_bounce(m->subject) || has_returned_message(m))))
		m->flags |= MD_MSG_DSN;

	if (m->flags & MD_MSG_DSN)
		m->kind = MD_KIND_BOUNCE;
	else if (m->flags & (MD_MSG_AUTO_REPLY | MD_MSG_REPORT))
		m->kind = MD_KIND_AUTO_REPLY;
	else if ((m->flags & MD_MSG_AUTO_SUBMITTED) &&
	    !(m->flags & (MD_MSG_LIST | MD_MSG_BULK)))
		m->kind = MD_KIND_AUTO_REPLY;
}
