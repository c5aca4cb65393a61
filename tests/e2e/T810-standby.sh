#!/bin/sh
# SPDX-License-Identifier: MIT
# A standby the mail system fails over to (maildesk(8), "Standby";
# contrib/standby/README).  Two stores on one machine stand for the two
# hosts, and a real Postfix for the MX: its transport map sends
# support@example.com to the pipe(8) service "primary" or "standby", each
# running maildesk deliver as the user maildesk on its own store.
#
# Shown, in order: mail reaches the primary; a backup is taken, then a
# person is erased there; the standby is restored from the backup with the
# primary's erasure ledger and its own range of ticket numbers; the
# primary goes down and Postfix queues the mail (deliver exits 75, the
# mail is deferred, nothing bounces), a retry of a mail the primary had
# already stored among it; the transport is switched to the standby and
# the queue drains into it; someone is erased on the standby; the primary
# comes back and the transport is switched back; the standby hands its
# mail over (maildesk handover, then import maildir on the primary) and
# its ledger is replayed on the primary.  In the end no mail is lost, none
# is stored twice (import's dedupe by Message-ID), and neither erased
# person has a byte left in either store.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/pf-lib.sh"

maildesk_user
chmod 755 "$T"

# The binaries and templates, where the maildesk user can reach them.
copy_maildesk
BIN=$T/bin/maildesk

# Two "hosts": their stores, and a work directory for the backups, the
# ledger files and the hand-over, all the maildesk user's.
install -d -o maildesk -g maildesk -m 0750 "$T/hosts" "$T/work"
W=$T/work
for h in primary standby; do
	cat > "$T/$h.conf" <<EOC
[store]
path = $T/hosts/$h
map-size-bytes = 268435456
[addresses]
support@example.com = support
[smtp]
port = 1
[outbox]
deliver-flush-seconds = 0
[templates]
dir = $T/templates
[agents]
authserv-id = mx.example.com
EOC
	chmod 644 "$T/$h.conf"
done

mdp() {
	runuser -u maildesk -- "$BIN" -c "$T/primary.conf" "$@"
}
mds() {
	runuser -u maildesk -- "$BIN" -c "$T/standby.conf" "$@"
}
mdp init > /dev/null || bail "maildesk init of the primary failed"
mdp agent add agnes@example.com --name Agnes > /dev/null ||
    bail "maildesk agent add failed"

# ---------------------------------------------------------------------
# The MX: one pipe(8) service per host, the transport map picks one.

pf_main_cf
cat > "$PF/aliases" <<EOA
postmaster: $T/mail/postmaster
MAILER-DAEMON: postmaster
EOA
postalias -c "$PF" "$PF/aliases" || bail "postalias failed"
postconf -c "$PF" -e \
    "transport_maps = hash:$PF/transport" \
    "primary_destination_recipient_limit = 1" \
    "standby_destination_recipient_limit = 1" ||
    bail "postconf -e failed"
pf_daemons > "$PF/master.cf"
for h in primary standby; do
	printf '%s unix - n n - - pipe flags=Rq user=maildesk argv=%s -c %s deliver --sender ${sender} --recipient ${recipient}\n' \
	    "$h" "$BIN" "$T/$h.conf" >> "$PF/master.cf"
done

# route HOST: support@example.com goes to HOST from now on.
route() {
	printf 'support@example.com %s:\n' "$1" > "$PF/transport"
	postmap -c "$PF" "$PF/transport" || bail "postmap failed"
	if [ -n "$PF_STARTED" ]; then
		postfix -c "$PF" reload > /dev/null 2>&1 ||
		    bail "postfix reload failed"
	fi
}
route primary
pf_check
pf_start || bail "Postfix did not start: $(cat "$T/start.log"; tail -n 5 "$PF_LOG")"
ok "a private Postfix runs, support@example.com routed to primary:"

# ---------------------------------------------------------------------
# Helpers.

# send ID NAME ADDR TEXT: a mail from ADDR to support@, through sendmail.
send() {
	{
		printf 'From: %s <%s>\nTo: support@example.com\n' "$2" "$3"
		printf 'Subject: About %s\nMessage-ID: <%s>\n' "$1" "$1"
		printf 'Date: Tue, 03 Mar 2026 09:00:00 +0000\n\n%s\n' "$4"
	} | sendmail -C "$PF" -f "$3" -- support@example.com ||
	    bail "sendmail failed"
}

