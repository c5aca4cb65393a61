/* SPDX-License-Identifier: MIT */
/*
 * Building our outgoing mail with GMime.  Every header value that came
 * from a customer (subject, names) is cleaned of control characters and
 * encoded by GMime, so it can never start a header of its own.
 */
#pragma once
#include <glib.h>

#include "maildesk/message.h"

typedef struct {
	const char *from_address;	/* our address, or the author's */
	const char *from_name;		/* nullable */
	const char *to_address;
	const char *to_name;		/* nullable */
	const char *subject;
	const char *reply_to;		/* nullable */
	const char *message_id;		/* without <> */
	const char *in_reply_to;	/* nullable, without <> */
	GPtrArray *references;		/* nullable, of char *, without <> */
	const char *auto_submitted;	/* "auto-replied", "auto-generated";
					 * NULL for a person's answer */
	const char *x_loop;		/* nullable */
	const char *text;		/* the body, UTF-8 */
	const guint8 *attach_raw;	/* nullable: a mail whose attachments */
	gsize attach_len;		/* are attached */
	GPtrArray *cc;			/* nullable, of MdMailbox: Cc; one
					 * whose address is not plain
					 * (md_compose_valid_address) is
					 * left out */
} MdComposeSpec;

/*
 * The message as it will go out, CRLF line ends (transfer full).  NULL
 * when an address is not a plain ASCII addr-spec (md_compose_valid_address)
 * or the Message-ID is unusable: such a mail is not sent.  A Message-ID
 * in in_reply_to or references that is not printable ASCII without
 * spaces and angle brackets is left out.
 */
GBytes *md_compose(const MdComposeSpec *spec, gint64 now);

/*
 * TRUE for local@domain in printable ASCII with no space, angle bracket,
 * quote, comma or other character that could end the address in a header.
 */
gboolean md_compose_valid_address(const char *address);

/* @s with CR, LF and other control characters made spaces (transfer full). */
char *md_compose_clean_header(const char *s);
