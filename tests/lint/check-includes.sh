#!/bin/sh
# SPDX-License-Identifier: MIT
# The include graph has no circles, and the core never includes a header
# of the command line.
#
# Nodes are modules: src/X.c (or src/cli/X.c) with include/maildesk/X.h.
# A file that includes "maildesk/Y.h" makes its module depend on Y.  A
# circle in that graph is source files that need each other: none of them
# can be read, tested or changed alone.  The core is src/*.c; the command line is src/cli/ and its
# headers are those implemented there.  Prints every circle found (as a
# path of files) and exits 1; exits 0 when there is none.
#
# The circles of an older layout still to be undone are listed in
# include-circles.allow beside this script, one "allow: A -> B -> A" a line.
#
# Usage: check-includes.sh [REPOSITORY-ROOT]
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${1:-$here/../..}
cd "$root" || exit 2

# "FILE HEADER" for each #include "maildesk/X.h" of FILE.
edges=$(for f in src/*.c src/cli/*.c include/maildesk/*.h; do
	[ -f "$f" ] || continue
	sed -n 's|^[ 	]*#[ 	]*include[ 	]*"maildesk/\([^"]*\)".*|\1|p' "$f" |
	    while read -r h; do printf '%s include/maildesk/%s\n' "$f" "$h"; done
done)

status=0
# The core including a header of the command line.
bad=$(printf '%s\n' "$edges" | while read -r f h; do
	case $f in src/cli/*) continue ;; esac
	b=$(basename "$h" .h)
	[ -f "src/cli/$b.c" ] && printf '%s includes %s (command line)\n' "$f" "$h"
done)
if [ -n "$bad" ]; then
	printf '%s\n' "$bad"
	status=1
fi

# Circles between modules (X.c with X.h): a depth-first search that
# reports the circle of each back edge.
allow=$here/include-circles.allow
{ sed -n 's/^allow: //p' "$allow" 2> /dev/null; printf '%s\n' "$edges"; } | awk '
function module(f) {
	sub(/.*\//, "", f)
	sub(/\.[ch]$/, "", f)
	return f
}
/ -> / { allowed[$0] = 1; next }
NF == 2 {
	a = module($1); b = module($2)
	node[a] = 1; node[b] = 1
	if (a != b && index(out[a] " ", " " b " ") == 0)
		out[a] = out[a] " " b
}
function visit(n,    i, j, k, m, list, c, s, nc) {
	state[n] = 1
	stack[++depth] = n
	k = split(out[n], list, " ")
	for (i = 1; i <= k; i++) {
		m = list[i]
		if (state[m] == 1) {
			for (j = depth; j > 0 && stack[j] != m; j--)
				;
			# Written from its smallest module, so that
			# the same circle always reads the same.
			nc = 0
			for (; j <= depth; j++)
				cyc[++nc] = stack[j]
			s = 1
			for (j = 2; j <= nc; j++)
				if (cyc[j] < cyc[s])
					s = j
			c = cyc[s]
			for (j = 1; j < nc; j++)
				c = c " -> " cyc[(s + j - 1) % nc + 1]
			c = c " -> " cyc[s]
			if (!(c in allowed)) {
				print "circle: " c
				found = 1
			} else
				seen[c] = 1
		} else if (state[m] == 0)
			visit(m)
	}
	depth--
	state[n] = 2
}
END {
	for (n in node)
		if (state[n] == 0)
			visit(n)
	for (c in allowed)
		if (!(c in seen))
			print "no longer a circle, drop it from the " \
			    "allow-list: " c
	exit found
}' || status=1
exit $status
