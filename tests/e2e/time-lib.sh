# SPDX-License-Identifier: MIT
# Helpers for the tests that set maildesk's clock (T500, T510): maildesk
# at a given moment under faketime(1), with TZ=UTC.  Source it after
# lib.sh and agent-lib.sh; it skips the whole test without faketime.

if ! command -v faketime > /dev/null 2>&1; then
	skip "$(basename "$0")" "faketime(1) not installed"
	finish
fi
export TZ=UTC

# at TIME COMMAND...: maildesk at TIME ("2026-12-04 14:00:00", UTC); the
# sanitizer runtime is told not to insist on coming first.
at() {
	_at=$1
	shift
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "@$_at" \
	    "$MAILDESK" -c "$T/maildesk.conf" "$@"
	_at_rc=$?
	# The mail it queued goes out by a sender process of its own.
	senders_wait "$T/store"
	return $_at_rc
}

# escalate_at TIME: runs escalate at TIME, the sink reset first.
escalate_at() {
	sink_reset
	at "$1" escalate > "$T/esc.out" 2> "$T/esc.err" ||
	    not_ok "escalate at $1 exits 0" "$(cat "$T/esc.err")"
}
