# SPDX-License-Identifier: MIT
# Helpers shared by the agent tests (T300, T310, T320): a sink to relay
# to, a config pointing at it, delivery that must succeed, and readers for
# tickets and relayed mail.  Source it after lib.sh.

start_sink

# conf [LINES...]: the config for this sink, plus LINES; keeps the store
# (and the agents in it).
conf() {
	setup_store "[smtp]" "host = 127.0.0.1" "port = $SINK_PORT" \
	    "timeout-seconds = 10" \
	    "[templates]" "dir = $SRCDIR/contrib/templates" \
	    "[ack]" "per-hour = 1000" "per-day = 1000" "$@"
}

# dlv FILE ARGS...: deliver, which must exit 0 and print nothing on stdout.
dlv() {
	deliver "$@"
	if [ "$rc" -ne 0 ] || [ -s "$T/out" ]; then
		not_ok "deliver $(basename "$1") exits 0 silently" \
		    "exit $rc: $(cat "$T/out" "$T/err")"
	fi
}

show() {
	jqr "$2" ticket show "$1" --json
}

tickets() {
	jqr 'length' ticket list --all --json
}

# owner N: the owner's address of ticket N ("none" if it has none); the
# JSON may give the owner as a string or as {email, name}.
owner() {
	show "$1" '(.owner | if type == "object" then .email else . end)
	    // "none"'
}

# msg N MESSAGE-ID FILTER: FILTER over the message of ticket N with
# MESSAGE-ID (without angle brackets).
msg() {
	show "$1" ".messages[] | select(.message_id == \"$2\") | $3"
}

# addr_of VALUE: the address in a header value ("Name <a@b>" or "a@b").
addr_of() {
	printf '%s\n' "$1" | sed -n '1{s/.*<\([^>]*\)>.*/\1/;p;}'
}

# one LIST: the single file in LIST, or /dev/null (so that the checks that
# follow fail instead of reading nothing).
one() {
	if [ -n "$1" ] && [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]; then
		echo "$1"
	else
		echo /dev/null
	fi
}

# sink_to ADDR: the dumped mails with ADDR among the envelope recipients.
sink_to() {
	for _f in $(sink_mails); do
		if sink_rcpts "$_f" | grep -Fxqi -- "$1"; then
			echo "$_f"
		fi
	done
}

# count_to ADDR: how many mails went to ADDR.
count_to() {
	sink_to "$1" | wc -l | tr -d ' '
}

settle() {
	md flush > /dev/null 2>&1
}

# text_has FILE FIXED NAME / text_lacks FILE FIXED NAME: the decoded text
# of a dumped mail contains FIXED, or does not.
text_has() {
	if ! have_python; then
		skip "$3" "python3 needed to decode the body"
	elif [ "$1" = /dev/null ]; then
		not_ok "$3" "no such mail"
	elif mail_decoded "$1" text | grep -Fq -- "$2"; then
		ok "$3"
	else
		not_ok "$3" "no [$2] in: $(mail_decoded "$1" text | head -c 600)"
	fi
}
text_lacks() {
	if ! have_python; then
		skip "$3" "python3 needed to decode the body"
	elif [ "$1" = /dev/null ]; then
		not_ok "$3" "no such mail"
	elif mail_decoded "$1" text | grep -Fq -- "$2"; then
		not_ok "$3" "[$2] in: $(mail_decoded "$1" text | head -c 600)"
	else
		ok "$3"
	fi
}
