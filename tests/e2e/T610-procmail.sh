#!/bin/sh
# SPDX-License-Identifier: MIT
# procmail in front of maildesk (issue 6): contrib/procmail/procmailrc, with
# only the path of maildesk substituted, run by "procmail -m" as the user
# "maildesk" who owns the store, files the mail of T600-postfix.sh into the
# same ticket as a direct "maildesk deliver" does, and the ack goes out.
# When maildesk exits 75 (store unwritable) procmail exits 75 as well, so
# that the MTA keeps the mail and retries, and nothing falls through to a
# mailbox; 65 (too large) comes through as 65.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (runs procmail as the maildesk user)"
	exit 0
fi
PATH=$PATH:/usr/sbin:/sbin
for c in procmail runuser jq; do
	command -v "$c" > /dev/null 2>&1 ||
	    bail "$c not found (CI installs procmail, util-linux, jq)"
done

maildesk_user
chmod 755 "$T"

# A copy of maildesk the maildesk user can run (maildesk-full stays
# beside it), and the templates for the acknowledgement.
copy_maildesk
mkdir -p "$T/pm"

# The acknowledgement goes to an smtp-sink.
start_sink

# write_conf FILE [LINES...]
write_conf() {
	_f=$1
	shift
	{
		printf '[store]\npath = %s\nmap-size-bytes = 268435456\n' \
		    "$T/store"
		printf '[addresses]\nsupport@example.com = support\n'
		printf 'sales@example.com = sales\n'
		printf '[smtp]\nhost = 127.0.0.1\nport = %s\n' "$SINK_PORT"
		printf 'timeout-seconds = 10\n'
		printf '[templates]\ndir = %s\n' "$T/templates"
		for line in "$@"; do printf '%s\n' "$line"; done
	} > "$_f"
	chmod 644 "$_f"
}
write_conf "$T/maildesk.conf"
install -d -o maildesk -g maildesk -m 0750 "$T/store"
runuser -u maildesk -- "$T/bin/maildesk" -c "$T/maildesk.conf" init \
    > "$T/init.log" 2>&1 ||
    bail "maildesk init as maildesk failed: $(cat "$T/init.log")"

# contrib/procmail/procmailrc, the path of maildesk substituted.
sed "s|/usr/local/bin/maildesk|$T/bin/maildesk|g" \
    "$SRCDIR/contrib/procmail/procmailrc" > "$T/procmailrc"
chmod 644 "$T/procmailrc"
grep -q "^| $T/bin/maildesk deliver\$" "$T/procmailrc" ||
    bail "contrib/procmail/procmailrc has no | /usr/local/bin/maildesk deliver"

# pm FILE [CONFIG]: procmail -m with the recipe, as the maildesk user;
# sets $rc, keeps stderr in $T/pm.err.  procmail clears the environment:
# the config's location is given as an assignment.  DEFAULT and ORGMAIL
# point into $T, so that a message falling through the recipe would be
# seen there (and never reach /var/mail); MAILDIR is procmail's working
# directory (the maildesk user's home does not exist).
pm() {
	runuser -u maildesk -- procmail -m \
	    "MAILDESK_CONFIG=${2:-$T/maildesk.conf}" "MAILDIR=$T/pm" \
	    "DEFAULT=$T/pm/fallthrough" "ORGMAIL=$T/pm/fallthrough" \
	    "$T/procmailrc" < "$1" > "$T/pm.out" 2> "$T/pm.err"
	rc=$?
}

tickets() {
	jqr 'length' ticket list --json
}

# The mail of T600-postfix.sh.
cat > "$T/m1.eml" <<'EOM'
From: Paula Probe <paula@example.net>
To: support@example.com
Subject: Printer on fire
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <pf-1@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

My printer is on fire.  Token-pf1-4711.
EOM

pm "$T/m1.eml"
is "$rc" 0 "procmail exits 0"
is "$(cat "$T/pm.out" "$T/pm.err")" "" "and says nothing"
is "$(tickets)" 1 "the mail is ticket 1"
is "$(jqr '.[0].subject' ticket list --json)" "Printer on fire" \
    "ticket 1: the subject"
is "$(jqr '.[0].customer.email' ticket list --json)" paula@example.net \
    "ticket 1: the customer"
is "$(jqr '.messages[0].recipient' ticket show 1 --json)" \
    support@example.com \
    "without --recipient, maildesk took support@example.com from To:"
