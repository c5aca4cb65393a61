#!/bin/sh
# SPDX-License-Identifier: MIT
# Acknowledgements as a spam cannon (issue 11, item 7), with an smtp-sink
# relay.  Each new ticket gets an acknowledgement with the sender's subject
# in it, so a forger who writes as victim+1@, victim+2@ ... must not get
# one each: the limit counts per person (lower case, "+detail" removed)
# and per domain ([ack] domain-per-hour).  When our MX's
# Authentication-Results ([agents] authserv-id) show SPF and DMARC failing
# for the sender's domain, the From is most likely forged: the mail is
# stored (flag auth-failed) and the agents are notified, but no
# acknowledgement goes out (backscatter).
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/agent-lib.sh"
. "$(dirname "$0")/trust-lib.sh"

setup_store "[smtp]" "host = 127.0.0.1" "port = $SINK_PORT" \
    "timeout-seconds = 10" "[templates]" "dir = $SRCDIR/contrib/templates" \
    "[ack]" "per-hour = 3" "per-day = 10" "domain-per-hour = 5" \
    "[agents]" "authserv-id = mx.example.com"
md agent add agent1@example.com --queue support > /dev/null

# new FROM ID [HEADER...]: a new request from FROM (a new ticket each).
new() {
	_from=$1 _id=$2
	shift 2
	mail_to "$T/$_id.eml" "$_from" support@example.com \
	    "Buy cheap pills at spam.example ($_id)" "$_id@flood.test" \
	    "Request $_id." "$@"
	dlv "$T/$_id.eml" --sender "$_from" --recipient support@example.com
}

sink_reset
i=1
while [ "$i" -le 10 ]; do
	new "victim+$i@victim.example" "plus$i"
	i=$((i + 1))
done
new "Victim@Victim.example" upper
settle
is "$(tickets)" 11 "eleven mails, eleven tickets"
is "$(sink_rcpts_all | grep -c -i '@victim\.example$')" 3 \
    "victim+1@ ... victim+10@, Victim@: per-hour = 3 acks in all"

# Per domain: ten people of one domain, domain-per-hour = 5.
sink_reset
i=1
while [ "$i" -le 10 ]; do
	new "user$i@corp.example" "dom$i"
	i=$((i + 1))
done
settle
is "$(sink_rcpts_all | grep -c '@corp\.example$')" 5 \
    "ten addresses of one domain: domain-per-hour = 5 acks"

# Backscatter: our MX says the sender's domain disowns the mail.
sink_reset
new "ceo@forged.example" bs1 \
    "Authentication-Results: mx.example.com; spf=fail smtp.mailfrom=forged.example; dmarc=fail (p=reject) header.from=forged.example"
settle
n=$(last_ticket)
is "$(count_to ceo@forged.example)" 0 "SPF and DMARC fail at our MX: no acknowledgement"
is "$(count_to agent1@example.com)" 1 "but the agent is notified"
is "$(show "$n" '.messages[0].flags | index("auth-failed") != null')" true \
    "the mail is flagged auth-failed"
sink_reset
new "cfo@forged.example" bs2 \
    "Authentication-Results: mx.example.com; spf=fail smtp.mailfrom=forged.example; dmarc=pass header.from=forged.example"
new "cto@forged.example" bs3 \
    "Authentication-Results: evil.example; spf=fail smtp.mailfrom=forged.example; dmarc=fail header.from=forged.example"
new "coo@forged.example" bs4 \
    "Authentication-Results: mx.example.com; spf=fail smtp.mailfrom=forged.example; dmarc=fail header.from=other.example"
settle
is "$(count_to cfo@forged.example)" 1 "SPF fails but DMARC passes: acknowledged"
is "$(count_to cto@forged.example)" 1 "a foreign authserv-id's failure: acknowledged"
is "$(count_to coo@forged.example)" 1 "DMARC failing for another domain: acknowledged"
finish
