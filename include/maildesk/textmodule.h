/* SPDX-License-Identifier: MIT */
/*
 * Text modules: answers a site writes once and agents insert by name
 * (#template NAME, ticket reply --template NAME), and the signature
 * under every relayed answer.  Site content: read from the configured
 * templates directory only, never from the copies compiled in.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"

/* The subdirectory of [templates] dir that holds the text modules. */
#define MD_TEXTMODULE_DIR "modules"

/* TRUE for a module name: 1 to 64 of a-z, 0-9, '-' and '_'. */
gboolean md_textmodule_is_name(const char *name);

/*
 * Module @name in @language with @vars filled in (md_template_expand):
 * <dir>/modules/<name>.<language>.txt, else <dir>/modules/<name>.txt.
 * NOT_FOUND when neither exists, CONFIG when one cannot be read or is
 * not UTF-8.
 */
char *md_textmodule_render(const MdConfig *config, const char *name,
    const char *language, GHashTable *vars, GError **error);

/*
 * The signature of answers from @queue: module "signature-<queue>", else
 * "signature"; NULL without an error when the site has neither.
 */
char *md_textmodule_signature(const MdConfig *config, const char *queue,
    const char *language, GHashTable *vars, GError **error);
