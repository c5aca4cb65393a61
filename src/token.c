/* SPDX-License-Identifier: MIT */
/*
 * Tokens.  48 bits of HMAC are plenty against guessing over SMTP (each try
 * is a delivered mail), and short enough for a local part.  Verification
 * compares in constant time so the mail system cannot be used as an oracle.
 */
#include <string.h>

#include "maildesk/token.h"

static char *
hmac_hex(GBytes *secret, const char *text)
{
	gsize klen;
	const guchar *key = g_bytes_get_data(secret, &klen);
	g_autofree char *full = g_compute_hmac_for_string(G_CHECKSUM_SHA256,
	    key, klen, text, -1);

	return g_strndup(full, MD_TOKEN_MAC_CHARS);
}

char *
md_token_mac(GBytes *secret, guint64 ticket, const char *agent)
{
	g_autofree char *text = NULL;
	g_autofree char *lower = agent ? g_ascii_strdown(agent, -1) : NULL;

	if (agent != NULL)
		text = g_strdup_printf("reply:%" G_GUINT64_FORMAT ":agent:%s",
		    ticket, lower);
	else
		text = g_strdup_printf("reply:%" G_GUINT64_FORMAT, ticket);
	return hmac_hex(secret, text);
}

static gboolean
equal_const_time(const char *a, const char *b)
{
	gsize n = strlen(a);
	unsigned diff = 0;

	if (n != strlen(b))
		return FALSE;
	for (gsize i = 0; i < n; i++)
		diff |= (unsigned char)(g_ascii_tolower(a[i]) ^
		    g_ascii_tolower(b[i]));
	return diff == 0;
}

gboolean
md_token_verify(GBytes *secret, guint64 ticket, const char *agent,
    const char *mac)
{
	g_autofree char *want = md_token_mac(secret, ticket, agent);

	return mac != NULL && equal_const_time(want, mac);
}

char *
md_token_reply_address(GBytes *secret, const char *base, char delimiter,
    guint64 ticket, const char *agent)
{
	g_autofree char *mac = md_token_mac(secret, ticket, agent);
	const char *at = strrchr(base, '@');

	if (at == NULL)
		return g_strdup(base);
	return g_strdup_printf("%.*s%c%" G_GUINT64_FORMAT ".%s%s",
	    (int)(at - base), base, delimiter, ticket, mac, at);
}

gboolean
md_token_parse_address(const char *address, const char *delimiters,
    guint64 *ticket, char **mac, char **base)
{
	const char *at, *delim = NULL, *dot;
	g_autofree char *num = NULL;

	if (address == NULL || delimiters == NULL || delimiters[0] == '\0')
		return FALSE;
	at = strrchr(address, '@');
	if (at == NULL)
		return FALSE;
	/* The last delimiter before @: support-team+42.mac@ */
	for (const char *p = address; p < at; p++)
		if (strchr(delimiters, *p) != NULL)
			delim = p;
	if (delim == NULL || delim == address)
		return FALSE;
	dot = memchr(delim, '.', at - delim);
	if (dot == NULL || dot == delim + 1 ||
	    at - dot - 1 != MD_TOKEN_MAC_CHARS)
		return FALSE;
	num = g_strndup(delim + 1, dot - delim - 1);
	if (!g_ascii_string_to_unsigned(num, 10, 1, G_MAXINT64, ticket, NULL))
		return FALSE;
	for (const char *p = dot + 1; p < at; p++)
		if (!g_ascii_isxdigit(*p))
			return FALSE;
	*mac = g_ascii_strdown(dot + 1, at - dot - 1);
	*base = g_strdup_printf("%.*s%s", (int)(delim - address), address, at);
	return TRUE;
}

char *
md_token_message_id(GBytes *secret, guint64 ticket, const char *from)
{
	const char *at = from ? strrchr(from, '@') : NULL;
	const char *domain = at ? at + 1 : from;
	g_autofree char *text = NULL, *mac = NULL;
	guint32 r = g_random_int();

	text = g_strdup_printf("msgid:%" G_GUINT64_FORMAT ".%08x", ticket, r);
	mac = hmac_hex(secret, text);
	return g_strdup_printf("md.%" G_GUINT64_FORMAT ".%08x.%s@%s", ticket,
	    r, mac, domain ? domain : "localhost");
}

guint64
md_token_message_id_ticket(GBytes *secret, const char *id)
{
	g_auto(GStrv) parts = NULL;
	g_autofree char *local = NULL, *text = NULL, *mac = NULL;
	const char *at;
	guint64 ticket;

	if (id == NULL || !g_str_has_prefix(id, "md.") ||
	    (at = strchr(id, '@')) == NULL)
		return 0;
	local = g_strndup(id, at - id);
	parts = g_strsplit(local, ".", -1);
	if (g_strv_length(parts) != 4 || strlen(parts[2]) != 8 ||
	    !g_ascii_string_to_unsigned(parts[1], 10, 1, G_MAXINT64, &ticket,
	    NULL))
		return 0;
	text = g_strdup_printf("msgid:%s.%s", parts[1], parts[2]);
	mac = hmac_hex(secret, text);
	return equal_const_time(mac, parts[3]) ? ticket : 0;
}
