/* SPDX-License-Identifier: MIT */
/*
 * Big-endian keys: ids as 8 bytes, so that LMDB's cursors walk them in
 * number order; a ticket's message as ticket and sequence, 12 bytes.
 * Inline: every store access makes one.
 */
#pragma once
#include <string.h>

#include <glib.h>

static inline void
md_key_be64(guint8 out[8], guint64 v)
{
	v = GUINT64_TO_BE(v);
	memcpy(out, &v, 8);
}

static inline guint64
md_key_read_be64(const void *p)
{
	guint64 v;

	memcpy(&v, p, 8);
	return GUINT64_FROM_BE(v);
}

static inline guint32
md_key_read_be32(const void *p)
{
	guint32 v;

	memcpy(&v, p, 4);
	return GUINT32_FROM_BE(v);
}

/* Ticket @ticket's message @seq. */
static inline void
md_key_ticket_seq(guint8 out[12], guint64 ticket, guint32 seq)
{
	md_key_be64(out, ticket);
	seq = GUINT32_TO_BE(seq);
	memcpy(out + 8, &seq, 4);
}
