/* SPDX-License-Identifier: MIT */
/*
 * Everything stored about one person, in a form they can take with them
 * (Art. 15, 20): export.json (schema "maildesk-export", version 2, in
 * maildesk(8)), mail.mbox (mboxrd) and raw/<ticket>-<seq>.eml, each mail
 * as it was received or sent, with our agents' signed reply addresses
 * replaced by the plain address; agent answers as the customer received
 * them; internal notes only in export.json, marked internal.
 */
#pragma once
#include "maildesk/config.h"
#include "maildesk/customer.h"
#include "maildesk/store.h"

#define MD_EXPORT_VERSION 2

/*
 * Writes the export of @c into @dir (created if missing).  CANTCREAT when
 * @dir exists and is no empty directory (a dangling link, a file, another
 * export) or a file cannot be written.
 */
gboolean md_export_customer(MdTxn *txn, const MdConfig *config,
    const MdCustomer *c, const char *dir, gint64 now, GError **error);
