#!/bin/sh
# SPDX-License-Identifier: MIT
# Function length: none over 100 lines in the delivery path (deliver.c,
# the LMTP server, the deliver command), none over 150 anywhere else unless
# the comment above it says why, with the words "long because".
#
# A function is what starts with its name at the start of a line (the
# return type on the line before, as the code is written) and ends at the
# first "}" at the start of a line; its length counts both.
#
# Usage: check-function-length.sh [REPOSITORY-ROOT]
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${1:-$here/../..}
cd "$root" || exit 2

status=0
for f in src/*.c src/cli/*.c; do
	[ -f "$f" ] || continue
	case $f in
	src/deliver.c|src/lmtp.c|src/lmtpd.c|src/group-commit.c|\
	src/cli/cmd-deliver.c|src/cli/cmd-lmtpd.c)
		limit=100 path=1 ;;
	*)
		limit=150 path=0 ;;
	esac
	awk -v file="$f" -v limit="$limit" -v path="$path" '
	/^[A-Za-z_][A-Za-z0-9_]*\(/ && !infn {
		name = $0
		sub(/\(.*/, "", name)
		start = NR
		infn = 1
		why = (path == 0 && comment ~ /long because/)
		next
	}
	infn && /^}/ {
		n = NR - start + 1
		if (n > limit && !why) {
			printf "%s:%d: %s is %d lines (limit %d)\n",
			    file, start, name, n, limit
			bad = 1
		}
		infn = 0
		comment = ""
		next
	}
	!infn {
		if ($0 ~ /^\/\*/)
			comment = $0
		else if ($0 ~ /^ \*/)
			comment = comment " " $0
		else if ($0 ~ /^}/ || $0 ~ /^$/ && comment == "")
			comment = ""
	}
	END { exit bad }' "$f" || status=1
done
exit $status
