#!/bin/sh
# SPDX-License-Identifier: MIT
# The English and German templates are compiled into the binary: run from
# the build tree with no [templates] section, deliver queues an
# acknowledgement; a template directory that lacks a file gets it from the
# binary, while a file it has wins.
. "$(dirname "$0")/lib.sh"

C="$TEST_CORPUS/plain"

# acks: the text of ticket 1's acknowledgement.
ack_text() {
	md ticket show 1 --json |
	    jq -r '.messages[] | select(.kind == "ack") | .text'
}

# No [templates] section: the default directory of an installation, which
# a build tree does not have.
setup_store "[smtp]" "port = 1" "[outbox]" "deliver-flush-seconds = 0" \
    "[ack]" "enabled = true"
deliver "$C/simple.eml"
is "$rc" 0 "deliver exits 0 without a template directory"
is "$(md outbox --json | jq '[.[] | select(.kind == "ack")] | length')" 1 \
    "an acknowledgement is queued"
like "$(ack_text)" 'received your request' "its text is the English template"
is "$(md ticket show 1 --json | jq '[.events[]? | .text |
    select(test("template"))] | length')" 0 "no event about a template"

# A directory with only a site's own English ack: that file wins, the
# German queue's ack comes from the binary.
mkdir "$T/tpl"
printf 'Site ack for {{ticket}}.\n' > "$T/tpl/ack.en.txt"
rm -rf "$T/store"
setup_store "[smtp]" "port = 1" "[outbox]" "deliver-flush-seconds = 0" \
    "[templates]" "dir = $T/tpl"
deliver "$C/simple.eml"
like "$(ack_text)" '^Site ack for' "the directory's own file wins"
rm -rf "$T/store"
setup_store "[smtp]" "port = 1" "[outbox]" "deliver-flush-seconds = 0" \
    "[templates]" "dir = $T/tpl" "language = de"
# A German mail: the acknowledgement follows the customer's language.
cat > "$T/de.eml" <<'EOF2'
From: Hans Berger <hans.berger@example.net>
To: support@example.com
Subject: Drucker
Message-ID: <de-1@example.net>
Date: Thu, 03 Dec 2026 10:00:00 +0100

Guten Tag, der Drucker druckt nicht mehr und ich weiss nicht, was ich
noch tun kann.  Haben Sie eine Idee, wie wir das wieder hinbekommen?
EOF2
deliver "$T/de.eml"
like "$(ack_text)" 'Wir haben Ihre Anfrage erhalten' \
    "a file the directory lacks comes from the binary, in German"

finish
