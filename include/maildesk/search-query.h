/* SPDX-License-Identifier: MIT */
/*
 * The query language of `maildesk search` (maildesk(8), SEARCH), turned
 * into an SQLite FTS5 expression: words, "phrases", prefix*, AND, OR,
 * NOT, -word, +word, parentheses, and the fields from:, to:, subject:,
 * attachment: (columns) and ticket:, status:, queue:, owner:, date:
 * (tokens of the meta column, see md_search_query_meta()).  Every word
 * becomes a quoted FTS5 string, so nothing a person types is FTS5 syntax
 * by accident.  Pure functions, no engine.
 */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/*
 * The FTS5 expression for @query (transfer full).  USAGE for a query
 * that says nothing, an unknown status, a ticket: that is no number or a
 * date: that is no day.
 */
char *md_search_query_to_fts5(const char *query, GError **error);

/*
 * The meta column of a document: what ticket:, status:, queue:, owner:
 * and date: find, as tokens (transfer full).  @owner and @queue may be
 * NULL; @day is yyyymmdd or 0.
 */
char *md_search_query_meta(guint64 ticket, const char *status,
    const char *queue, const char *owner, gint64 day, gboolean restricted);

/* The meta token every document has, and the one of restricted ones. */
#define MD_SEARCH_META_ALL "0a"
#define MD_SEARCH_META_RESTRICTED "0r"

G_END_DECLS
