/* SPDX-License-Identifier: MIT */
/*
 * Text modules.  The name an agent types becomes part of a path, so it is
 * held to a small alphabet (no '/', no '.'): a module cannot name a file
 * outside the modules directory.  A module is the site's own text, so
 * there is no compiled-in fallback: a name the site has not written is
 * reported to the agent rather than answered with something else.
 */
#include <string.h>

#include "maildesk/error.h"
#include "maildesk/template.h"
#include "maildesk/textmodule.h"

gboolean
md_textmodule_is_name(const char *name)
{
	gsize n = name ? strlen(name) : 0;

	if (n == 0 || n > 64)
		return FALSE;
	for (gsize i = 0; i < n; i++)
		if (!(g_ascii_islower(name[i]) || g_ascii_isdigit(name[i]) ||
		    name[i] == '-' || name[i] == '_'))
			return FALSE;
	return TRUE;
}

/* The text of @file in the modules directory; NOT_FOUND when missing. */
static char *
load(const MdConfig *config, const char *file, GError **error)
{
	g_autofree char *path = g_build_filename(config->template_dir,
	    MD_TEXTMODULE_DIR, file, NULL);
	g_autoptr(GError) e = NULL;
	char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, &e)) {
		if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
		    g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
			g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND,
			    "no text module %s", path);
		else
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "text module %s: %s", path, e->message);
		return NULL;
	}
	if (!g_utf8_validate(text, -1, NULL)) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
		    "text module %s is not UTF-8", path);
		g_free(text);
		return NULL;
	}
	return text;
}

char *
md_textmodule_render(const MdConfig *config, const char *name,
    const char *language, GHashTable *vars, GError **error)
{
	g_autofree char *file = NULL, *text = NULL;
	g_autoptr(GError) e = NULL;

	if (!md_textmodule_is_name(name)) {
		g_set_error(error, MD_ERROR, MD_ERROR_USAGE, "\"%s\" is no "
		    "text module name (a-z, 0-9, - and _)", name);
		return NULL;
	}
	if (language != NULL) {
		file = g_strdup_printf("%s.%s.txt", name, language);
		text = load(config, file, &e);
		if (text == NULL && !g_error_matches(e, MD_ERROR,
		    MD_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&e));
			return NULL;
		}
		g_clear_error(&e);
		g_clear_pointer(&file, g_free);
	}
	if (text == NULL) {
		file = g_strdup_printf("%s.txt", name);
		text = load(config, file, error);
		if (text == NULL)
			return NULL;
	}
	return md_template_expand(text, vars);
}

char *
md_textmodule_signature(const MdConfig *config, const char *queue,
    const char *language, GHashTable *vars, GError **error)
{
	g_autofree char *name = g_strconcat("signature-", queue, NULL);
	const char *names[] = { name, "signature" };

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(GError) e = NULL;
		char *text;

		/* A queue name may hold what a module name may not. */
		if (!md_textmodule_is_name(names[i]))
			continue;
		text = md_textmodule_render(config, names[i], language, vars,
		    &e);
		if (text != NULL)
			return text;
		if (!g_error_matches(e, MD_ERROR, MD_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&e));
			return NULL;
		}
	}
	return NULL;
}
