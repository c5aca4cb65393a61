#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# parse-quality.sh - how much of a mail corpus maildesk reads right.
#
# Delivers every file of a corpus (default tests/corpus/real-world, or the
# .eml files under any directory given) into a fresh store, without an
# envelope sender, so the sender must come from the headers, and looks at
# what `ticket show --json` gives back.  A mail counts as read right when
#   - it has a sender address (From, Reply-To, Sender or the customer),
#   - its subject, sender name and text hold no U+FFFD, no C1 control and
#     no ESC (undecoded ISO-2022-JP), and its subject and sender name no
#     encoded word left undecoded ("=?...?="),
#   - every attachment has a name.
# Prints one line per failed mail with -v, then a Markdown table.
#
# Not a test; not registered with ctest.  Results go in README.md.

set -euo pipefail

usage() {
	echo "usage: parse-quality.sh [-v] [-m MAILDESK] [DIR]" >&2
	exit 2
}

top=$(cd "$(dirname "$0")/../.." && pwd)
maildesk=${MAILDESK:-$top/build/maildesk}
verbose=0
while getopts vm: opt; do
	case $opt in
	v) verbose=1 ;;
	m) maildesk=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
corpus=${1:-$top/tests/corpus/real-world}
[ -x "$maildesk" ] || { echo "parse-quality: no $maildesk" >&2; exit 2; }
command -v jq > /dev/null || { echo "parse-quality: needs jq" >&2; exit 2; }

w=$(mktemp -d "${TMPDIR:-/tmp}/parse-quality.XXXXXX")
trap 'rm -rf "$w"' EXIT

# The per-mail verdict: one word per problem, nothing when it is clean.
# shellcheck disable=SC2016
filter='
def bad: test("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u0080-\u009f\ufffd]");
def undecoded: test("=\\?[^?]+\\?[bBqQ]\\?[^?]*\\?=");
.messages[0] as $m |
[ (if (($m.from.email // $m.reply_to.email // .customer.email // "")
      | length) == 0 then "no-sender" else empty end),
  (if ($m.subject // "") | bad then "subject" else empty end),
  (if ($m.subject // "") | undecoded then "subject-undecoded" else empty end),
  (if ($m.from.name // "") | bad then "name" else empty end),
  (if ($m.from.name // "") | undecoded then "name-undecoded" else empty end),
  (if ($m.text // "") | bad then "text" else empty end),
  (if [$m.attachments[] | select(.filename == null or .filename == "")]
      | length > 0 then "attachment-name" else empty end),
  (if $m.kind == "unparsed" then "unparsed" else empty end)
] | join(" ")'

printf '[store]\npath = %s/store\n[deliver]\nallow-root = true\n' "$w" \
    > "$w/conf"
printf '[addresses]\nsupport@example.com = support\n' >> "$w/conf"
printf '[smtp]\nport = 1\n[outbox]\ndeliver-flush-seconds = 0\n' >> "$w/conf"

total=0
good=0
declare -A problems=()
while IFS= read -r -d '' f; do
	total=$((total + 1))
	rm -rf "$w/store"
	"$maildesk" -c "$w/conf" init > /dev/null
	if ! "$maildesk" -c "$w/conf" deliver --recipient support@example.com \
	    < "$f" > /dev/null 2>&1; then
		verdict="deliver-failed"
	else
		verdict=$("$maildesk" -c "$w/conf" ticket show 1 --json |
		    jq -r "$filter")
	fi
	if [ -z "$verdict" ]; then
		good=$((good + 1))
		continue
	fi
	for p in $verdict; do
		problems[$p]=$(( ${problems[$p]:-0} + 1 ))
	done
	[ "$verbose" -eq 1 ] && printf '%s: %s\n' "${f#"$corpus"/}" "$verdict"
done < <(find "$corpus" -type f -name '*.eml' -print0 | sort -z)

[ "$total" -gt 0 ] || { echo "parse-quality: no mail in $corpus" >&2; exit 2; }
echo
echo "| corpus | mails | read right | share |"
echo "|---|---:|---:|---:|"
printf '| %s | %d | %d | %d.%d %% |\n' "${corpus#"$top"/}" "$total" "$good" \
    $((good * 100 / total)) $((good * 1000 / total % 10))
echo
echo "| problem | mails |"
echo "|---|---:|"
for p in "${!problems[@]}"; do
	printf '| %s | %d |\n' "$p" "${problems[$p]}"
done | sort
