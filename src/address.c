/* SPDX-License-Identifier: MIT */
/*
 * Address headers.  GMime parses what follows RFC 5322 (loosely); for
 * the rest the order is fixed: GMime again on the decoded text, in case
 * an encoded word wraps the whole address, then a lenient reading that
 * takes an address from angle brackets (with spaces in it or a bracket
 * missing), or the first word around an "@" (in a comment, a quoted
 * name, after a bare name).  What has no "@" is no address: a display
 * name alone, "MAILER-DAEMON" or "<>" give no mailbox.
 */
#include <string.h>

#include "maildesk/address.h"
#include "maildesk/header-text.h"

/*
 * A mailbox address GMime accepted that is really one: something before
 * and after the last "@", no white space, quote or bracket in the domain
 * (a [literal] aside), no unquoted space in the local part.
 */
static gboolean
plausible(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	const char *dom;

	if (at == NULL || at == addr || at[1] == '\0')
		return FALSE;
	dom = at + 1;
	if (dom[0] == '[')
		return dom[strlen(dom) - 1] == ']';
	for (const char *p = dom; *p != '\0'; p++)
		if (g_ascii_isspace(*p) || strchr("\"<>()[],;:@\\", *p))
			return FALSE;
	if (addr[0] != '"')
		for (const char *p = addr; p < at; p++)
			if (g_ascii_isspace(*p) || *p == '"')
				return FALSE;
	return TRUE;
}

static void
collect(InternetAddressList *list, GPtrArray *out, int depth)
{
	if (list == NULL || depth > 4)
		return;
	for (int i = 0; i < internet_address_list_length(list) &&
	    out->len < MD_MAILBOX_LIST_MAX; i++) {
		InternetAddress *ia = internet_address_list_get_address(list,
		    i);
		g_autofree char *name = NULL;
		g_autofree char *email = NULL;

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			collect(internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(ia)), out, depth + 1);
			continue;
		}
		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		email = md_header_text_one_line(
		    internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia)));
		if (!plausible(email))
			continue;
		name = md_header_text_one_line(internet_address_get_name(ia));
		g_ptr_array_add(out, md_mailbox_new(name, email));
	}
}

void
md_address_collect(InternetAddressList *list, GPtrArray *out)
{
	collect(list, out, 0);
}

static void
parse_into(const char *text, GMimeParserOptions *options, GPtrArray *out)
{
	InternetAddressList *list = internet_address_list_parse(options, text);

	if (list == NULL)
		return;
	collect(list, out, 0);
	g_object_unref(list);
}

void
md_address_parse_list(const char *raw, GMimeParserOptions *options,
    const char *hint, const char **guessed, GPtrArray *out)
{
	g_autofree char *text = NULL;

	if (raw == NULL)
		return;
	if (md_header_text_is_plain(raw)) {
		parse_into(raw, options, out);
		return;
	}
	text = md_header_text_structured(raw, hint, guessed);
	parse_into(text, options, out);
}

static MdMailbox *
first_collected(InternetAddressList *list)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)md_mailbox_free);

	collect(list, all, 0);
	return all->len > 0 ? g_ptr_array_steal_index(all, 0) : NULL;
}

static MdMailbox *
first_of(const char *text, GMimeParserOptions *options)
{
	InternetAddressList *list = internet_address_list_parse(options, text);
	MdMailbox *mb;

	if (list == NULL)
		return NULL;
	mb = first_collected(list);
	g_object_unref(list);
	return mb;
}

static gboolean
is_addr_char(gunichar c)
{
	return c > 0x20 && c != 0x7f && !g_unichar_isspace(c) &&
	    strchr("<>()[]\",;:", (int)(c < 0x80 ? c : 'x')) == NULL;
}

/* A domain as the lenient reading takes it: dots between labels. */
static gboolean
is_domain(const char *d, gsize n)
{
	gboolean dot = FALSE;

	if (n == 0 || d[0] == '.' || d[0] == '-')
		return FALSE;
	for (gsize i = 0; i < n; i++) {
		guchar c = d[i];

		if (c == '.') {
			if (i + 1 < n && d[i + 1] == '.')
				return FALSE;
			dot = TRUE;
		} else if (!(g_ascii_isalnum(c) || c == '-' || c >= 0x80))
			return FALSE;
	}
	return dot;
}

/* Trims spaces, quotes and separators off a name; NULL if no letter is
 * left. */
