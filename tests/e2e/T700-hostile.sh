#!/bin/sh
# SPDX-License-Identifier: MIT
# Hostile mail (SECURITY.md, "Resource exhaustion", "Names and escapes",
# "Forged From"): every mail a stranger can write to make us fall over
# goes in with exit 0, or is refused as documented (65 over the size
# limit), within the bounds SECURITY.md states:
#
#   - time: the watchdog ([deliver] time-limit-seconds, 120 here) never
#     fires: exit 0 means it finished within it;
#   - memory: peak RSS at most 64 MB plus 6 times the mail's size (GNU
#     time; not checked in a sanitizer build, whose shadow memory is no
#     measure of ours);
#   - files: deliver opens nothing for writing outside the store (strace);
#   - nothing injected: what the CLI prints about such mail carries no
#     control characters, and the export writes only its own file names.
. "$(dirname "$0")/lib.sh"

start_sink
setup_store "[smtp]" "host = 127.0.0.1" "port = $SINK_PORT" \
    "[deliver]" "time-limit-seconds = 120" "[log]" "syslog = false" \
    "[templates]" "dir = $SRCDIR/contrib/templates"

asan=0
if LC_ALL=C grep -q __asan_init "$MAILDESK" 2> /dev/null; then
	asan=1
	# LeakSanitizer cannot work under ptrace (strace below).
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	export ASAN_OPTIONS
fi
have_time=0
[ -x /usr/bin/time ] && have_time=1
have_strace=0
command -v strace > /dev/null 2>&1 && have_strace=1
[ "$have_time" = 1 ] || bail "GNU time not found (install time)"
[ "$have_strace" = 1 ] || bail "strace not found (install strace)"

M=$T/mails
mkdir -p "$M"

head_of() {	# head_of ID SUBJECT
	printf 'From: Mallory <mallory@example.net>\nTo: support@example.com\n'
	printf 'Message-ID: <%s@example.net>\nSubject: %s\n' "$1" "$2"
	printf 'Date: Mon, 2 Nov 2026 10:00:00 +0100\n'
}

# 100,000 header lines (6 MB): over the 2 MiB header bound.
{ head_of huge-headers huge-headers
  awk 'BEGIN { for (i = 0; i < 100000; i++)
	printf "X-Junk-%d: %s\n", i, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }'
  printf '\nbody\n'; } > "$M/huge-headers.eml"
# 10,000 nested multiparts.
{ head_of nested nested
  awk 'BEGIN { n = 10000
	printf "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n"
	for (i = 0; i < n; i++)
		printf "--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n", i, i + 1
	printf "--b%d\nContent-Type: text/plain\n\ndeep\n", n
	for (i = n; i >= 0; i--) printf "--b%d--\n", i }'; } > "$M/nested.eml"
# 10,000 parts side by side.
{ head_of wide wide
  awk 'BEGIN { printf "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"w\"\n\n"
	for (i = 0; i < 10000; i++)
		printf "--w\nContent-Type: application/octet-stream; name=\"p%d.bin\"\nContent-Transfer-Encoding: base64\n\nAAAA\n", i
	printf "--w--\n" }'; } > "$M/wide.eml"
# 100,000 recipients in To (2 MB of addresses).
{ printf 'From: Mallory <mallory@example.net>\nMessage-ID: <recipients@example.net>\n'
  printf 'Subject: recipients\nTo: support@example.com'
  awk 'BEGIN { for (i = 0; i < 100000; i++) printf ",\n r%d@example.org", i }'
  printf '\n\nbody\n'; } > "$M/recipients.eml"
# One header line of 1 MB: a Subject.
{ head_of longline "$(head -c 1048576 /dev/zero | tr '\0' 'A')"
  printf '\nbody\n'; } > "$M/longline.eml"
# 30 MB of base64 (the most a mail under the limit can decode to).
{ head_of base64 base64
  printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=x\n\n'
  printf -- '--x\nContent-Type: text/plain\n\nsee\n--x\n'
  printf 'Content-Type: application/octet-stream; name=big.bin\n'
  printf 'Content-Transfer-Encoding: base64\n\n'
  head -c 22000000 /dev/zero | base64; printf -- '--x--\n'; } > "$M/base64.eml"
