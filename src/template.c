/* SPDX-License-Identifier: MIT */
/*
 * Template files.  The configured directory wins; a file it lacks comes
 * from the English and German templates compiled into the binary, so a
 * binary run from the build tree, or a directory a site filled only in
 * part, still sends its mail.  A missing language falls back to English
 * so that a queue configured for a language we do not ship still gets its
 * mail; a template found nowhere is a configuration error.
 */
#include <string.h>

#include <gio/gio.h>

#include "maildesk/error.h"
#include "maildesk/template.h"
#include "templates-resource.h"	/* generated from templates.gresource.xml */

char *
md_template_expand(const char *text, GHashTable *vars)
{
	GString *out = g_string_new(NULL);
	const char *p = text;

	for (;;) {
		const char *open = strstr(p, "{{");
		const char *close;
		g_autofree char *key = NULL;
		const char *value;

		if (open == NULL) {
			g_string_append(out, p);
			break;
		}
		close = strstr(open + 2, "}}");
		if (close == NULL) {
			g_string_append(out, p);
			break;
		}
		g_string_append_len(out, p, open - p);
		key = g_strstrip(g_strndup(open + 2, close - open - 2));
		value = g_hash_table_lookup(vars, key);
		if (value != NULL)
			g_string_append(out, value);
		else
			g_string_append_len(out, open, close + 2 - open);
		p = close + 2;
	}
	return g_string_free(out, FALSE);
}

#define RESOURCE_PREFIX "/org/maildesk/templates/"

/* The compiled-in templates, set up on first use, never at start-up. */
static GResource *
compiled_in(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		md_templates_register_resource();
		g_once_init_leave(&once, 1);
	}
	return md_templates_get_resource();
}

/*
 * The text of template @file: from the configured directory, else the
 * copy compiled into the binary (templates.gresource.xml).  Only a file
 * that is not there falls back; one that cannot be read is an error, so
 * a site's own template is never silently replaced.  NULL without an
 * error when neither has it.
 */
static char *
load(const MdConfig *config, const char *file, GError **error)
{
	g_autofree char *path = g_build_filename(config->template_dir, file,
	    NULL);
	g_autofree char *resource = g_strconcat(RESOURCE_PREFIX, file, NULL);
	g_autoptr(GError) e = NULL;
	g_autoptr(GBytes) bytes = NULL;
	char *text = NULL;

	if (g_file_get_contents(path, &text, NULL, &e)) {
		if (!g_utf8_validate(text, -1, NULL)) {
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "template %s is not UTF-8", path);
			g_free(text);
			return NULL;
		}
		return text;
	}
	if (!g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT) &&
	    !g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOTDIR)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG, "template %s: %s",
		    path, e->message);
		return NULL;
	}
	bytes = g_resource_lookup_data(compiled_in(), resource,
	    G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
	if (bytes == NULL)
		return NULL;
	return g_strndup(g_bytes_get_data(bytes, NULL),
	    g_bytes_get_size(bytes));
}

char *
md_template_render(const MdConfig *config, const char *name,
    const char *language, GHashTable *vars, GError **error)
{
	g_autofree char *file = g_strdup_printf("%s.%s.txt", name, language);
	g_autofree char *text = NULL;
	GError *e = NULL;

	text = load(config, file, &e);
	if (text == NULL && e == NULL && strcmp(language, "en") != 0) {
		g_free(file);
		file = g_strdup_printf("%s.en.txt", name);
		text = load(config, file, &e);
	}
	if (e != NULL) {
		g_propagate_error(error, e);
		return NULL;
	}
	if (text == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
		    "template %s: in neither %s nor the binary", file,
		    config->template_dir);
		return NULL;
	}
	return md_template_expand(text, vars);
}

void
md_template_put(GHashTable *vars, const char *name, const char *value)
{
	g_hash_table_insert(vars, (gpointer)name, g_strdup(value ? value : ""));
}

GHashTable *
md_template_variables(const MdConfig *config, const MdTicket *t,
    const MdCustomer *c, const char *text)
{
	GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	    g_free);
	g_autofree char *name = md_customer_display_name(c);

	g_hash_table_insert(v, (gpointer)"ticket", g_strdup_printf(
	    "%" G_GUINT64_FORMAT, t->number));
	g_hash_table_insert(v, (gpointer)"tag", g_strdup_printf(
	    "[%s%" G_GUINT64_FORMAT "]", config->tag, t->number));
	md_template_put(v, "subject", t->subject);
	md_template_put(v, "queue", t->queue);
	md_template_put(v, "name", name ? name : c ? c->email : "-");
	md_template_put(v, "first_name", c ? c->first_name : NULL);
	md_template_put(v, "last_name", c ? c->last_name : NULL);
	md_template_put(v, "email", c ? c->email : "-");
	md_template_put(v, "text", text);
	return v;
}
