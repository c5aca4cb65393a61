/* SPDX-License-Identifier: MIT */
/*
 * Agents: the people who answer.  Kept in the store (agent add), plus the
 * addresses a [queue NAME] group lists in the config.  An agent's mail is
 * trusted only when verified (agentmail.c), never for its From alone.
 */
#pragma once
#include <glib.h>

#include "maildesk/config.h"
#include "maildesk/store.h"

typedef struct {
	char *email;	/* owned, lower-cased */
	char *name;	/* owned, nullable */
	char **queues;	/* owned */
} MdAgent;

MdAgent *md_agent_new(void);
void md_agent_free(MdAgent *a);

gboolean md_agent_save(MdTxn *txn, const MdAgent *a, GError **error);
/* NOT_FOUND when @email is no agent in the store. */
gboolean md_agent_remove(MdTxn *txn, const char *email, GError **error);
/* The agents in the store, by address (transfer full, of MdAgent). */
GPtrArray *md_agent_list(MdTxn *txn, GError **error);

/*
 * The agent @email (store or config), or NULL when it is none; errors
 * only for store failures.
 */
MdAgent *md_agent_find(MdTxn *txn, const MdConfig *config, const char *email,
    GError **error);

/* Addresses of the agents of @queue, store and config (transfer full). */
char **md_agent_of_queue(MdTxn *txn, const MdConfig *config,
    const char *queue, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdAgent, md_agent_free)
