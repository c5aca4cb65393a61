/* SPDX-License-Identifier: MIT */
/*
 * A mailbox as written in a header: a display name and an address, either
 * of which may be missing.  Parsing them is address.c's; this is only the
 * value.
 */
#pragma once
#include <glib.h>

typedef struct {
	char *name;	/* owned, nullable, UTF-8 */
	char *email;	/* owned, nullable, as written */
} MdMailbox;

/* Mailboxes kept of one list (To, Cc): a bound of SECURITY.md. */
#define MD_MAILBOX_LIST_MAX 1000

/* A mailbox of copies of @name and @email; "" counts as missing. */
MdMailbox *md_mailbox_new(const char *name, const char *email);
void md_mailbox_free(MdMailbox *mb);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdMailbox, md_mailbox_free)
