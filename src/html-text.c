/* SPDX-License-Identifier: MIT */
/*
 * Readable text from HTML-only mail.  libxml2's HTML parser builds the tree
 * (it recovers from the broken markup mail clients send); we only walk it,
 * keeping text, turning blocks into line breaks and links into "text <url>".
 *
 * libxml2 is loaded on first use, not at start-up: it pulls in ICU, whose
 * loading costs more than a whole delivery of a plain text mail, and only
 * HTML-only mail needs it.
 */
#include <string.h>

#include <gmodule.h>
#include <libxml/HTMLparser.h>

#include "maildesk/html-text.h"

static struct {
	htmlDocPtr (*read_memory)(const char *, int, const char *,
	    const char *, int);
	xmlNodePtr (*root_element)(const xmlDoc *);
	void (*free_doc)(xmlDocPtr);
	xmlChar *(*get_prop)(const xmlNode *, const xmlChar *);
	xmlFreeFunc *free;	/* libxml2 exports xmlFree as a variable */
	void (*init_parser)(void);
} xml;

#define LIBXML2_SONAME "libxml2.so.2"

/* Loads libxml2 once; FALSE (and a warning) if it cannot be had. */
static gboolean
load_libxml2(void)
{
	static gsize once;
	static gboolean loaded;

	if (g_once_init_enter(&once)) {
		GModule *mod = g_module_open(LIBXML2_SONAME,
		    G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);

		loaded = mod != NULL &&
		    g_module_symbol(mod, "htmlReadMemory",
		    (gpointer *)&xml.read_memory) &&
		    g_module_symbol(mod, "xmlDocGetRootElement",
		    (gpointer *)&xml.root_element) &&
		    g_module_symbol(mod, "xmlFreeDoc",
		    (gpointer *)&xml.free_doc) &&
		    g_module_symbol(mod, "xmlGetProp",
		    (gpointer *)&xml.get_prop) &&
		    g_module_symbol(mod, "xmlFree", (gpointer *)&xml.free) &&
		    g_module_symbol(mod, "xmlInitParser",
		    (gpointer *)&xml.init_parser);
		/* libxml2 wants this once, before threads parse at once. */
		if (loaded)
			xml.init_parser();
		if (!loaded)
			g_warning("HTML to text: cannot load %s: %s",
			    LIBXML2_SONAME, g_module_error());
		/* Kept for the life of the process. */
		g_once_init_leave(&once, 1);
	}
	return loaded;
}

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
	while (out->len > 0 && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	if (out->len > 0 && out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
}

/* A blank line between paragraphs, none at the start. */
static void
paragraph(GString *out)
{
	if (out->len == 0)
		return;
	newline(out);
	if (!g_str_has_suffix(out->str, "\n\n"))
		g_string_append_c(out, '\n');
}

static gboolean
is_paragraph(const char *name)
{
	static const char *const paras[] = {
		"p", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
		NULL
	};

	for (const char *const *b = paras; *b != NULL; b++)
		if (g_ascii_strcasecmp(name, *b) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
is_hidden(const char *name)
{
	static const char *const hidden[] = {
		"script", "style", "head", "title", "template", "noscript",
		NULL
	};

	for (const char *const *b = hidden; *b != NULL; b++)
		if (g_ascii_strcasecmp(name, *b) == 0)
			return TRUE;
	return FALSE;
}

static void
append_text(GString *out, const char *text, gboolean pre)
{
	for (const char *p = text; *p != '\0'; p++) {
		/* &nbsp; (U+00A0) reads as a plain space. */
		if ((guchar)p[0] == 0xc2 && (guchar)p[1] == 0xa0) {
			g_string_append_c(out, ' ');
			p++;
		} else if (pre)
			g_string_append_c(out, *p);
		else if (g_ascii_isspace(*p)) {
			/* Collapse white space as a browser would. */
			if (out->len > 0 && out->str[out->len - 1] != ' ' &&
			    out->str[out->len - 1] != '\n' &&
			    out->str[out->len - 1] != '\t')
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
		const char *name;
		gsize start;

		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (n->content != NULL)
				append_text(out, (const char *)n->content, pre);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		name = (const char *)n->name;
		if (is_hidden(name))
			continue;
		if (g_ascii_strcasecmp(name, "br") == 0) {
			/* <br><br> is a blank line; more add nothing. */
			if (out->len > 0 &&
			    !g_str_has_suffix(out->str, "\n\n"))
				g_string_append_c(out, '\n');
			/* libxml2 hangs what follows a stray <br> below it. */
			walk(n->children, out, pre, depth + 1);
			continue;
		}
		if (is_paragraph(name))
			paragraph(out);
		else if (is_block(name))
			newline(out);
		if (g_ascii_strcasecmp(name, "li") == 0)
			g_string_append(out, "- ");
		/* Table cells side by side, separated by a tab. */
		if ((g_ascii_strcasecmp(name, "td") == 0 ||
		    g_ascii_strcasecmp(name, "th") == 0) && out->len > 0 &&
		    out->str[out->len - 1] != '\n') {
			while (out->len > 0 && out->str[out->len - 1] == ' ')
				g_string_truncate(out, out->len - 1);
			g_string_append_c(out, '\t');
		}
		start = out->len;
		walk(n->children, out,
		    pre || g_ascii_strcasecmp(name, "pre") == 0, depth + 1);
		if (g_ascii_strcasecmp(name, "a") == 0) {
			xmlChar *href = xml.get_prop(n, (const xmlChar *)"href");

			/*
			 * The URL unless the link text already shows it;
			 * trailing spaces may have gone since @start.
			 */
			start = MIN(start, out->len);
			if (href != NULL && g_str_has_prefix((char *)href,
			    "http") && strstr(out->str + start,
			    (char *)href) == NULL)
				g_string_append_printf(out, " <%s>", href);
			(*xml.free)(href);
		}
		if (is_paragraph(name))
			paragraph(out);
		else if (is_block(name))
			newline(out);
	}
}

char *
md_html_text_from_html(const char *html, gsize len)
{
	htmlDocPtr doc;
	GString *out;
	char *s;

	if (!load_libxml2())
		return NULL;
	if (len > G_MAXINT)
		len = G_MAXINT;
	doc = xml.read_memory(html, (int)len, NULL, "UTF-8",
	    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_NONET | HTML_PARSE_NOIMPLIED);
	if (doc == NULL)
		return g_strdup("");
	out = g_string_new(NULL);
	walk(xml.root_element(doc), out, FALSE, 0);
	xml.free_doc(doc);
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
