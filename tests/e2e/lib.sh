# SPDX-License-Identifier: MIT
# Shared helpers for the end-to-end tests: a temp store and config, TAP
# output, and small assertions.  Source it; then call `finish` at the end.
#
# Environment (set by ctest): MAILDESK (binary), TEST_CORPUS, SHARED_CORPUS,
# SRCDIR, MAILDESK_SHIM.

set -u
: "${MAILDESK:?MAILDESK must point to the built binary}"
: "${TEST_CORPUS:=$(dirname "$0")/../corpus}"

T=$(mktemp -d "${TMPDIR:-/tmp}/maildesk-test.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
tap_n=0
tap_fail=0

# Writes $T/maildesk.conf with our two addresses plus any extra lines given
# as arguments ("[group]" and "key = value" lines), and initialises the store.
setup_store() {
	{
		printf '[store]\npath = %s\nmap-size-bytes = %s\n' \
		    "$T/store" "${MAP_SIZE:-268435456}"
		printf '[addresses]\nsupport@example.com = support\n'
		printf 'sales@example.com = sales\n'
		for line in "$@"; do printf '%s\n' "$line"; done
	} > "$T/maildesk.conf"
	md init > /dev/null || bail "maildesk init failed"
}

md() {
	"$MAILDESK" -c "$T/maildesk.conf" "$@"
}

# deliver FILE [ARGS...]: delivers FILE, sets $rc, keeps stderr in $T/err.
deliver() {
	f=$1
	shift
	md deliver "$@" < "$f" > "$T/out" 2> "$T/err"
	rc=$?
}

ok() {
	tap_n=$((tap_n + 1))
	printf 'ok %d - %s\n' "$tap_n" "$1"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_fail=$((tap_fail + 1))
	printf 'not ok %d - %s\n' "$tap_n" "$1"
	if [ $# -gt 1 ]; then printf '#   %s\n' "$2"; fi
}

# is GOT WANT NAME
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3" "got [$1], want [$2]"
	fi
}

# like GOT PATTERN NAME (grep -E pattern)
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok "$3"
	else
		not_ok "$3" "[$1] does not match /$2/"
	fi
}

bail() {
	printf 'Bail out! %s\n' "$1"
	exit 1
}

# jq over a command's JSON: jqr FILTER COMMAND...
jqr() {
	filter=$1
	shift
	md "$@" | jq -r "$filter"
}

# A snapshot of everything the store holds, for "unchanged" checks.
store_dump() {
	md ticket list --json
	n=$(md ticket list --json | jq length)
	i=1
	while [ "$i" -le "$n" ]; do
		md ticket show "$i" --json | jq -S 'del(.messages[].received)'
		i=$((i + 1))
	done
}

finish() {
	printf '1..%d\n' "$tap_n"
	if [ "$tap_fail" -gt 0 ]; then
		printf '# %d of %d failed\n' "$tap_fail" "$tap_n"
		exit 1
	fi
	exit 0
}