# ids_in: the Message-IDs of the mail that came in (all but maildesk's
# acknowledgements), one a line, in the store of the maildesk function
# given (mdp or mds).
ids_in() {
	for n in $($1 ticket list --json | jq -r '.[].number'); do
		$1 ticket show "$n" --json |
		    jq -r '.messages[] | select(.kind != "ack") | .message_id'
	done | sort
}

count_is() {
	[ "$(ids_in "$1" | wc -l | tr -d ' ')" = "$2" ]
}

# ---------------------------------------------------------------------
# (1) Mail reaches the primary; a backup; an erasure after it.

XM=Xq5Erased-Mk31
AM=Am7Erased-Mk42
send a1@std.test "Anna Alt$AM" anna@example.net "Anna writes $AM"
send x1@std.test "Xaver Xu$XM" xaver@example.net "Xaver writes $XM"
send b1@std.test "Bert Bo" bert@example.net "Bert writes"
wait_for 30 count_is mdp 3
is "$(ids_in mdp | tr '\n' ' ')" "a1@std.test b1@std.test x1@std.test " \
    "the primary has the three mails"

# The handover takes mail from the backup's second on (times are whole
# seconds): one second between Bert's mail and the backup keeps the
# counts below exact.  Dora's, Emil's and Carl's mail may well come in the
# backup's second: they are handed over all the same.
sleep 1
mdp backup "$W/b1" > "$T/out" 2>&1
is "$?" 0 "a backup of the primary"
mdp customer erase xaver@example.net --yes > "$T/out" 2>&1
is "$?" 0 "Xaver is erased on the primary, after the backup"
mdp ledger export -o "$W/primary-ledger.json"
is "$?" 0 "the primary's ledger is exported"
send c1@std.test "Carl Cook" carl@example.net "Carl writes"
wait_for 30 count_is mdp 3
is "$(ids_in mdp | tr '\n' ' ')" "a1@std.test b1@std.test c1@std.test " \
    "a mail after the backup reaches the primary"

# ---------------------------------------------------------------------
# (2) The standby: restored from the backup, with the primary's ledger
# and ticket numbers of its own.

mds restore "$W/b1" --to "$T/hosts/standby" --ledger "$W/primary-ledger.json" \
    --next-ticket 1000 > "$T/out" 2>&1
is "$?" 0 "the standby is restored from the primary's backup"
like "$(cat "$T/out")" '1 entries replayed.*removed 1 customers' \
    "with the primary's erasure replayed"
is "$(ids_in mds | tr '\n' ' ')" "a1@std.test b1@std.test " \
    "the standby has the backup's mail, without Xaver's"
grep -a -r -l -e "$XM" -e xaver "$T/hosts/standby" > "$T/found"
is "$(cat "$T/found")" "" "no byte of Xaver in the standby's store"

# ---------------------------------------------------------------------
# (3) The primary goes down: Postfix queues, nothing bounces.

mv "$T/hosts/primary" "$T/hosts/primary.down"
send d1@std.test "Dora Dee" dora@example.net "Dora writes"
send e1@std.test "Emil Eck" emil@example.net "Emil writes"
# Carl's mail again: the primary stored it, but its exit 0 was lost.
send c1@std.test "Carl Cook" carl@example.net "Carl writes"
wait_for 30 queue_deferred 3
queue_deferred 3 && ok "with the primary down, Postfix defers the three mails" ||
    not_ok "Postfix defers the three mails" "$(postqueue -c "$PF" -p)"
like "$(grep 'relay=primary' "$PF_LOG" | tail -n 1)" \
    'status=deferred \(temporary failure.*maildesk: deliver: ' \
    "deliver exited 75 with its one line: status=deferred"
log_has 'status=bounced' && not_ok "nothing bounced" \
    "$(grep 'status=bounced' "$PF_LOG")" || ok "nothing bounced"

# ---------------------------------------------------------------------
# (4) Fail over: the queue drains into the standby.

route standby
postqueue -c "$PF" -f
wait_for 30 queue_empty
queue_empty && ok "switched to standby:, the queue drains" ||
    not_ok "the queue drains" "$(postqueue -c "$PF" -p)"
