/* SPDX-License-Identifier: MIT */
/*
 * Template files.  A missing language falls back to English so that a
 * queue configured for a language we do not ship still gets its mail; a
 * missing English template is a configuration error.
 */
#include <string.h>

#include "maildesk/error.h"
#include "maildesk/template.h"

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

char *
md_template_render(const MdConfig *config, const char *name,
    const char *language, GHashTable *vars, GError **error)
{
	g_autofree char *file = g_strdup_printf("%s.%s.txt", name, language);
	g_autofree char *path = g_build_filename(config->template_dir, file,
	    NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) e = NULL;

	if (!g_file_get_contents(path, &text, NULL, &e) &&
	    strcmp(language, "en") != 0) {
		g_free(path);
		g_free(file);
		file = g_strdup_printf("%s.en.txt", name);
		path = g_build_filename(config->template_dir, file, NULL);
		g_clear_error(&e);
		g_file_get_contents(path, &text, NULL, &e);
	}
	if (text == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
		    "template %s: %s", path, e ? e->message : "unreadable");
		return NULL;
	}
	if (!g_utf8_validate(text, -1, NULL)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
		    "template %s is not UTF-8", path);
		return NULL;
	}
	return md_template_expand(text, vars);
}