# Attachment names that try to walk out of a directory or carry escapes.
{ head_of names names
  printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=x\n\n'
  printf -- '--x\nContent-Type: text/plain\n\nsee attached\n'
  printf -- '--x\nContent-Type: text/plain; name="../../etc/passwd"\n'
  printf 'Content-Disposition: attachment; filename="../../etc/passwd"\n\nroot::0:0\n'
  printf -- '--x\nContent-Type: text/plain\nContent-Disposition: attachment;\n'
  printf " filename*=utf-8''%%1B%%5D0%%3Bowned%%07%%1B%%5B2J%%0D%%0Aevil.txt\n\nx\n"
  printf -- '--x--\n'; } > "$M/names.eml"
# Escape sequences in the subject and the name: OSC title, clear screen,
# a C1 CSI (U+009B, in RFC 2047), a right-to-left override.
{ printf 'From: =?utf-8?q?Eve_=1B=5B31mRed=C2=9B2J?= <eve@example.net>\n'
  printf 'To: support@example.com\nMessage-ID: <escapes@example.net>\n'
  printf 'Subject: \033]0;owned\007Hello \033[2J=?utf-8?q?=E2=80=AEtxt=2Eexe?=\n'
  printf '\nbody with \033[5m blink\n'; } > "$M/escapes.eml"

