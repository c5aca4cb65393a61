#!/bin/sh
# SPDX-License-Identifier: MIT
# Sets up what is missing on a Debian 12 machine (as root), builds maildesk,
# and then either runs the demo or the whole test suite.
#
#   sh contrib/quickstart.sh demo   build, pipe contrib/demo/*.eml through
#                                   maildesk deliver, show the tickets
#   sh contrib/quickstart.sh test   build twice (normal and ASan+UBSan) and
#                                   run every test with ctest
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-demo}

build_pkgs="build-essential cmake pkg-config libgmime-3.0-dev libglib2.0-dev
	liblmdb-dev lmdb-utils libesmtp-dev libjson-glib-dev libxml2-dev
	libgpgme-dev libssl-dev libuchardet-dev libytnef0-dev libsqlite3-dev
	libstemmer-dev"
test_pkgs="jq postfix procmail mandoc util-linux faketime time strace gnupg"

install_missing() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q '^install ok installed$' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "quickstart: missing packages:$missing (run as root)" >&2
		exit 1
	fi
	echo "quickstart: installing$missing"
	# Postfix asks a question at install time; answer it.
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $missing
}

build() {
	dir=$1
	shift
	cmake -S "$top" -B "$dir" -DMAILDESK_WERROR=ON "$@" > "$dir.log" 2>&1 ||
	    { cat "$dir.log"; exit 1; }
	cmake --build "$dir" -j "$(nproc)" >> "$dir.log" 2>&1 ||
	    { cat "$dir.log"; exit 1; }
}

case $what in
demo)
	install_missing $build_pkgs
	mkdir -p "$top/build"
	build "$top/build"
	md="$top/build/maildesk"
	demo=$(mktemp -d /tmp/maildesk-demo.XXXXXX)
	cat > "$demo/maildesk.conf" <<EOC
[store]
path = $demo/store
[addresses]
support@example.com = support
sales@example.com = sales
[deliver]
# The demo runs as root; a real set-up runs deliver as the maildesk user.
allow-root = true
[smtp]
# No mail leaves the demo: acknowledgements wait in the outbox.
port = 1
[outbox]
deliver-flush-seconds = 0
[templates]
dir = $top/contrib/templates
EOC
	"$md" -c "$demo/maildesk.conf" init
	for mail in "$top"/contrib/demo/*.eml; do
		echo "maildesk deliver < contrib/demo/$(basename "$mail")"
		"$md" -c "$demo/maildesk.conf" deliver < "$mail"
	done
	echo
	echo "== maildesk ticket list"
	"$md" -c "$demo/maildesk.conf" ticket list
	echo
	echo "== maildesk ticket show 1"
	"$md" -c "$demo/maildesk.conf" ticket show 1
	echo
	echo "The demo store is in $demo; try:"
	echo "  $md -c $demo/maildesk.conf ticket show 3 --json"
	;;
test)
	install_missing $build_pkgs $test_pkgs
	mkdir -p "$top/build" "$top/build-asan"
	build "$top/build"
	(cd "$top/build" && ctest --output-on-failure -j 2)
	# ASan and UBSan: any report makes the process fail, and so the test.
	build "$top/build-asan" -DMAILDESK_SANITIZE=ON \
	    -DCMAKE_BUILD_TYPE=Debug
	(cd "$top/build-asan" &&
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j 2)
	;;
*)
	echo "usage: sh contrib/quickstart.sh demo|test" >&2
	exit 64
	;;
esac
