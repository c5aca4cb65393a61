# SPDX-License-Identifier: MIT
# Helpers of the tests on trust in the agents' channel (T235, T345, T355, T360-T380):
# mails written inline, a ticket with its notifications, reading what went
# out.  Source it after lib.sh and agent-lib.sh.

AR_PASS='Authentication-Results: mx.example.com; dkim=pass header.d=example.com'

# support_agents: agent1 and agent2 answer the support queue.
support_agents() {
	md agent add agent1@example.com --name "Agent One" --queue support \
	    > /dev/null || bail "agent add agent1 failed"
	md agent add agent2@example.com --name "Agent Two" --queue support \
	    > /dev/null || bail "agent add agent2 failed"
}

# mail_to FILE FROM TO SUBJECT MESSAGE-ID TEXT [HEADER...]: writes a mail.
mail_to() {
	_f=$1 _from=$2 _to=$3 _subj=$4 _mid=$5 _text=$6
	shift 6
	{
		printf 'From: %s\nTo: %s\nSubject: %s\n' "$_from" "$_to" "$_subj"
		printf 'Date: Mon, 02 Mar 2026 10:00:00 +0100\n'
		printf 'Message-ID: <%s>\n' "$_mid"
		for _h in "$@"; do printf '%s\n' "$_h"; done
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=utf-8\n\n%s\n' "$_text"
	} > "$_f"
}

# open_ticket CUSTOMER MESSAGE-ID SUBJECT: the customer writes to support@;
# sets $N1, $N2 (the notifications to agent1 and agent2), $RN1, $RN2
# (their signed reply addresses), $NMID1 (agent1's notification's
# Message-ID), $ACK and $RC (the ack and its signed reply address).
open_ticket() {
	mail_to "$T/open.eml" "Paula Probe <$1>" support@example.com "$3" \
	    "$2" "Please help.  Token-$2."
	sink_reset
	dlv "$T/open.eml" --sender "$1" --recipient support@example.com
	settle
	N1=$(one "$(sink_to agent1@example.com)")
	N2=$(one "$(sink_to agent2@example.com)")
	ACK=$(one "$(sink_to "$1")")
	RN1=$(addr_of "$(mail_header "$N1" Reply-To)")
	RN2=$(addr_of "$(mail_header "$N2" Reply-To)")
	RC=$(addr_of "$(mail_header "$ACK" Reply-To)")
	NMID1=$(mail_header "$N1" Message-ID)
	[ -n "$RN1" ] || RN1=support+1.1.000000000000@example.com
	[ -n "$RN2" ] || RN2=support+1.1.000000000000@example.com
	[ -n "$RC" ] || RC=support+1.1.000000000000@example.com
	[ -n "$NMID1" ] || NMID1="<none@example.com>"
}

# last_ticket: the highest ticket number (none of them closed here).
last_ticket() {
	md ticket list --json | jq 'map(.number) | max'
}

# sink_subjects ADDR: the decoded subjects of the mails to ADDR.
sink_subjects() {
	for _f in $(sink_to "$1"); do
		mail_header "$_f" Subject
	done
}

# sink_rcpts_all: the envelope recipients of every mail at the relay.
sink_rcpts_all() {
	for _f in $(sink_mails); do
		sink_rcpts "$_f"
	done
}
