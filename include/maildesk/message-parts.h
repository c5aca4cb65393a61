/* SPDX-License-Identifier: MIT */
/*
 * Body and attachments of a parsed mail, as a mail client shows them.
 */
#pragma once
#include <gmime/gmime.h>

#include "maildesk/message-types.h"

typedef struct {
	MdMessage *m;		/* borrowed: text, html, attachments,
				 * original_ids are filled in */
	const guint8 *buf;	/* borrowed: the bytes GMime parsed */
	gsize len;
	GMimeParserOptions *options;	/* borrowed */
	const char *hint;	/* nullable: charset for raw 8-bit bytes in
				 * part headers */
	const char *body_guess;	/* out: first charset guessed for the text */
	const char *name_guess;	/* out: first charset guessed for a name */
	guint leaf;		/* private: leaf parts seen */
	char *tnef_body;	/* private */
} MdPartWalk;

/* The raw (folded, undecoded) value of the first header @name of @obj,
 * or NULL (borrowed). */
const char *md_message_parts_raw_header(GMimeObject *obj, const char *name);

/* "type/subtype" of @obj in lower case (transfer full). */
char *md_message_parts_mime_type(GMimeObject *obj);

/*
 * Walks the MIME tree under @body: the text/plain and text/html parts a
 * mail client shows become the text and html (inline parts interleaved
 * with images joined in order), every other leaf is an attachment with a
 * name (one made from its type if it has none), winmail.dat is unpacked,
 * and uuencoded files in the text become attachments.
 */
void md_message_parts_walk(MdPartWalk *w, GMimeObject *body);
