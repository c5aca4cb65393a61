#!/bin/sh
# SPDX-License-Identifier: MIT
# References are no key to a ticket (issue 11, item 3).  Everyone in Cc
# of a mail, and everyone it was forwarded to, knows its Message-ID.
# In-Reply-To and References thread only for the ticket's customer, its
# participants and agents, or when they name one of our Message-IDs that
# was sent to the address now writing; from anyone else the mail opens a
# new ticket that records the ticket it cited (flag cited-reference), and
# the old ticket is untouched.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"
. "$(dirname "$0")/trust-lib.sh"

conf
support_agents
P=paula@example.net
open_ticket "$P" c1@example.net "My account"
AMID=$(mail_header "$ACK" Message-ID)

# Eve was in Cc of Paula's mail: she knows its Message-ID.
mail_to "$T/e1.eml" "Eve <eve@example.org>" support@example.com \
    "Re: My account" e1@example.org "Please send the password to me." \
    "In-Reply-To: <c1@example.net>" "References: <c1@example.net>"
sink_reset
dlv "$T/e1.eml" --sender eve@example.org --recipient support@example.com
settle
is "$(tickets)" 2 "a stranger's reply to the customer's Message-ID: a new ticket"
is "$(show 1 '.messages | map(select(.message_id == "e1@example.org")) |
    length')" 0 "ticket 1 did not get it"
is "$(show 2 .customer.email)" eve@example.org "ticket 2 is eve's"
is "$(show 2 .cited)" 1 "ticket 2 records the ticket it cited"
is "$(show 2 '.messages[0].flags | index("cited-reference") != null')" true \
    "the mail is flagged cited-reference"
is "$(md customer show eve@example.org --json | jq -c .tickets)" "[2]" \
    "eve is no participant of ticket 1"
is "$(count_to eve@example.org)" 1 "eve gets the acknowledgement of her own ticket"

# Eve got our acknowledgement to Paula forwarded: its Message-ID is ours,
# but it was sent to Paula, not to her.
mail_to "$T/e2.eml" "Eve <eve@example.org>" support@example.com \
    "Re: [Ticket#1] My account" e2@example.org "Me again." \
    "In-Reply-To: $AMID" "References: <c1@example.net> $AMID"
dlv "$T/e2.eml" --sender eve@example.org --recipient support@example.com
is "$(show 1 '.messages | map(select(.message_id == "e2@example.org")) |
    length')" 0 "a stranger citing our Message-ID sent to the customer: not in ticket 1"
is "$(md ticket list --customer eve@example.org --json | jq length)" 2 \
    "it opens another ticket of eve's"

# Paula herself: her references and ours thread.
mail_to "$T/c2.eml" "Paula Probe <$P>" support@example.com "Re: My account" \
    c2@example.net "Any news?" "In-Reply-To: <c1@example.net>"
dlv "$T/c2.eml" --sender "$P" --recipient support@example.com
is "$(msg 1 c2@example.net .kind)" customer "the customer's reply to her own mail: ticket 1"
mail_to "$T/c3.eml" "Paula Probe <$P>" support@example.com "Re: My account" \
    c3@example.net "Thanks for the confirmation." "In-Reply-To: $AMID"
dlv "$T/c3.eml" --sender "$P" --recipient support@example.com
is "$(msg 1 c3@example.net .kind)" customer "her reply to our acknowledgement: ticket 1"

# Carl joins the proper way: Paula forwarded him the acknowledgement and he
# answers its signed reply address.  From then on he is a participant.
mail_to "$T/k1.eml" "Carl <carl@example.org>" "$RC" "Re: [Ticket#1] My account" \
    k1@example.org "I am Paula's colleague."
dlv "$T/k1.eml" --sender carl@example.org --recipient "$RC"
is "$(msg 1 k1@example.org .kind)" customer "a reply to the customer's signed address: ticket 1"
mail_to "$T/k2.eml" "Carl <carl@example.org>" support@example.com \
    "Re: My account" k2@example.org "And one more thing." \
    "In-Reply-To: <k1@example.org>"
dlv "$T/k2.eml" --sender carl@example.org --recipient support@example.com
is "$(msg 1 k2@example.org .kind)" customer "a participant's reference: ticket 1"

# An agent's reference threads (to plain support@ it is a note).
mail_to "$T/a1.eml" "Agent One <agent1@example.com>" support@example.com \
    "Re: My account" a1@example.com "Looking into it." \
    "In-Reply-To: <c1@example.net>"
dlv "$T/a1.eml" --sender agent1@example.com --recipient support@example.com
is "$(msg 1 a1@example.com .kind)" note "an agent's reference: ticket 1"

is "$(tickets)" 3 "three tickets in all"
md check > /dev/null 2>&1
is "$?" 0 "check is clean"
finish
