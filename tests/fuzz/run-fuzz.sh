#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the fuzz targets with clang's libFuzzer (plus ASan and UBSan) and
# runs each for a given time, seeded with the test mails (the real-world
# corpus among them) and the committed corpus.  What a run adds is merged
# (minimised) into tests/fuzz/corpus/<target>; crashers land in tests/fuzz/crashes/.
#
#	sh tests/fuzz/run-fuzz.sh [-t SECONDS] [TARGET...]
#
# TARGET: deliver, compose (default: both, one after the other; run two
# scripts at once to use two cores).  Needs clang and libclang-rt-14-dev.
set -eu

seconds=1800
while getopts t: opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [deliver|compose...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- deliver compose

src=$(cd "$(dirname "$0")/../.." && pwd)
fuzz=$src/tests/fuzz
build=${FUZZ_BUILD:-$src/build-fuzz}

if [ ! -x "$build/tests/fuzz-deliver" ] || [ "${FUZZ_REBUILD:-1}" = 1 ]; then
	CC=clang cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DMAILDESK_FUZZ=ON -DMAILDESK_SANITIZE=ON \
	    -DMAILDESK_STATIC_DELIVER=OFF > /dev/null
	cmake --build "$build" --target fuzz-deliver fuzz-compose -j2 \
	    > /dev/null
fi

# Seeds: every mail we have, each arriving in three ways (first byte).
seeds=$(mktemp -d "${TMPDIR:-/tmp}/maildesk-seeds.XXXXXX")
trap 'rm -rf "$seeds"' EXIT
mkdir "$seeds/deliver" "$seeds/compose"
i=0
find "$src/tests/corpus" -type f ! -name '*.md' ! -name '*.tsv' \
    ! -name README ! -name LICENSE ! -name .gitattributes | sort | while read -r f; do
	i=$((i + 1))
	for how in '\000' '\021' '\043'; do
		{ printf "$how"; cat "$f"; } > "$seeds/deliver/$i-$how"
	done
	# compose: a subject line and a name out of the mail, and the mail
	# as the attachment source.
	{
		cat "$src/contrib/templates/ack.en.txt" 2>/dev/null || true
		printf '\000'
		grep -m1 -i '^subject:' "$f" | cut -c10- | tr -d '\n' || true
		printf '\000'
		grep -m1 -i '^from:' "$f" | cut -c7- | tr -d '\n' || true
		printf '\000Kunde\000kunde@example.org\000id@x\000ref@y\000'
		printf 'Name\000'
		cat "$f"
	} > "$seeds/compose/$i"
done

for target in "$@"; do
	corpus=$fuzz/corpus/$target
	work=$build/fuzz-work/$target
	crashes=$fuzz/crashes
	mkdir -p "$corpus" "$work" "$crashes"
	# Each fork makes its store under TMPDIR; a killed one leaves it.
	mkdir -p "$work.tmp"
	echo "fuzz-$target: $seconds s"
	# -fork with -ignore_crashes: a crasher is saved and the run goes on.
	TMPDIR=$work.tmp "$build/tests/fuzz-$target" -fork=1 -ignore_crashes=1 \
	    -ignore_timeouts=1 -ignore_ooms=1 \
	    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
	    -max_len=262144 -artifact_prefix="$crashes/$target-" \
	    "$work" "$corpus" "$seeds/$target" \
	    > "$build/fuzz-$target.log" 2>&1 || true
	tail -n 3 "$build/fuzz-$target.log"
	# Keep the smallest set of inputs that covers what the run reached.
	rm -rf "$corpus.new"
	mkdir "$corpus.new"
	"$build/tests/fuzz-$target" -merge=1 -max_len=262144 \
	    "$corpus.new" "$corpus" "$work" "$seeds/$target" > /dev/null 2>&1
	rm -rf "$corpus" "$work.tmp"
	mv "$corpus.new" "$corpus"
	echo "fuzz-$target: corpus $(ls "$corpus" | wc -l) inputs," \
	    "crashers $(ls "$crashes" | grep -c "^$target-" || true)"
done
