/* SPDX-License-Identifier: MIT */
/*
 * The charset detector: uchardet, for text whose label is missing or
 * wrong.  uchardet is C++ and drags libstdc++ in, which costs more at
 * start-up than a whole delivery of a plain mail; so, like libxml2 in
 * html-text.c, it is loaded with GModule on the first mail that needs it
 * and kept for the life of the process.  Without it, detection answers
 * NULL and the caller falls back to windows-1252.
 */
#include <gmodule.h>
#include <uchardet.h>

#include "maildesk/charset.h"

#define UCHARDET_SONAME "libuchardet.so.0"

static struct {
	uchardet_t (*new_)(void);
	void (*delete_)(uchardet_t);
	int (*handle_data)(uchardet_t, const char *, size_t);
	void (*data_end)(uchardet_t);
	const char *(*get_charset)(uchardet_t);
} ud;

static gboolean
load_uchardet(void)
{
	static gsize once;
	static gboolean loaded;

	if (g_once_init_enter(&once)) {
		GModule *mod = g_module_open(UCHARDET_SONAME,
		    G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);

		loaded = mod != NULL &&
		    g_module_symbol(mod, "uchardet_new",
		    (gpointer *)&ud.new_) &&
		    g_module_symbol(mod, "uchardet_delete",
		    (gpointer *)&ud.delete_) &&
		    g_module_symbol(mod, "uchardet_handle_data",
		    (gpointer *)&ud.handle_data) &&
		    g_module_symbol(mod, "uchardet_data_end",
		    (gpointer *)&ud.data_end) &&
		    g_module_symbol(mod, "uchardet_get_charset",
		    (gpointer *)&ud.get_charset);
		if (!loaded)
			g_warning("charset detection: cannot load %s: %s",
			    UCHARDET_SONAME, g_module_error());
		/* Kept for the life of the process. */
		g_once_init_leave(&once, 1);
	}
	return loaded;
}

/* A megabyte tells uchardet all it can know; more only costs time. */
#define DETECT_MAX_BYTES (1024 * 1024)

const char *
md_charset_detect(const char *data, gsize len)
{
	const char *name = NULL;
	uchardet_t h;

	if (len == 0 || !load_uchardet())
		return NULL;
	h = ud.new_();
	if (h == NULL)
		return NULL;
	if (ud.handle_data(h, data, MIN(len, DETECT_MAX_BYTES)) == 0) {
		const char *r;

		ud.data_end(h);
		r = ud.get_charset(h);
		if (r != NULL && r[0] != '\0')
			name = g_intern_string(r);
	}
	ud.delete_(h);
	return name;
}
