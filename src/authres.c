/* SPDX-License-Identifier: MIT */
/*
 * Authentication-Results of our own MX.  A header is
 * "authserv-id [version]; method=result property=value ...; ...": each
 * result counts only when its properties name the domain asked about,
 * so a pass for the attacker's own domain proves nothing about ours.
 */
#include <string.h>

#include "maildesk/authres.h"

const char *
md_authres_domain_of(const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;

	return at ? at + 1 : "";
}

/* A property value: a domain, or an address whose domain counts. */
static gboolean
names_domain(const char *value, const char *domain)
{
	const char *at = strrchr(value, '@');

	return g_ascii_strcasecmp(at ? at + 1 : value, domain) == 0;
}

/* One resinfo: "method=result property=value ...". */
static void
read_result(char *resinfo, const char *domain, MdAuthResults *out)
{
	g_auto(GStrv) words = g_strsplit_set(g_strstrip(resinfo), " \t\r\n",
	    -1);
	const char *result = NULL;
	gboolean named = FALSE, other = FALSE;

	for (char **w = words; *w != NULL; w++) {
		const char *eq = strchr(*w, '=');

		if (eq == NULL || (*w)[0] == '(')
			continue;
		if (result == NULL) {
			result = *w;
			continue;
		}
		if (g_ascii_strncasecmp(*w, "header.d=", 9) == 0 ||
		    g_ascii_strncasecmp(*w, "header.i=", 9) == 0 ||
		    g_ascii_strncasecmp(*w, "header.from=", 12) == 0 ||
		    g_ascii_strncasecmp(*w, "smtp.mailfrom=", 14) == 0) {
			if (names_domain(eq + 1, domain))
				named = TRUE;
			else
				other = TRUE;
		}
	}
	if (result == NULL)
		return;
	/* A pass must name the domain; a fail may leave it unnamed. */
	if (g_ascii_strcasecmp(result, "dkim=pass") == 0 && named)
		out->dkim_pass = TRUE;
	else if (g_ascii_strcasecmp(result, "dmarc=pass") == 0 && named)
		out->dmarc_pass = TRUE;
	else if (g_ascii_strcasecmp(result, "spf=fail") == 0 && !other)
		out->spf_fail = TRUE;
	else if (g_ascii_strcasecmp(result, "dmarc=fail") == 0 && !other)
		out->dmarc_fail = TRUE;
}

void
md_authres_read(const MdConfig *config, const MdMessage *m,
    const char *domain, MdAuthResults *out)
{
	memset(out, 0, sizeof(*out));
	if (config->authserv_id[0] == '\0' || domain == NULL ||
	    domain[0] == '\0')
		return;
	for (guint i = 0; i + 1 < m->headers->len; i += 2) {
		g_auto(GStrv) parts = NULL;
		g_autofree char *id = NULL;

		if (g_ascii_strcasecmp(g_ptr_array_index(m->headers, i),
		    "Authentication-Results") != 0)
			continue;
		parts = g_strsplit(g_ptr_array_index(m->headers, i + 1), ";",
		    -1);
		if (parts[0] == NULL)
			continue;
		id = g_strstrip(g_strdup(parts[0]));
		if (strchr(id, ' ') != NULL)	/* a version follows the id */
			*strchr(id, ' ') = '\0';
		if (g_ascii_strcasecmp(id, config->authserv_id) != 0)
			continue;
		for (char **p = parts + 1; *p != NULL; p++)
			read_result(*p, domain, out);
	}
}
