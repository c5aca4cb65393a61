/* SPDX-License-Identifier: MIT */
/*
 * SMTP through libesmtp.  A reply code decides: 2xx sent, 4xx and every
 * connection or protocol trouble try again later, 5xx failed for good.
 * Timeouts are short and below RFC 5321's minimums on purpose: deliver's
 * one try after its commit must not keep the MTA waiting.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <auth-client.h>
#include <libesmtp.h>

#include "maildesk/log.h"
#include "maildesk/smtp.h"

typedef struct {
	const char *user;
	char *password;
} Credentials;

static int
interact(auth_client_request_t request, char **result, int fields,
    void *arg)
{
	Credentials *c = arg;

	for (int i = 0; i < fields; i++) {
		if (request[i].flags & AUTH_USER)
			result[i] = (char *)c->user;
		else if (request[i].flags & AUTH_PASS)
			result[i] = c->password;
		else
			return 0;
	}
	return 1;
}

static char *
status_text(const smtp_status_t *st)
{
	g_autofree char *text = g_strdup(st->text ? st->text : "");

	g_strdelimit(text, "\r\n", ' ');
	return g_strdup_printf("%d %s", st->code, g_strstrip(text));
}

static void
fail_all(MdSmtpJob *jobs, guint n, MdSmtpOutcome outcome, const char *why)
{
	for (guint i = 0; i < n; i++) {
		if (jobs[i].reported)
			continue;
		jobs[i].outcome = outcome;
		g_free(jobs[i].reply);
		jobs[i].reply = g_strdup(why);
	}
}

/* The outcome of one message from its reverse path and recipients. */
static void
judge(smtp_message_t message, MdSmtpJob *job)
{
	const smtp_status_t *st = smtp_message_transfer_status(message);
	const smtp_status_t *rp = smtp_reverse_path_status(message);
	GPtrArray *rcpts = smtp_message_get_application_data(message);

	if (st != NULL && st->code >= 200 && st->code < 300) {
		job->outcome = MD_SMTP_SENT;
		job->reply = status_text(st);
		return;
	}
	if (rp != NULL && rp->code >= 400) {
		job->outcome = rp->code >= 500 ? MD_SMTP_PERMFAIL :
		    MD_SMTP_TEMPFAIL;
		job->reply = status_text(rp);
		return;
	}
	for (guint i = 0; rcpts != NULL && i < rcpts->len; i++) {
		const smtp_status_t *rs = smtp_recipient_status(
		    g_ptr_array_index(rcpts, i));

		if (rs != NULL && rs->code >= 400) {
			job->outcome = rs->code >= 500 ? MD_SMTP_PERMFAIL :
			    MD_SMTP_TEMPFAIL;
			job->reply = status_text(rs);
			if (job->outcome == MD_SMTP_TEMPFAIL)
				return;
		}
	}
	if (job->reply != NULL)
		return;
	job->outcome = st != NULL && st->code >= 500 ? MD_SMTP_PERMFAIL :
	    MD_SMTP_TEMPFAIL;
	job->reply = st != NULL && st->code != 0 ? status_text(st) :
	    g_strdup("no reply to the message");
}

typedef struct {
	MdSmtpJob *jobs;
	smtp_message_t *messages;
	guint n;
	guint next;	/* messages go out in order: where to look first */
	MdSmtpDoneFunc done;
	gpointer data;
} Session;

static void
on_event(smtp_session_t session, int event, void *arg, ...)
{
	Session *s = arg;
	smtp_message_t message;
	va_list ap;

	if (event != SMTP_EV_MESSAGESENT || s->done == NULL)
		return;
	va_start(ap, arg);
	message = va_arg(ap, smtp_message_t);
	va_end(ap);
	for (guint k = 0; k < s->n; k++) {
		guint i = (s->next + k) % s->n;

		if (s->messages[i] != message || s->jobs[i].reported)
			continue;
		judge(message, &s->jobs[i]);
		s->jobs[i].reported = TRUE;
		s->next = i + 1;
		s->done(&s->jobs[i], i, s->data);
		return;
	}
}

void
md_smtp_send(const MdConfig *config, MdSmtpJob *jobs, guint n,
    guint timeout_s, MdSmtpDoneFunc done, gpointer data)
{
	smtp_session_t session;
	auth_context_t auth = NULL;
	Credentials creds = { config->smtp_user, NULL };
	g_autofree char *server = g_strdup_printf("%s:%u", config->smtp_host,
	    config->smtp_port);
	g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_ptr_array_unref);
	smtp_message_t *messages = g_new0(smtp_message_t, n);
	long ms = (long)MAX(timeout_s, 1) * 1000;
	Session events = { jobs, messages, n, 0, done, data };

	if (n == 0) {
		g_free(messages);
		return;
	}
	session = smtp_create_session();
	if (session == NULL) {
		fail_all(jobs, n, MD_SMTP_TEMPFAIL, "cannot create session");
		g_free(messages);
		return;
	}
	smtp_set_server(session, server);
	smtp_set_eventcb(session, on_event, &events);
	if (config->smtp_helo[0] != '\0')
		smtp_set_hostname(session, config->smtp_helo);
	for (int w = Timeout_GREETING; w <= Timeout_DATA2; w++)
		smtp_set_timeout(session, w | Timeout_OVERRIDE_RFC2822_MINIMUM,
		    ms);
	if (strcmp(config->smtp_starttls, "try") == 0)
		smtp_starttls_enable(session, Starttls_ENABLED);
	else if (strcmp(config->smtp_starttls, "required") == 0)
		smtp_starttls_enable(session, Starttls_REQUIRED);
	if (config->smtp_user[0] != '\0') {
		if (config->smtp_password_file[0] != '\0' &&
		    g_file_get_contents(config->smtp_password_file,
		    &creds.password, NULL, NULL))
			g_strchomp(creds.password);
		auth_client_init();
		auth = auth_create_context();
		auth_set_mechanism_flags(auth, AUTH_PLUGIN_PLAIN, 0);
		auth_set_interact_cb(auth, interact, &creds);
		smtp_auth_set_context(session, auth);
	}

	for (guint i = 0; i < n; i++) {
		smtp_message_t m = smtp_add_message(session);
		gsize len;
		const char *bytes = g_bytes_get_data(jobs[i].data, &len);
		char *text = g_strndup(bytes, len);
		GPtrArray *rcpts = g_ptr_array_new();

		messages[i] = m;
		jobs[i].outcome = MD_SMTP_TEMPFAIL;
		g_ptr_array_add(texts, text);
		g_ptr_array_add(lists, rcpts);
		smtp_set_reverse_path(m, jobs[i].from);
		for (char **r = jobs[i].recipients; r && *r; r++)
			g_ptr_array_add(rcpts, smtp_add_recipient(m, *r));
		smtp_message_set_application_data_release(m, rcpts, NULL);
		/* The message is already CRLF and 7-bit: no NULs. */
		smtp_set_message_str(m, text);
	}

	if (!smtp_start_session(session)) {
		char buf[256];

		fail_all(jobs, n, MD_SMTP_TEMPFAIL, smtp_strerror(smtp_errno(),
		    buf, sizeof(buf)));
	} else
		for (guint i = 0; i < n; i++)
			if (!jobs[i].reported)
				judge(messages[i], &jobs[i]);
	smtp_destroy_session(session);
	if (auth != NULL) {
		auth_destroy_context(auth);
		auth_client_exit();
	}
	if (creds.password != NULL) {
		memset(creds.password, 0, strlen(creds.password));
		g_free(creds.password);
	}
	g_free(messages);
}
