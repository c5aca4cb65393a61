#!/bin/sh
# SPDX-License-Identifier: MIT
# deliver's sender process: deliver exits once its commit is on disk, with
# its standard output and error closed, while a process of its own still
# sends the acknowledgement; that process records the outcome, and
# `flock -x` on maildesk.send waits for it.  The relay here answers the
# data only after 5 seconds.
. "$(dirname "$0")/lib.sh"

command -v flock > /dev/null 2>&1 || bail "flock not found (util-linux)"
start_sink -w 5
setup_store "[smtp]" "host = 127.0.0.1" "port = $SINK_PORT" \
    "[templates]" "dir = $SRCDIR/contrib/templates"

cat > "$T/m1.eml" <<'EOM'
From: Carla Customer <carla@example.net>
To: support@example.com
Subject: Where is my parcel?
Message-ID: <sender-1@example.net>

It did not come.
EOM
# Not md(): it would wait for the sender.  The pipe to cat ends when every
# process holding its write end has closed it.
"$MAILDESK" -c "$T/maildesk.conf" deliver < "$T/m1.eml" 2>&1 | cat > "$T/out"
rc=$?
is "$rc" 0 "deliver exits 0"
if flock -n -x "$T/store/maildesk.send" true; then
	not_ok "deliver returned and closed its output while its sender still talks to the relay"
else
	ok "deliver returned and closed its output while its sender still talks to the relay"
fi
is "$(cat "$T/out")" "" "nothing on standard output or error"
is "$("$MAILDESK" -c "$T/maildesk.conf" ticket list --json | jq length)" 1 \
    "the ticket is committed before deliver exits"
is "$(sink_count)" 0 "the relay has not answered yet"
senders_wait
is "$(sink_count)" 1 "then the sender delivers the acknowledgement"
like "$(mail_header "$(sink_mails | head -n 1)" Subject)" '^\[Ticket#1\]' \
    "it is the acknowledgement of ticket 1"
is "$(md outbox --json | jq length)" 0 "and records it as sent: the outbox is empty"
md flush > "$T/flush" 2>&1
like "$(cat "$T/flush")" '^flush: 0 sent' "flush finds nothing left to send"
finish
