/* SPDX-License-Identifier: MIT */
/*
 * Tokens.  48 bits of HMAC are plenty against guessing over SMTP (each try
 * is a delivered mail), and short enough for a local part.  Verification
 * compares in constant time so the mail system cannot be used as an oracle.
 * A reply address carries the day it was issued, under the MAC, so that a
 * leaked one stops counting; a Message-ID carries a tag of the address it
 * was sent to, so that a reference proves which address received it.
 */
#include <string.h>

#include "maildesk/token.h"

static char *
hmac_hex(GBytes *secret, const char *text, gsize chars)
{
	gsize klen;
	const guchar *key = g_bytes_get_data(secret, &klen);
	g_autofree char *full = g_compute_hmac_for_string(G_CHECKSUM_SHA256,
	    key, klen, text, -1);

	return g_strndup(full, chars);
}

char *
md_token_mac(GBytes *secret, guint64 ticket, guint32 day, const char *agent)
{
	g_autofree char *text = NULL;
	g_autofree char *lower = agent ? g_ascii_strdown(agent, -1) : NULL;
	g_autofree char *when = day ? g_strdup_printf(":%u", day) :
	    g_strdup("");

	/* Day 0 is the form of tokens issued before they carried a day. */
	if (agent != NULL)
		text = g_strdup_printf("reply:%" G_GUINT64_FORMAT "%s:agent:%s",
		    ticket, when, lower);
	else
		text = g_strdup_printf("reply:%" G_GUINT64_FORMAT "%s", ticket,
		    when);
	return hmac_hex(secret, text, MD_TOKEN_MAC_CHARS);
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
md_token_verify(GBytes *secret, guint64 ticket, guint32 day,
    const char *agent, const char *mac)
{
	g_autofree char *want = md_token_mac(secret, ticket, day, agent);

	return mac != NULL && equal_const_time(want, mac);
}

char *
md_token_derive(GBytes *secret, const char *purpose)
{
	g_autofree char *text = g_strconcat("derive:", purpose, NULL);

	return hmac_hex(secret, text, MD_TOKEN_MAC_CHARS);
}

gboolean
md_token_is_fresh(guint32 day, guint max_days, gint64 now)
{
	gint64 today = now / 86400;

	/* A day or so ahead is a clock apart, more is no token of ours. */
	return day != 0 && (gint64)day <= today + 1 &&
	    (gint64)day + (gint64)max_days >= today;
}

char *
md_token_reply_address(GBytes *secret, const char *base, char delimiter,
    guint64 ticket, const char *agent, gint64 now)
{
	guint32 day = MD_TOKEN_DAY(now);
	g_autofree char *mac = md_token_mac(secret, ticket, day, agent);
	const char *at = strrchr(base, '@');

	if (at == NULL)
		return g_strdup(base);
	return g_strdup_printf("%.*s%c%" G_GUINT64_FORMAT ".%u.%s%s",
	    (int)(at - base), base, delimiter, ticket, day, mac, at);
}

static gboolean
all_digits(const char *p, const char *end)
{
	if (p == end)
		return FALSE;
	for (; p < end; p++)
		if (!g_ascii_isdigit(*p))
			return FALSE;
	return TRUE;
}

gboolean
md_token_parse_address(const char *address, const char *delimiters,
    guint64 *ticket, guint32 *day, char **mac, char **base)
{
	const char *at, *delim = NULL, *dot, *dot2;
	g_autofree char *num = NULL;
	guint64 d = 0;

	if (address == NULL || delimiters == NULL || delimiters[0] == '\0')
		return FALSE;
	at = strrchr(address, '@');
	if (at == NULL)
		return FALSE;
	/* The last delimiter before @: support-team+42.20512.mac@ */
	for (const char *p = address; p < at; p++)
		if (strchr(delimiters, *p) != NULL)
			delim = p;
	if (delim == NULL || delim == address)
		return FALSE;
	dot = memchr(delim, '.', at - delim);
	if (dot == NULL || !all_digits(delim + 1, dot))
		return FALSE;
	/* ticket.day.mac, or ticket.mac as issued before days. */
	dot2 = memchr(dot + 1, '.', at - dot - 1);
	if (dot2 != NULL) {
		g_autofree char *ds = g_strndup(dot + 1, dot2 - dot - 1);

		if (!all_digits(dot + 1, dot2) || !g_ascii_string_to_unsigned(
		    ds, 10, 1, G_MAXUINT32, &d, NULL))
			return FALSE;
	} else
		dot2 = dot;
	if (at - dot2 - 1 != MD_TOKEN_MAC_CHARS)
		return FALSE;
	num = g_strndup(delim + 1, dot - delim - 1);
	if (!g_ascii_string_to_unsigned(num, 10, 1, G_MAXINT64, ticket, NULL))
		return FALSE;
	for (const char *p = dot2 + 1; p < at; p++)
		if (!g_ascii_isxdigit(*p))
			return FALSE;
	*day = (guint32)d;
	*mac = g_ascii_strdown(dot2 + 1, at - dot2 - 1);
	*base = g_strdup_printf("%.*s%s", (int)(delim - address), address, at);
	return TRUE;
}

/* The tag binding a Message-ID to the address it was sent to. */
static char *
to_tag(GBytes *secret, const char *ticket, const char *rand,
    const char *to)
{
	g_autofree char *lower = g_ascii_strdown(to, -1);
	g_autofree char *text = g_strdup_printf("msgid-to:%s.%s:%s", ticket,
	    rand, lower);

	return hmac_hex(secret, text, MD_TOKEN_TO_CHARS);
}

char *
md_token_message_id(GBytes *secret, guint64 ticket, const char *from,
    const char *to)
{
	const char *at = from ? strrchr(from, '@') : NULL;
	const char *domain = at ? at + 1 : from;
	g_autofree char *text = NULL, *mac = NULL, *tag = NULL;
	g_autofree char *n = g_strdup_printf("%" G_GUINT64_FORMAT, ticket);
	g_autofree char *r = g_strdup_printf("%08x", g_random_int());

	tag = to_tag(secret, n, r, to ? to : "");
	text = g_strdup_printf("msgid:%s.%s.%s", n, r, tag);
	mac = hmac_hex(secret, text, MD_TOKEN_MAC_CHARS);
	return g_strdup_printf("md.%s.%s.%s.%s@%s", n, r, tag, mac,
	    domain ? domain : "localhost");
}

char *
md_token_plain_message_id(const char *prefix, const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;

	return g_strdup_printf("%s.%" G_GINT64_FORMAT ".%08x@%s", prefix,
	    g_get_real_time(), g_random_int(), at ? at + 1 : "localhost");
}

/*
 * Splits one of our Message-IDs: "md.T.R.TAG.MAC@" (TAG: the address it
 * was sent to) or "md.T.R.MAC@" as made before; NULL when not that shape.
 */
static char **
message_id_parts(const char *id)
{
	const char *at;
	g_autofree char *local = NULL;
	char **parts;
	guint n;

	if (id == NULL || !g_str_has_prefix(id, "md.") ||
	    (at = strchr(id, '@')) == NULL)
		return NULL;
	local = g_strndup(id, at - id);
	parts = g_strsplit(local, ".", -1);
	n = g_strv_length(parts);
	if ((n != 4 && n != 5) || strlen(parts[2]) != 8 ||
	    (n == 5 && strlen(parts[3]) != MD_TOKEN_TO_CHARS)) {
		g_strfreev(parts);
		return NULL;
	}
	return parts;
}

guint64
md_token_message_id_ticket(GBytes *secret, const char *id)
{
	g_auto(GStrv) parts = message_id_parts(id);
	g_autofree char *text = NULL, *mac = NULL;
	guint64 ticket;
	guint n;

	if (parts == NULL || !g_ascii_string_to_unsigned(parts[1], 10, 1,
	    G_MAXINT64, &ticket, NULL))
		return 0;
	n = g_strv_length(parts);
	if (n == 5)
		text = g_strdup_printf("msgid:%s.%s.%s", parts[1], parts[2],
		    parts[3]);
	else
		text = g_strdup_printf("msgid:%s.%s", parts[1], parts[2]);
	mac = hmac_hex(secret, text, MD_TOKEN_MAC_CHARS);
	return equal_const_time(mac, parts[n - 1]) ? ticket : 0;
}

gboolean
md_token_message_id_sent_to(GBytes *secret, const char *id,
    const char *address)
{
	g_auto(GStrv) parts = message_id_parts(id);
	g_autofree char *tag = NULL;

	if (parts == NULL || g_strv_length(parts) != 5 || address == NULL ||
	    md_token_message_id_ticket(secret, id) == 0)
		return FALSE;
	tag = to_tag(secret, parts[1], parts[2], address);
	return equal_const_time(tag, parts[3]);
}
