#!/bin/sh
# SPDX-License-Identifier: MIT
# Xapian against SQLite FTS5 on the same mails and queries (README.md).
#   tests/bench/engine-compare/run.sh [MAILS] [WORKDIR]
# Needs libxapian-dev and g++ (not needed to build maildesk) and python3.
set -eu
N=${1:-100000}
W=${2:-${TMPDIR:-/tmp}}/maildesk-engines.$$
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$W/m/cur" "$W/m/new" "$W/m/tmp"
cd "$W"
awk -v dir=m/cur -v first=0 -v n="$N" -v every=$((N / 200)) -v one=one \
    -v two=two -v phrase=phrase -f "$HERE/../gen-mail.awk"
g++ -O2 -o xapian "$HERE/xapian.cc" -lxapian
./xapian index
du -sh xdb
python3 "$HERE/fts5.py" index
du -sh fts.db
for q in one two phrase; do
	./xapian $q
	python3 "$HERE/fts5.py" $q
done
cd / && rm -rf "$W"