send f1@std.test "Fay Fox" fay@example.net "Fay writes"
# The agent answers Dora, DKIM-verified by the MX: relayed to her.
{
	printf 'From: Agnes <agnes@example.com>\nTo: support@example.com\n'
	printf 'Subject: Re: About d1\nMessage-ID: <h1@std.test>\n'
	printf 'In-Reply-To: <d1@std.test>\nReferences: <d1@std.test>\n'
	printf 'Authentication-Results: mx.example.com; dkim=pass header.d=example.com\n'
	printf 'Date: Tue, 03 Mar 2026 10:00:00 +0000\n\nHello Dora, done.\n'
} | sendmail -C "$PF" -f agnes@example.com -- support@example.com ||
    bail "sendmail failed"
wait_for 30 count_is mds 7
is "$(ids_in mds | tr '\n' ' ')" \
    "a1@std.test b1@std.test c1@std.test d1@std.test e1@std.test f1@std.test h1@std.test " \
    "the standby has the queued mail and the new"
is "$(mds outbox --json | jq '[.[] | select(.kind == "reply")] | length')" 1 \
    "the standby relayed the agent's answer"
is "$(mds ticket list --json | jq '[.[] | select(.number >= 1000)] | length')" 4 \
    "its new tickets have numbers from 1000 on, none of the primary's"
mds customer erase anna@example.net --yes > "$T/out" 2>&1
is "$?" 0 "Anna is erased on the standby"

# ---------------------------------------------------------------------
# (5) The primary is back: switch back, hand the standby's mail over.

mv "$T/hosts/primary.down" "$T/hosts/primary"
route primary
send g1@std.test "Gus Gray" gus@example.net "Gus writes"
wait_for 30 count_is mdp 4
is "$(ids_in mdp | tr '\n' ' ')" "a1@std.test b1@std.test c1@std.test g1@std.test " \
    "switched back, new mail reaches the primary"
outbox=$(mdp outbox --json | jq length)

mds handover "$W/handover" > "$T/out" 2>&1
is "$?" 0 "the standby hands over its mail"
like "$(cat "$T/out")" '^handed over 5 mails received from ' \
    "the five it received since the backup"
mdp import maildir "$W/handover" > "$T/out" 2>&1
is "$?" 0 "the primary imports them"
like "$(cat "$T/out")" '5 mails, 4 stored, 1 already there' \
    "four are new, Carl's was there already"
is "$(mdp outbox --json | jq length)" "$outbox" \
    "the import queued no mail, no relay of the agent's answer either"
mds ledger export -o "$W/standby-ledger.json"
mdp ledger replay "$W/standby-ledger.json" > "$T/out" 2>&1
is "$?" 0 "the standby's ledger is replayed on the primary"
like "$(cat "$T/out")" '1 entries replayed, 1 known already; removed 1 customers' \
    "Anna's erasure is new there, Xaver's known"

# ---------------------------------------------------------------------
# (6) Nothing lost, nothing twice, the erased stay erased.

ids_in mdp > "$T/final"
is "$(tr '\n' ' ' < "$T/final")" \
    "b1@std.test c1@std.test d1@std.test e1@std.test f1@std.test g1@std.test h1@std.test " \
    "the primary has every mail once, but Anna's and Xaver's"
is "$(uniq -d "$T/final")" "" "none is stored twice"
for h in primary standby; do
	grep -a -r -l -e "$XM" -e xaver -e "$AM" -e anna@ "$T/hosts/$h" \
	    > "$T/found"
	is "$(cat "$T/found")" "" "no byte of Anna or Xaver in the $h's store"
done
mdp check > "$T/out" 2>&1
is "$?" 0 "the primary checks clean"
mds check > "$T/out" 2>&1
is "$?" 0 "the standby checks clean"
queue_empty && ok "the Postfix queue is empty" || not_ok "the queue is empty"
log_has 'status=bounced' && not_ok "nothing bounced, ever" ||
    ok "nothing bounced, ever"
[ -e "$T/mail/postmaster" ] && not_ok "no mail for the postmaster" \
    "$(head -n 20 "$T/mail/postmaster")" || ok "no mail for the postmaster"

pf_stop
finish
