/* SPDX-License-Identifier: MIT */
/*
 * MdMailbox: a display name and an address, as a value (mailbox.h).
 */
#include "maildesk/mailbox.h"

void
md_mailbox_free(MdMailbox *mb)
{
	if (mb == NULL)
		return;
	g_free(mb->name);
	g_free(mb->email);
	g_free(mb);
}

MdMailbox *
md_mailbox_new(const char *name, const char *email)
{
	MdMailbox *mb = g_new0(MdMailbox, 1);

	mb->name = (name != NULL && name[0] != '\0') ? g_strdup(name) : NULL;
	mb->email = (email != NULL && email[0] != '\0') ? g_strdup(email) :
	    NULL;
	return mb;
}
