/* SPDX-License-Identifier: MIT */
/*
 * The types of a parsed mail, MdMessage and MdAttachment, and the flags
 * and kinds it carries; on their own, so that the parts walker
 * (message-parts.c) can fill one in without needing the parser
 * (message.c) that calls it.  Functions on them: message.h.
 */
#pragma once
#include <glib.h>

#include "maildesk/mailbox.h"

typedef enum {
	MD_DIR_IN,
	MD_DIR_OUT,
} MdDirection;

typedef enum {
	MD_KIND_CUSTOMER,
	MD_KIND_AGENT,
	MD_KIND_NOTE,
	MD_KIND_ACK,
	MD_KIND_NOTIFICATION,
	MD_KIND_AUTO_REPLY,
	MD_KIND_BOUNCE,
	MD_KIND_UNPARSED,
} MdKind;

/* Flags on a message; names in md_message_flag_names(). */
typedef enum {
	MD_MSG_UNPARSED = 1 << 0,	/* GMime could not parse it */
	MD_MSG_AUTO_SUBMITTED = 1 << 1,	/* Auto-Submitted other than no */
	MD_MSG_AUTO_REPLY = 1 << 2,	/* vacation / out-of-office */
	MD_MSG_DSN = 1 << 3,		/* delivery status notification */
	MD_MSG_REPORT = 1 << 4,		/* multipart/report (DSN, MDN, ARF) */
	MD_MSG_LIST = 1 << 5,		/* List-Id / List-Unsubscribe */
	MD_MSG_BULK = 1 << 6,		/* Precedence: bulk, junk or list */
	MD_MSG_LOOP = 1 << 7,		/* our X-Loop, or From one of ours */
	MD_MSG_NULL_SENDER = 1 << 8,	/* envelope sender <> */
	MD_MSG_DAEMON = 1 << 9,		/* MAILER-DAEMON, postmaster */
	MD_MSG_NOREPLY = 1 << 10,	/* noreply-style sender */
	MD_MSG_SUPPRESS = 1 << 11,	/* X-Auto-Response-Suppress */
	MD_MSG_NO_SENDER = 1 << 12,	/* no sender address at all */
	MD_MSG_CITED_TAG = 1 << 13,	/* cited a ticket it was not let into */
	MD_MSG_UNVERIFIED = 1 << 14,	/* From an agent, but not proven */
	MD_MSG_RESTRICTED = 1 << 15,	/* its sender is restricted */
	MD_MSG_ERASED = 1 << 16,	/* erased: only this tombstone is left */
	MD_MSG_HEADER_CUT = 1 << 17,	/* header block over the limit: the
					 * parsed copy is cut (raw is whole) */
	MD_MSG_CITED_REF = 1 << 18,	/* named a message of a ticket it was
					 * not let into */
	MD_MSG_AUTH_FAIL = 1 << 19,	/* our MX: SPF and DMARC fail */
	MD_MSG_REFUSED = 1 << 20,	/* an agent's command that needs more
					 * proof than the mail had */
} MdMessageFlags;

/* Bounds on what one mail can make us hold (SECURITY.md). */
#define MD_MESSAGE_MAX_HEADER_BYTES (2 * 1024 * 1024)
#define MD_MESSAGE_MAX_ADDRESSES MD_MAILBOX_LIST_MAX	/* of To, of Cc */

/* Flags that forbid any automatic answer (RFC 3834). */
#define MD_MSG_MACHINE (MD_MSG_UNPARSED | MD_MSG_AUTO_SUBMITTED | \
	MD_MSG_AUTO_REPLY | MD_MSG_DSN | MD_MSG_REPORT | MD_MSG_LIST | \
	MD_MSG_BULK | MD_MSG_LOOP | MD_MSG_NULL_SENDER | MD_MSG_DAEMON | \
	MD_MSG_NOREPLY | MD_MSG_SUPPRESS | MD_MSG_NO_SENDER | \
	MD_MSG_HEADER_CUT)

typedef struct {
	char *filename;		/* owned, nullable, UTF-8 */
	char *content_type;	/* owned, "type/subtype" */
	char *disposition;	/* owned: attachment, inline or message */
	char *content_id;	/* owned, nullable */
	guint64 size;		/* decoded bytes */
	char *sha256;		/* owned, hex of the decoded bytes */
} MdAttachment;

typedef struct {
	MdDirection direction;
	MdKind kind;
	guint32 flags;
	char *message_id;	/* owned, nullable, without <> */
	char *in_reply_to;	/* owned, nullable, without <> */
	GPtrArray *references;	/* owned, of char *, oldest first */
	MdMailbox *from;	/* owned, nullable */
	MdMailbox *reply_to;	/* owned, nullable */
	MdMailbox *sender;	/* owned, nullable */
	GPtrArray *to;		/* owned, of MdMailbox */
	GPtrArray *cc;		/* owned, of MdMailbox */
	char *subject;		/* owned, nullable, UTF-8 */
	gboolean has_date;
	gint64 date;		/* Unix seconds of the Date header */
	gint32 date_offset_s;	/* its UTC offset */
	gint64 received_at;	/* Unix seconds */
	char *text;		/* owned, nullable, UTF-8 */
	char *html;		/* owned, nullable, UTF-8 */
	GPtrArray *attachments;	/* owned, of MdAttachment */
	GPtrArray *headers;	/* owned, of char *: name, value, name, ... */
	GPtrArray *original_ids;	/* owned: Message-IDs a DSN reports on */
	char *mime_type;	/* owned, top-level type/subtype, nullable */
	char *report_type;	/* owned, report-type of multipart/report */
	char *envelope_sender;	/* owned, nullable; "" for <> */
	char *recipient;	/* owned, nullable: our address it reached */
	GPtrArray *also_to;	/* owned, of char *: our addresses later
				 * copies of the same mail reached */
	char *queue;		/* owned, nullable */
	guint64 raw_size;
	char *raw_sha256;	/* owned, hex */
	char *charset_detected;	/* owned, nullable: the charset guessed for
				 * text whose label was missing or wrong */
	char *return_path;	/* owned, nullable: Return-Path address */
} MdMessage;
