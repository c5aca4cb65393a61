/* SPDX-License-Identifier: MIT */
/*
 * Rate limits: counters per key and clock hour or day in the ratelimit
 * database, "key NUL h|d NUL window-start".  Counters older than two days
 * count for nothing and are dropped by flush.
 */
#pragma once
#include "maildesk/store.h"

typedef struct {
	const char *key;	/* what is counted: an address, "@domain" */
	char unit;		/* 'h': per clock hour, 'd': per day */
	guint limit;		/* at most this many per window */
} MdRateLimit;

/*
 * Takes one from each of @n @limits at @now (write txn) when every one
 * has room: *@allowed TRUE.  When one is at its limit, nothing is
 * counted and *@allowed is FALSE.  Errors only for store failures.
 */
gboolean md_ratelimit_take(MdTxn *txn, const MdRateLimit *limits, guint n,
    gint64 now, gboolean *allowed, GError **error);

/*
 * The key of @address for counting mail to a person: lower case, without
 * a "+detail" (victim+1@ and Victim+2@ are victim@), fit for a key
 * (transfer full).
 */
char *md_ratelimit_address_key(const char *address);

/* "@domain" of @address, lower case, fit for a key (transfer full). */
char *md_ratelimit_domain_key(const char *address);