is "$(find "$T/store" -type f ! -user maildesk | wc -l | tr -d ' ')" 0 \
    "every file in the store belongs to the maildesk user"
is "$(sink_count)" 1 "the acknowledgement went out"
A=$(sink_mails)
is "$(mail_header "$A" Subject)" "[Ticket#1] Printer on fire" \
    "it is the ack of ticket 1"

# The same ticket as a direct delivery (as Postfix's pipe(8) makes it)
# into a store of its own.
install -d -o maildesk -g maildesk -m 0750 "$T/ref"
runuser -u maildesk -- "$T/bin/maildesk" -c "$T/maildesk.conf" \
    --store "$T/ref" init > /dev/null || bail "init $T/ref failed"
runuser -u maildesk -- "$T/bin/maildesk" -c "$T/maildesk.conf" \
    --store "$T/ref" deliver --sender paula@example.net \
    --recipient support@example.com < "$T/m1.eml" || bail "reference failed"
# procmail ends the mail it pipes with an empty line (as in an mbox): the
# text may end in one more newline.
view='{ number, status, queue, subject, customer,
    messages: [.messages[] | select(.direction == "in") |
        { kind, message_id, from, to, subject, recipient,
          text: (.text | sub("\n+$"; "\n")) }] }'
md ticket show 1 --json | jq -S "$view" > "$T/via-procmail.json"
md --store "$T/ref" ticket show 1 --json | jq -S "$view" > "$T/direct.json"
if cmp -s "$T/via-procmail.json" "$T/direct.json" &&
    grep -q '"Printer on fire"' "$T/direct.json"; then
	ok "the same ticket as a direct delivery (subject, customer, message)"
else
	not_ok "the same ticket as a direct delivery" \
	    "$(diff "$T/direct.json" "$T/via-procmail.json" | head -n 20)"
fi

# Delivered again (an MTA's retry): stored once.
pm "$T/m1.eml"
is "$rc" 0 "the same mail again: procmail exits 0"
is "$(jqr '.messages | map(select(.direction == "in")) | length' \
    ticket show 1 --json)" 1 "it is stored once"

# --- maildesk exits 75: so does procmail --------------------------------
cat > "$T/m2.eml" <<'EOM'
From: Paula Probe <paula@example.net>
To: support@example.com
Subject: Scanner jammed
Date: Mon, 02 Mar 2026 12:00:00 +0100
Message-ID: <pf-3@example.net>

The scanner is jammed as well.  Token-pf3-2222.
EOM
mode=$(stat -c %a "$T/store")
chmod 000 "$T/store"
pm "$T/m2.eml"
is "$rc" 75 "store unwritable: procmail exits 75 (the MTA retries)"
like "$(cat "$T/pm.err")" '^maildesk: deliver: ' \
    "maildesk's one-line reason reaches procmail's stderr"
like "$(cat "$T/pm.err")" 'Program failure \(75\)' \
    "procmail saw the 75"
[ ! -e "$T/pm/fallthrough" ] &&
    ok "nothing fell through to a mailbox" ||
    not_ok "nothing fell through to a mailbox" "$(ls -l "$T/pm")"
chmod "$mode" "$T/store"
is "$(tickets)" 1 "no ticket was opened"

# The retry, with the store fixed.
pm "$T/m2.eml"
is "$rc" 0 "store fixed: the retry exits 0"
is "$(tickets)" 2 "the mail is ticket 2"
is "$(jqr '.[] | select(.number == 2) | .subject' ticket list --json)" \
    "Scanner jammed" "ticket 2: the subject"

# --- 65 (too large) comes through as 65 --------------------------------
write_conf "$T/small.conf" "[deliver]" "max-size-bytes = 1024"
{
	sed 's/pf-3@/pf-4@/; s/^Subject: .*/Subject: Too long/' "$T/m2.eml"
	i=0
	while [ "$i" -lt 400 ]; do
		echo "A long mail, line $i: it has to be well over 1 KB in all."
		i=$((i + 1))
	done
} > "$T/m4.eml"
pm "$T/m4.eml" "$T/small.conf"
is "$rc" 65 "a mail over max-size-bytes: procmail exits 65 (the MTA bounces)"
[ ! -e "$T/pm/fallthrough" ] &&
    ok "it did not fall through to a mailbox either" ||
    not_ok "it did not fall through to a mailbox either" "$(ls -l "$T/pm")"
is "$(tickets)" 2 "nothing more was stored"

md check > /dev/null 2>&1
is "$?" 0 "the store checks clean"
finish
