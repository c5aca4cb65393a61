/* SPDX-License-Identifier: MIT */
/*
 * Search by mail: the answers to "#search QUERY" mails of verified agents,
 * which deliver queued (search-queue.h) without a ticket.  Answered by
 * the process that has the search engine: flush, which deliver starts
 * right after such a mail, and the flush timer should that fail.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/store.h"

/*
 * Runs each queued request (restricted customers left out) and queues
 * the result list to its agent in the outbox, in the transaction that
 * takes the request: each is answered once; md_outbox_flush() sends it.
 * Sets *@answered.
 */
gboolean md_search_mail_answer(MdStore *store, const MdConfig *config,
    guint *answered, GError **error);
