/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the template expander and the header builder, with the
 * checks that make a crash-free run mean something:
 *
 *   - a value put into a template is never expanded again, so a customer
 *     who writes "{{secret}}" into a subject cannot pull another field in;
 *   - every line of the header block that md_compose() writes is either a
 *     header we set or the folded continuation of one, ends in CRLF, and
 *     is 7-bit: nothing a sender writes into a subject, a name, an address
 *     or a Message-ID can start a header of its own;
 *   - md_compose_clean_header() leaves no control character.
 *
 * The input is split at NUL bytes into: template text, subject, from
 * name, to name, to address, in-reply-to, a reference, the name value
 * used in the template, and an attached source mail.
 */
#include <glib.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maildesk/compose.h"
#include "maildesk/template.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

#define SECRET "\001SECRET\001"

static const char *allowed[] = {
	"From", "To", "Reply-To", "Subject", "Date", "Message-Id",
	"In-Reply-To", "References", "Auto-Submitted",
	"X-Auto-Response-Suppress", "X-Loop", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding",
};

static GBytes *composed;	/* shown by fail() with FUZZ_DUMP=1 */

static void
fail(const char *why, const char *detail, gsize len)
{
	if (composed != NULL && g_getenv("FUZZ_DUMP") != NULL) {
		gsize n;
		const char *p = g_bytes_get_data(composed, &n);

		fwrite(p, 1, MIN(n, 4096), stderr);
	}
	g_printerr("fuzz-compose: %s: %.*s\n", why, (int)MIN(len, 200),
	    detail);
	abort();
}

static gsize
count(const char *hay, const char *needle)
{
	gsize n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
check_headers(GBytes *mail)
{
	gsize len;
	const char *p = g_bytes_get_data(mail, &len);
	const char *end = p + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		gsize n;

		if (eol == NULL || eol == p || eol[-1] != '\r')
			fail("header line without CRLF", p, end - p);
		n = eol - p - 1;
		if (n == 0)
			return;	/* the blank line: the body follows */
		for (gsize i = 0; i < n; i++)
			if ((guchar)p[i] >= 0x80 || p[i] == '\r' ||
			    p[i] == '\0')
				fail("8-bit or bare CR in a header", p, n);
		if (p[0] != ' ' && p[0] != '\t') {
			gboolean known = FALSE;

			for (guint i = 0; i < G_N_ELEMENTS(allowed); i++) {
				gsize k = strlen(allowed[i]);

				if (n > k && p[k] == ':' &&
				    g_ascii_strncasecmp(p, allowed[i], k) == 0)
					known = TRUE;
			}
			if (!known)
				fail("a header we did not set", p, n);
		}
		p = eol + 1;
	}
	fail("no end of the header block", "", 0);
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
	char *field[9] = { 0 };
	g_autofree char *copy = g_malloc(size + 1);
	g_autoptr(GHashTable) vars = g_hash_table_new(g_str_hash,
	    g_str_equal);
	g_autoptr(GPtrArray) refs = g_ptr_array_new();
	g_autofree char *text = NULL, *clean = NULL;
	g_autoptr(GBytes) mail = NULL;
	MdComposeSpec spec = { 0 };
	const char *p = copy, *end;
	guint nf = 0;

	static gsize inited;
	if (g_once_init_enter(&inited)) {
		/* A GLib or GMime critical is a bug (API misuse). */
		g_log_set_always_fatal(G_LOG_FATAL_MASK |
		    G_LOG_LEVEL_CRITICAL);
		g_mime_init();
		g_once_init_leave(&inited, 1);
	}

	/* SECRET's \001 cannot come from the input: it is taken out. */
	for (size_t i = 0; i < size; i++)
		copy[i] = data[i] == 1 ? ' ' : (char)data[i];
	copy[size] = '\0';
	end = copy + size;
	while (nf < G_N_ELEMENTS(field) && p <= end) {
		field[nf++] = (char *)p;
		p += strlen(p) + 1;
	}
	for (guint i = nf; i < G_N_ELEMENTS(field); i++)
		field[i] = (char *)"";

	/* Values are inserted, never expanded again. */
	g_hash_table_insert(vars, (char *)"secret", (char *)SECRET);
	g_hash_table_insert(vars, (char *)"name", field[7]);
	g_hash_table_insert(vars, (char *)"subject", field[1]);
	text = md_template_expand(field[0], vars);
	if (count(text, SECRET) > count(field[0], "{{"))
		fail("a value was expanded again", text, strlen(text));

	clean = md_compose_clean_header(field[1]);
	for (const char *c = clean; *c != '\0'; c = g_utf8_next_char(c))
		if (g_unichar_iscntrl(g_utf8_get_char(c)))
			fail("control character left", clean, strlen(clean));

	if (*field[5] != '\0')
		g_ptr_array_add(refs, field[6]);
	spec.from_address = "support@example.com";
	spec.from_name = field[2];
	spec.to_address = field[4];
	spec.to_name = field[3];
	spec.subject = field[1];
	spec.reply_to = "support+1.0123456789ab@example.com";
	spec.message_id = "md.1.abc@example.com";
	spec.in_reply_to = *field[5] != '\0' ? field[5] : NULL;
	spec.references = refs;
	spec.auto_submitted = size % 2 ? "auto-replied" : NULL;
	spec.x_loop = "maildesk";
	spec.text = text;
	if (*field[8] != '\0') {
		spec.attach_raw = (const guint8 *)field[8];
		spec.attach_len = end - field[8];
	}
	mail = md_compose(&spec, 1793000000);
	if (mail == NULL) {
		/* Refused: then an address really was unusable. */
		if (md_compose_valid_address(spec.to_address))
			fail("refused a plain address", spec.to_address,
			    strlen(spec.to_address));
		return 0;
	}
	composed = mail;
	check_headers(mail);
	composed = NULL;
	return 0;
}
