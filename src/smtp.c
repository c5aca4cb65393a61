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
#include <gmodule.h>
#include <libesmtp.h>

#include "maildesk/log.h"
#include "maildesk/smtp.h"

/*
 * libesmtp is loaded by the process that sends, when it first sends: it
 * brings OpenSSL (libssl, libcrypto) with it, whose loading and
 * relocation cost more than a whole delivery, and a delivery hands its
 * mail to a sender process (sender.c) and never talks SMTP itself.
 * The types come from libesmtp's own headers.
 */
#define ESMTP_SONAME "libesmtp.so.6"
#define ESMTP_FUNCTIONS(X) \
	X(smtp_create_session) X(smtp_destroy_session) X(smtp_set_server) \
	X(smtp_set_eventcb) X(smtp_set_hostname) X(smtp_set_timeout) \
	X(smtp_starttls_enable) X(smtp_auth_set_context) \
	X(smtp_add_message) X(smtp_set_reverse_path) X(smtp_add_recipient) \
	X(smtp_message_set_application_data_release) \
	X(smtp_message_get_application_data) X(smtp_set_messagecb) \
	X(_smtp_message_str_cb) X(smtp_start_session) X(smtp_strerror) \
	X(smtp_errno) X(smtp_message_transfer_status) \
	X(smtp_reverse_path_status) X(smtp_recipient_status) \
	X(auth_client_init) X(auth_client_exit) X(auth_create_context) \
	X(auth_destroy_context) X(auth_set_mechanism_flags) \
	X(auth_set_interact_cb)

#define ESMTP_FIELD(name) __typeof__(name) *name;
static struct {
	ESMTP_FUNCTIONS(ESMTP_FIELD)
} esmtp;

/* Loads libesmtp once; FALSE with the reason in *@why if it cannot. */
static gboolean
load_esmtp(const char **why)
{
	static gsize once;
	static gboolean loaded;
	static char *reason;

	if (g_once_init_enter(&once)) {
		GModule *mod = g_module_open(ESMTP_SONAME,
		    G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);

		loaded = mod != NULL;
#define ESMTP_LOOKUP(name) \
		loaded = loaded && g_module_symbol(mod, #name, \
		    (gpointer *)&esmtp.name);
		ESMTP_FUNCTIONS(ESMTP_LOOKUP)
#undef ESMTP_LOOKUP
		if (!loaded)
			reason = g_strdup_printf("cannot load %s: %s",
			    ESMTP_SONAME, g_module_error());
		/* Kept for the life of the process. */
		g_once_init_leave(&once, 1);
	}
	*why = reason;
	return loaded;
}

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
	const smtp_status_t *st = esmtp.smtp_message_transfer_status(message);
	const smtp_status_t *rp = esmtp.smtp_reverse_path_status(message);
	GPtrArray *rcpts = esmtp.smtp_message_get_application_data(message);

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
		const smtp_status_t *rs = esmtp.smtp_recipient_status(
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
	const char *why;

	if (n == 0) {
		g_free(messages);
		return;
	}
	if (!load_esmtp(&why)) {
		fail_all(jobs, n, MD_SMTP_TEMPFAIL, why);
		g_free(messages);
		return;
	}
	session = esmtp.smtp_create_session();
	if (session == NULL) {
		fail_all(jobs, n, MD_SMTP_TEMPFAIL, "cannot create session");
		g_free(messages);
		return;
	}
	esmtp.smtp_set_server(session, server);
	esmtp.smtp_set_eventcb(session, on_event, &events);
	if (config->smtp_helo[0] != '\0')
		esmtp.smtp_set_hostname(session, config->smtp_helo);
	for (int w = Timeout_GREETING; w <= Timeout_DATA2; w++)
		esmtp.smtp_set_timeout(session, w | Timeout_OVERRIDE_RFC2822_MINIMUM,
		    ms);
	if (strcmp(config->smtp_starttls, "try") == 0)
		esmtp.smtp_starttls_enable(session, Starttls_ENABLED);
	else if (strcmp(config->smtp_starttls, "required") == 0)
		esmtp.smtp_starttls_enable(session, Starttls_REQUIRED);
	if (config->smtp_user[0] != '\0') {
		if (config->smtp_password_file[0] != '\0' &&
		    g_file_get_contents(config->smtp_password_file,
		    &creds.password, NULL, NULL))
			g_strchomp(creds.password);
		esmtp.auth_client_init();
		auth = esmtp.auth_create_context();
		esmtp.auth_set_mechanism_flags(auth, AUTH_PLUGIN_PLAIN, 0);
		esmtp.auth_set_interact_cb(auth, interact, &creds);
		esmtp.smtp_auth_set_context(session, auth);
	}

	for (guint i = 0; i < n; i++) {
		smtp_message_t m = esmtp.smtp_add_message(session);
		gsize len;
		const char *bytes = g_bytes_get_data(jobs[i].data, &len);
		char *text = g_strndup(bytes, len);
		GPtrArray *rcpts = g_ptr_array_new();

		messages[i] = m;
		jobs[i].outcome = MD_SMTP_TEMPFAIL;
		g_ptr_array_add(texts, text);
		g_ptr_array_add(lists, rcpts);
		esmtp.smtp_set_reverse_path(m, jobs[i].from);
		for (char **r = jobs[i].recipients; r && *r; r++)
			g_ptr_array_add(rcpts, esmtp.smtp_add_recipient(m, *r));
		esmtp.smtp_message_set_application_data_release(m, rcpts, NULL);
		/* The message is already CRLF and 7-bit: no NULs. */
		esmtp.smtp_set_messagecb(m, esmtp._smtp_message_str_cb,
		    text);
	}

	if (!esmtp.smtp_start_session(session)) {
		char buf[256];

		fail_all(jobs, n, MD_SMTP_TEMPFAIL, esmtp.smtp_strerror(esmtp.smtp_errno(),
		    buf, sizeof(buf)));
	} else
		for (guint i = 0; i < n; i++)
			if (!jobs[i].reported)
				judge(messages[i], &jobs[i]);
	esmtp.smtp_destroy_session(session);
	if (auth != NULL) {
		esmtp.auth_destroy_context(auth);
		esmtp.auth_client_exit();
	}
	if (creds.password != NULL) {
		memset(creds.password, 0, strlen(creds.password));
		g_free(creds.password);
	}
	g_free(messages);
}
