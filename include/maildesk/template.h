/* SPDX-License-Identifier: MIT */
/*
 * Mail texts from template files: <dir>/<name>.<language>.txt with
 * {{placeholder}} fields.  Values are inserted as text, never interpreted.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"

/*
 * Renders template @name ("ack", "notification") in @language with @vars
 * (char * -> char *).  Unknown placeholders are left as they are.
 * NOT_FOUND/CONFIG when the file is missing or not UTF-8.
 */
char *md_template_render(const MdConfig *config, const char *name,
    const char *language, GHashTable *vars, GError **error);

/* Substitutes @vars into @text (transfer full). */
char *md_template_expand(const char *text, GHashTable *vars);