# --- Each hostile mail: exit 0, bounded, nothing written elsewhere -----
touch "$T/outside-stamp"
for f in "$M"/*.eml; do
	w=$(basename "$f" .eml)
	size=$(wc -c < "$f")
	# The writes deliver makes: every open for writing, every rename,
	# mkdir and unlink, with its path.
	/usr/bin/time -f %M -o "$T/rss" strace -f -qq -e signal=none \
	    -e trace=open,openat,creat,mkdir,rename,renameat,renameat2,unlink,unlinkat,link,symlink,truncate \
	    -o "$T/trace" "$MAILDESK" -c "$T/maildesk.conf" deliver \
	    < "$f" > "$T/out" 2> "$T/err"
	rc=$?
	is "$rc" 0 "$w: exit 0 within the watchdog's 120 s"
	outside=$(grep -E 'O_WRONLY|O_RDWR|O_CREAT|^[0-9]+ +(creat|mkdir|rename|unlink|link|symlink|truncate)' \
	    "$T/trace" | grep -v ' = -1 ' | grep -o '"[^"]*"' | tr -d '"' |
	    grep -v "^$T/store/" | grep -v '^/dev/null$' | sort -u)
	is "$outside" "" "$w: nothing opened for writing outside the store"
	if [ "$asan" = 0 ]; then
		rss=$(tail -n 1 "$T/rss")
		bound=$((64 * 1024 + 6 * size / 1024))
		if [ "$rss" -le "$bound" ]; then
			ok "$w: peak RSS ${rss} KB <= ${bound} KB"
		else
			not_ok "$w: peak RSS ${rss} KB <= ${bound} KB"
		fi
	fi
done
n=$(md ticket list --json | jq length)
is "$n" 8 "eight hostile mails, eight tickets"

# Each is stored byte for byte.
bad=""
i=1
for f in "$M"/*.eml; do
	t=$(md ticket list --json | jq -r --arg id "$(basename "$f" .eml)@example.net" \
	    '.[].number' | while read -r k; do
		md ticket show "$k" --json | jq -r --arg id "$(basename "$f" .eml)@example.net" \
		    --arg k "$k" 'select(.messages[0].message_id == $id) | $k'
	    done)
	[ -n "$t" ] || { bad="$bad $(basename "$f")"; continue; }
	[ "$(md ticket raw "$t" 1 | sha256sum)" = "$(sha256sum < "$f")" ] ||
	    bad="$bad $(basename "$f")"
	i=$((i + 1))
done
is "$bad" "" "every hostile mail is stored byte for byte"

# The header bound cut the parsed copy of the 6 MB header block, not the
# mail: it is flagged and gets no automatic answer.
t=$(md ticket list --json | jq -r '.[] | select(.subject == "huge-headers") | .number')
like "$(md ticket show "$t" --json | jq -c '.messages[0].flags')" \
    'header-cut' "6 MB of headers: flagged header-cut"
t=$(md ticket list --json | jq -r '.[] | select(.subject == "recipients") | .number')
is "$(md ticket show "$t" --json | jq '.messages[0].to | length')" 1000 \
    "100,000 recipients: the first 1,000 are kept"
t=$(md ticket list --json | jq -r '.[] | select(.subject | startswith("AAAA")) | .number')
is "$(md ticket show "$t" --json | jq -r '.subject | length')" 200 \
    "a 1 MB subject: the ticket's title is cut to 200 characters"
is "$(md ticket show "$t" --json | jq -r '.messages[0].subject | length')" \
    1048576 "and the message keeps all of it"

# --- Over the size limit, and an endless stream --------------------------
head -c 60000000 /dev/zero > "$T/over"
deliver "$T/over"
is "$rc" 65 "60 MB (over max-size-bytes): refused with 65"
like "$(cat "$T/err")" '^maildesk: deliver: message too big' \
    "with a one-line reason"
# An endless stream: deliver stops reading at the limit.  timeout(1)
# would exit 124 if it did not.
timeout 120 sh -c 'cat /dev/zero | "$1" -c "$2" deliver 2> /dev/null' \
    sh "$MAILDESK" "$T/maildesk.conf"
is "$?" 65 "an endless stream on stdin: refused with 65, not read forever"
is "$(md ticket list --json | jq length)" 8 "refused mail stored nothing"

# --- What the CLI prints carries no control character ------------------
ctl() {	# the number of control bytes (C0 but tab and newline, DEL, C1
	# in UTF-8, bidi overrides) in a file
	LC_ALL=C tr -d '\n\t' < "$1" | LC_ALL=C grep -c \
	    "$(printf '[\001-\037\177]\\|\302[\200-\237]\\|\342\200[\252-\256]')"
}
md ticket list > "$T/list" 2>&1
is "$(ctl "$T/list")" 0 "ticket list: no control characters"
for k in $(md ticket list --json | jq -r '.[].number'); do
	md ticket show "$k" >> "$T/show" 2>&1
done
is "$(ctl "$T/show")" 0 "ticket show: no control characters"
like "$(grep -a 'Attachment: ' "$T/show" | grep -a 'evil.txt')" \
    '\?\]0;owned\?\?\[2J  evil\.txt \(' \
    "escapes in a file name are shown as ?, its line break as a space"
md customer show eve@example.net > "$T/cust" 2>&1
md customer list >> "$T/cust" 2>&1
is "$(ctl "$T/cust")" 0 "customer show and list: no control characters"
# ESC is shown as ?; the C1 CSI in UTF-8 was a windows-1252 byte once and
# reads as its character, "›", which no terminal obeys.
like "$(grep -a '^From: Eve' "$T/show")" '^From: Eve \?\[31mRed›2J <eve@' \
    "escapes in a name are shown as ?"
# The same data reaches programs whole, in JSON.
like "$(md ticket show "$(md ticket list --json | jq -r '.[] | select(.subject | startswith("Hello") or contains("owned")) | .number' | head -n 1)" --json |
    jq -r '.messages[0].subject' | od -c | head -n 1)" '033' \
    "--json keeps the subject as it was (escaped by JSON)"

# --- Export: attachment names never become file names -------------------
sum_passwd=$(sha256sum < /etc/passwd)
md customer export mallory@example.net -o "$T/export" > /dev/null 2>&1
is "$?" 0 "export of the sender of all that"
files=$(cd "$T/export" && find . -type f | sed 's|^\./||' |
    grep -Ev '^(export\.json|mail\.mbox|raw/[0-9]+-[0-9]+\.eml)$')
is "$files" "" "the export holds only its own file names"
is "$(find "$T" -name passwd | wc -l | tr -d ' ')" 0 "no file named passwd anywhere"
is "$(sha256sum < /etc/passwd)" "$sum_passwd" "/etc/passwd untouched"
is "$(jq -r '[.tickets[].messages[].attachments[]?.filename] | map(select(. == "../../etc/passwd")) | length' "$T/export/export.json")" \
    1 "export.json names ../../etc/passwd as data"

# --- Forged From of a customer --------------------------------------------
# Mallory writes as Paula with her own Reply-To: whatever we send goes to
# the address in Paula's profile, never to the forger.
cat > "$T/paula.eml" <<'EOM'
From: Paula Probe <paula@example.com>
To: support@example.com
Subject: Printer on fire
Message-ID: <paula-1@example.com>

My printer is on fire.
EOM
deliver "$T/paula.eml"
cat > "$T/forged.eml" <<'EOM'
From: Paula Probe <paula@example.com>
Reply-To: forger@evil.example
To: support@example.com
Subject: Please send me everything you have about me
Message-ID: <forged-1@example.net>

Send it to my new address.
EOM
deliver "$T/forged.eml"
is "$rc" 0 "a forged From goes in"
md flush > /dev/null 2>&1
is "$(for f in $(sink_mails); do sink_rcpts "$f"; done | grep -c forger)" 0 \
    "nothing is sent to the forger's Reply-To"
like "$(for f in $(sink_mails); do sink_rcpts "$f"; done | sort -u | tr '\n' ' ')" \
    'paula@example.com' "the ack goes to the profile's address"

# --- Nothing injected into what went out ------------------------------------
# Every mail at the relay (the acks to Mallory's hostile mails among them,
# one answering a 1 MB subject) has a header block of our own headers
# only, each line within RFC 5322's 998 characters.
bad=""
for f in $(sink_mails); do
	sink_message "$f" | tr -d '\r' | awk -v f="$(basename "$f")" '
	    /^$/ { exit }
	    length($0) > 998 { print f ": a line of " length($0); next }
	    /^[ \t]/ { next }
	    { n = tolower(substr($0, 1, index($0, ":") - 1))
	      if (n !~ /^(from|to|reply-to|subject|date|message-id|in-reply-to|references|auto-submitted|x-auto-response-suppress|x-loop|mime-version|content-type|content-transfer-encoding)$/)
		print f ": " substr($0, 1, 60) }' >> "$T/injected"
done
is "$(sink_count | awk '{ print ($1 > 0) }')" 1 "mail went out to check"
is "$(head -n 5 "$T/injected")" "" \
    "every header line that went out is ours and at most 998 characters"

# --- Guessed ticket numbers, forged Message-IDs ----------------------------
# A stranger names Paula's ticket by its tag and answers a Message-ID of
# ours with a made-up MAC: neither lets them into her ticket.
pt=$(md ticket list --json | jq -r '.[] | select(.subject == "Printer on fire") | .number')
before=$(md ticket show "$pt" --json | jq '.messages | length')
cat > "$T/guess.eml" <<EOM
From: Trudy <trudy@evil.example>
To: support@example.com
Subject: Re: [Ticket#$pt] Printer on fire
In-Reply-To: <md.$pt.0badc0de.000000000000@example.com>
References: <md.$pt.0badc0de.000000000000@example.com>
Message-ID: <guess-1@evil.example>

What did Paula write?
EOM
deliver "$T/guess.eml"
is "$rc" 0 "the guesser's mail goes in"
is "$(md ticket show "$pt" --json | jq '.messages | length')" "$before" \
    "but not into Paula's ticket"
gt=$(md ticket list --json | jq -r '.[] | select(.customer.email == "trudy@evil.example") | .number')
like "$(md ticket show "$gt" --json | jq -c '.messages[0].flags')" 'cited-tag' \
    "it opens a ticket of its own, flagged cited-tag"

is "$(md check > /dev/null 2>&1; echo $?)" 0 "check: the store is consistent"
finish
