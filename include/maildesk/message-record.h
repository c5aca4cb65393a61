/* SPDX-License-Identifier: MIT */
/*
 * The stored form of a parsed message: MdMessage to a versioned record and
 * back (record.h).
 */
#pragma once
#include <glib.h>

#include "maildesk/message.h"

/* The record of @m (transfer full). */
GBytes *md_message_record_write(const MdMessage *m);
/* The message of a record; CORRUPT when it is not one (transfer full). */
MdMessage *md_message_record_read(const void *data, gsize len,
    GError **error);
