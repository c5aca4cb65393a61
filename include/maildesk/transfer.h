/* SPDX-License-Identifier: MIT */
/*
 * Transfer encodings as real mail writes them: base64 without its padding
 * (kept to the last byte), uuencode with or without its "begin" line, and
 * uuencoded files pasted into a text body.  The decoding itself is GMime's
 * (g_mime_encoding_*); this module only feeds it what it would otherwise
 * drop.
 */
#pragma once
#include <gmime/gmime.h>

/* Streaming base64 that keeps an unpadded last group. */
typedef struct {
	int state;	/* g_mime_encoding_base64_decode_step's */
	guint32 save;	/* g_mime_encoding_base64_decode_step's */
	gboolean done;	/* what follows the padding is no base64 */
} MdBase64;

void md_base64_init(MdBase64 *b);
/* Decodes @len bytes at @in into @out (room for @len / 4 * 3 + 3);
 * returns the bytes written.  After padding, decoding goes on only where a
 * line of base64 follows (some encoders pad every line), never into text
 * (mailing lists append their footers there). */
gsize md_base64_step(MdBase64 *b, const char *in, gsize len, guint8 *out);
/* The last one or two bytes of an unpadded end into @out (room for 3). */
gsize md_base64_finish(MdBase64 *b, guint8 *out);

/* Appends the bytes of a whole base64 text to @out. */
void md_base64_decode_into(const char *in, gsize len, GByteArray *out);

/* Appends the bytes of an RFC 2047 "Q" text ('_' is a space) to @out. */
void md_qword_decode_into(const char *in, gsize len, GByteArray *out);

/*
 * Appends the bytes of uuencoded @text to @out: from after a "begin"
 * line if there is one in its first lines, else from the start; up to
 * the "end" line or an empty one.
 */
void md_uudecode_into(const char *text, gsize len, GByteArray *out);

/*
 * Finds the first "begin MODE NAME" ... "end" block in @text (UTF-8, LF
 * line ends) at or after @from.  On TRUE, [*@start, *@end) is the whole
 * block, lines included, and *@name its file name (transfer full).
 */
gboolean md_uuencoded_find(const char *text, gsize from, gsize *start,
    gsize *end, char **name);

/*
 * Writes the content of @part, decoded from its transfer encoding, to
 * @sink; returns the bytes written.  base64 keeps an unpadded end and
 * uuencode needs no "begin" line; everything else is GMime's.
 */
gint64 md_transfer_write_part(GMimePart *part, GMimeStream *sink);
