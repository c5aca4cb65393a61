/* SPDX-License-Identifier: MIT */
/*
 * Readable text from HTML-only mail.  libxml2's HTML parser builds the tree
 * (it recovers from the broken markup mail clients send); we only walk it,
 * keeping text, turning blocks into line breaks and links into "text <url>".
 */
#include <string.h>

#include <libxml/HTMLparser.h>

#include "maildesk/mime-text.h"

static gboolean
is_block(const char *name)
{
	static const char *const blocks[] = {
		"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5",
		"h6", "blockquote", "pre", "table", "ul", "ol", "hr", "dt",
		"dd", "section", "article", "header", "footer", "address",
		NULL
	};

	for (const char *const *b = blocks; *b != NULL; b++)
		if (g_ascii_strcasecmp(name, *b) == 0)
			return TRUE;
	return FALSE;
}

static void
newline(GString *out)
{
	if (out->len > 0 && out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
}

static void
append_text(GString *out, const char *text, gboolean pre)
{
	if (pre) {
		g_string_append(out, text);
		return;
	}
	/* Collapse white space as a browser would. */
	for (const char *p = text; *p != '\0'; p++) {
		if (g_ascii_isspace(*p)) {
			if (out->len > 0 && out->str[out->len - 1] != ' ' &&
			    out->str[out->len - 1] != '\n')
				g_string_append_c(out, ' ');
		} else
			g_string_append_c(out, *p);
	}
}

static void
walk(xmlNode *node, GString *out, gboolean pre, int depth)
{
	if (depth > 200)
		return;
	for (xmlNode *n = node; n != NULL; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (n->content != NULL)
				append_text(out, (const char *)n->content, pre);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		const char *name = (const char *)n->name;

		if (g_ascii_strcasecmp(name, "script") == 0 ||
		    g_ascii_strcasecmp(name, "style") == 0 ||
		    g_ascii_strcasecmp(name, "head") == 0 ||
		    g_ascii_strcasecmp(name, "title") == 0)
			continue;
		if (is_block(name))
			newline(out);
		if (g_ascii_strcasecmp(name, "li") == 0)
			g_string_append(out, "- ");
		walk(n->children, out,
		    pre || g_ascii_strcasecmp(name, "pre") == 0, depth + 1);
		if (g_ascii_strcasecmp(name, "a") == 0) {
			xmlChar *href = xmlGetProp(n, (const xmlChar *)"href");

			if (href != NULL && g_str_has_prefix((char *)href,
			    "http") && strstr(out->str, (char *)href) == NULL)
				g_string_append_printf(out, " <%s>", href);
			xmlFree(href);
		}
		if (g_ascii_strcasecmp(name, "p") == 0 ||
		    g_ascii_strcasecmp(name, "blockquote") == 0 ||
		    name[0] == 'h' || name[0] == 'H') {
			newline(out);
			if (!g_str_has_suffix(out->str, "\n\n"))
				g_string_append_c(out, '\n');
		} else if (is_block(name))
			newline(out);
	}
}

char *
md_html_to_text(const char *html, gsize len)
{
	htmlDocPtr doc;
	GString *out;
	char *s;

	if (len > G_MAXINT)
		len = G_MAXINT;
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
	    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_NONET | HTML_PARSE_NOIMPLIED);
	if (doc == NULL)
		return g_strdup("");
	out = g_string_new(NULL);
	walk(xmlDocGetRootElement(doc), out, FALSE, 0);
	xmlFreeDoc(doc);
	/* Trim trailing blank lines and spaces. */
	while (out->len > 0 && g_ascii_isspace(out->str[out->len - 1]))
		g_string_truncate(out, out->len - 1);
	s = g_string_free(out, FALSE);
	if (!g_utf8_validate(s, -1, NULL)) {
		char *valid = g_utf8_make_valid(s, -1);

		g_free(s);
		s = valid;
	}
	return s;
}
