/* SPDX-License-Identifier: MIT */
/*
 * MdMessage: one mail as maildesk understands it, parsed by GMime from the
 * raw bytes.  Parsing never fails: what GMime cannot make sense of becomes a
 * message of kind "unparsed" that still carries its raw digest.
 */
#pragma once
#include <glib.h>

#include "maildesk/message-types.h"

/*
 * Parses @len bytes at @raw (borrowed; must outlive the call only).  Never
 * fails; an unparseable mail gives kind MD_KIND_UNPARSED.
 */
MdMessage *md_message_parse(const guint8 *raw, gsize len);
MdMessage *md_message_new(void);
void md_message_free(MdMessage *m);

/* First value of header @name (case-insensitive), decoded, or NULL. */
const char *md_message_header(const MdMessage *m, const char *name);

/* The address the message is from for filing: From, Reply-To, Sender,
 * envelope sender, else a Return-Path header; NULL when there is none
 * (borrowed). */
const MdMailbox *md_message_sender_mailbox(const MdMessage *m);

const char *md_message_kind_name(MdKind kind);
gboolean md_message_kind_from_name(const char *name, MdKind *kind);
/* A NULL-terminated vector of flag names (transfer full). */
char **md_message_flag_names(guint32 flags);
guint32 md_message_flags_from_names(const char *const *names);

void md_attachment_free(MdAttachment *a);

/* Strips Re:/AW:/Fwd:/WG:/Antw: and friends (transfer full). */
char *md_message_base_subject(const char *subject);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdMessage, md_message_free)
