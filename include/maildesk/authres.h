/* SPDX-License-Identifier: MIT */
/*
 * Authentication-Results (RFC 8601) written by our own MX.  Only headers
 * whose authserv-id is [agents] authserv-id count: anyone can write such a
 * header into a mail, only our MX writes ours (and removes forged ones).
 */
#pragma once
#include "maildesk/config.h"
#include "maildesk/message.h"

typedef struct {
	gboolean dkim_pass;	/* dkim=pass signed by the domain */
	gboolean dmarc_pass;	/* dmarc=pass for the domain */
	gboolean spf_fail;	/* spf=fail for the domain */
	gboolean dmarc_fail;	/* dmarc=fail for the domain */
} MdAuthResults;

/*
 * What our MX found about @domain (nullable: nothing) in @m's
 * Authentication-Results; all FALSE when no authserv-id is configured.
 */
void md_authres_read(const MdConfig *config, const MdMessage *m,
    const char *domain, MdAuthResults *out);

/* The domain of @address, or "" (borrowed, points into @address). */
const char *md_authres_domain_of(const char *address);
