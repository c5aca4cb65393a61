/* SPDX-License-Identifier: MIT */
/*
 * submit: a ticket from a web form.  The request is made into a mail from
 * the person to the queue's address and delivered like any other, so it
 * gets the same profile, threading, acknowledgement and notifications.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "maildesk/term.h"
#include "maildesk/cmd.h"
#include "maildesk/compose.h"
#include "maildesk/error.h"

/* All of stdin as text (transfer full), at most @limit bytes. */
static char *
read_text(guint64 limit, GError **error)
{
	GString *s = g_string_new(NULL);
	char buf[8192];
	ssize_t n;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0) {
		g_string_append_len(s, buf, n);
		if (s->len > limit) {
			g_string_free(s, TRUE);
			g_set_error(error, MD_ERROR, MD_ERROR_REJECT,
			    "text too long");
			return NULL;
		}
	}
	if (!g_utf8_validate(s->str, s->len, NULL)) {
		g_string_free(s, TRUE);
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "the text is not UTF-8");
		return NULL;
	}
	return g_string_free(s, FALSE);
}

gboolean
md_cmd_submit(MdContext *ctx, int argc, char **argv, GError **error)
{
	g_autofree char *name = NULL, *email = NULL, *subject = NULL;
	g_autofree char *queue = NULL, *text = NULL;
	GOptionEntry entries[] = {
		{ "name", 0, 0, G_OPTION_ARG_STRING, &name, "the person's name",
		  "NAME" },
		{ "email", 0, 0, G_OPTION_ARG_STRING, &email,
		  "the person's address", "ADDR" },
		{ "subject", 0, 0, G_OPTION_ARG_STRING, &subject, "subject",
		  "S" },
		{ "queue", 0, 0, G_OPTION_ARG_STRING, &queue, "queue", "Q" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
	    "- a ticket from a contact form (text on stdin)");
	MdComposeSpec spec = { 0 };
	MdDeliverOptions opts = { 0 };
	MdDeliverResult r = { 0 };
	const char *to;
	gboolean ok;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!md_cmd_parse_options(oc, &argc, &argv, error))
		return FALSE;
	if (email == NULL || strchr(email, '@') == NULL || subject == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "usage: submit "
		    "--name NAME --email ADDR --subject S [--queue Q]");
		return FALSE;
	}
	to = md_config_address_of(ctx->config, queue ? queue :
	    ctx->config->default_queue);
	if (to == NULL && queue == NULL && ctx->config->addresses->len > 0)
		to = ((MdAddress *)g_ptr_array_index(ctx->config->addresses,
		    0))->address;
	if (to == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE,
		    "no address of ours feeds queue %s",
		    queue ? queue : ctx->config->default_queue);
		return FALSE;
	}
	text = read_text(ctx->config->max_size_bytes, error);
	if (text == NULL)
		return FALSE;
	spec.from_address = email;
	spec.from_name = name;
	spec.to_address = to;
	spec.subject = subject;
	spec.text = text;
	opts.recipient = to;
	ok = md_cmd_deliver_composed(ctx, &spec, "submit", &opts, &r, error);
	if (ok)
		md_out("ticket %" G_GUINT64_FORMAT "\n", r.ticket);
	md_deliver_result_clear(&r);
	return ok;
}