static char *
clean_name(const char *s, gsize n)
{
	g_autofree char *t = g_strndup(s, n);
	char *p = t, *e;
	gboolean letter = FALSE;

	while (*p != '\0' && strchr(" \t\"'<>()[],;:", *p) != NULL)
		p++;
	e = p + strlen(p);
	while (e > p && strchr(" \t\"'<>()[],;:", e[-1]) != NULL)
		e--;
	*e = '\0';
	for (const char *c = p; *c != '\0'; c = g_utf8_next_char(c))
		letter |= g_unichar_isalpha(g_utf8_get_char(c));
	return letter && strchr(p, '@') == NULL ? g_strdup(p) : NULL;
}

/* An address between "<" and ">" (or the end): spaces in the local part
 * are kept, as a quoted string, since that is what was written. */
static MdMailbox *
from_brackets(const char *t)
{
	for (const char *lt = strchr(t, '<'); lt != NULL;
	    lt = strchr(lt + 1, '<')) {
		const char *b = lt, *gt, *at;
		g_autofree char *inner = NULL;
		g_autofree char *local = NULL;
		g_autofree char *addr = NULL;
		g_autofree char *name = NULL;

		while (*b == '<')
			b++;
		gt = strchr(b, '>');
		inner = g_strstrip(g_strndup(b, gt ? (gsize)(gt - b) :
		    strlen(b)));
		at = strrchr(inner, '@');
		if (at == NULL || at == inner)
			continue;
		local = g_strstrip(g_strndup(inner, at - inner));
		while (local[0] != '\0' && local[strlen(local) - 1] == '@')
			local[strlen(local) - 1] = '\0';
		g_strstrip(local);
		{
			g_autofree char *dom = g_strstrip(g_strdup(at + 1));

			if (local[0] == '\0' || !is_domain(dom, strlen(dom)))
				continue;
			if (strpbrk(local, " \t\"\\") != NULL) {
				GString *q = g_string_new("\"");

				for (const char *c = local; *c != '\0'; c++) {
					if (*c == '"' || *c == '\\')
						g_string_append_c(q, '\\');
					g_string_append_c(q, *c);
				}
				g_string_append_c(q, '"');
				g_free(local);
				local = g_string_free(q, FALSE);
			}
			addr = g_strconcat(local, "@", dom, NULL);
		}
		name = clean_name(t, lt - t);
		return md_mailbox_new(name, addr);
	}
	return NULL;
}

/* The first "word@domain" among the words of @t. */
static MdMailbox *
from_words(const char *t)
{
	for (const char *at = strchr(t, '@'); at != NULL;
	    at = strchr(at + 1, '@')) {
		const char *l = at, *r = at, *d;
		g_autofree char *local = NULL;
		g_autofree char *rest = NULL;
		GString *name;

		while (l > t) {
			const char *prev = g_utf8_find_prev_char(t, l);

			if (prev == NULL ||
			    !is_addr_char(g_utf8_get_char(prev)))
				break;
			l = prev;
		}
		while (*r == '@')
			r++;
		d = r;
		while (*r != '\0' && is_addr_char(g_utf8_get_char(r)) &&
		    *r != '@')
			r = g_utf8_next_char(r);
		while (r > d && (r[-1] == '.' || r[-1] == '\''))
			r--;
		/* 'jane@example.org': quotes around, not in, the address. */
		while (l < at && *l == '\'')
			l++;
		if (l == at || !is_domain(d, r - d))
			continue;
		local = g_strndup(l, at - l);
		rest = g_strndup(d, r - d);
		name = g_string_new_len(t, l - t);
		g_string_append_c(name, ' ');
		g_string_append(name, r);
		{
			g_autofree char *addr = g_strconcat(local, "@", rest,
			    NULL);
			g_autofree char *n = NULL;

			g_strstrip(name->str);
			n = clean_name(name->str, strlen(name->str));
			g_string_free(name, TRUE);
			return md_mailbox_new(n, addr);
		}
	}
	return NULL;
}

MdMailbox *
md_address_parse_first(const char *raw, InternetAddressList *parsed,
    GMimeParserOptions *options, const char *hint, const char **guessed)
{
	g_autofree char *structured = NULL;
	g_autofree char *text = NULL;
	MdMailbox *mb;

	if (raw == NULL)
		return NULL;
	if (md_header_text_is_plain(raw)) {
		structured = g_strdup(raw);
		mb = parsed != NULL ? first_collected(parsed) :
		    first_of(structured, options);
	} else {
		structured = md_header_text_structured(raw, hint, guessed);
		mb = first_of(structured, options);
	}
	if (mb != NULL)
		return mb;
	text = md_header_text_decode(raw, hint, guessed);
	if (text == NULL || strchr(text, '@') == NULL)
		return NULL;
	if (strcmp(text, structured) != 0 &&
	    (mb = first_of(text, options)) != NULL)
		return mb;
	if ((mb = from_brackets(text)) != NULL)
		return mb;
	return from_words(text);
}
