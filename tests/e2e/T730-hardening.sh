#!/bin/sh
# SPDX-License-Identifier: MIT
# What the admin relies on (SECURITY.md, "Running maildesk"): maildesk
# refuses to run set-user-ID or set-group-ID, never follows a symbolic
# link among the store's files, and whatever it creates is its user's
# alone (0600 files, 0700 directories), whatever the caller's umask.
. "$(dirname "$0")/lib.sh"

setup_store "[log]" "syslog = false"
cat > "$T/m.eml" <<'EOM'
From: Paula Probe <paula@example.com>
To: support@example.com
Subject: Printer
Message-ID: <harden-1@example.com>

It is on fire.
EOM

# --- Modes ------------------------------------------------------------------
rm -rf "$T/store"
(umask 000 && md init > /dev/null && md deliver < "$T/m.eml")
is "$?" 0 "init and deliver with umask 000"
is "$(stat -c %a "$T/store")" 700 "the store directory is 0700"
modes=$(find "$T/store" -type f -exec stat -c '%a %n' {} + | awk '{ print $1 }' | sort -u)
is "$modes" 600 "every file in the store is 0600"
is "$(find "$T/store" -type f | wc -l | tr -d ' ')" 4 \
    "data.mdb, lock.mdb and the two lock files"
(umask 000 && md customer export paula@example.com -o "$T/export" > /dev/null)
is "$(find "$T/export" -type f -exec stat -c %a {} + | sort -u)" 600 \
    "export files are 0600"
is "$(find "$T/export" -type d -exec stat -c %a {} + | sort -u)" 700 \
    "export directories are 0700"

# --- Set-user-ID --------------------------------------------------------------
if LC_ALL=C grep -q __asan_init "$MAILDESK" 2> /dev/null; then
	# LeakSanitizer dies in a set-user-ID process, whatever ASAN_OPTIONS
	# say: the normal build shows this part.
	ok "# SKIP set-user-ID: not with the sanitizer runtime"
elif [ "$(id -u)" -eq 0 ]; then
	mkdir "$T/bin" && chmod 755 "$T" "$T/bin"
	cp "$MAILDESK" "$T/bin/maildesk"
	# The lean binary runs maildesk-full for the other commands.
	full=$(dirname "$MAILDESK")/maildesk-full
	[ -x "$full" ] && cp "$full" "$T/bin/"
	chown nobody "$T/bin/maildesk"
	chmod 4755 "$T/bin/maildesk"
	"$T/bin/maildesk" -c "$T/maildesk.conf" deliver < "$T/m.eml" \
	    > /dev/null 2> "$T/err"
	is "$?" 75 "deliver set-user-ID: exit 75, the MTA keeps the mail"
	like "$(cat "$T/err")" 'refusing to run set-user-ID' "with the reason"
	"$T/bin/maildesk" -c "$T/maildesk.conf" ticket list > /dev/null 2> "$T/err"
	like "$?" '^[1-9]' "ticket list set-user-ID: refused too"
	chmod 0755 "$T/bin/maildesk"
	chgrp nogroup "$T/bin/maildesk" 2> /dev/null || chgrp nobody "$T/bin/maildesk"
	chmod 2755 "$T/bin/maildesk"
	"$T/bin/maildesk" -c "$T/maildesk.conf" deliver < "$T/m.eml" \
	    > /dev/null 2> "$T/err"
	is "$?" 75 "deliver set-group-ID: exit 75"
else
	ok "# SKIP set-user-ID needs root"
fi

# --- Symbolic links ------------------------------------------------------------
# Each of the store's files in turn replaced by a link to a file outside:
# deliver refuses (75) and the outside file is untouched.
for name in data.mdb lock.mdb maildesk.lock maildesk.gate; do
	rm -rf "$T/store" "$T/outside"
	md init > /dev/null
	mv "$T/store/$name" "$T/store/$name.real"
	printf 'precious\n' > "$T/outside"
	ln -s "$T/outside" "$T/store/$name"
	deliver "$T/m.eml"
	is "$rc" 75 "$name a symbolic link: deliver exits 75"
	like "$(cat "$T/err")" "$name is a symbolic link" "$name: the reason names it"
	is "$(cat "$T/outside")" precious "$name: the file outside is untouched"
done
# compact.tmp a link to a directory outside: compaction refuses.
rm -rf "$T/store"
md init > /dev/null
md deliver < "$T/m.eml"
mkdir "$T/elsewhere"
ln -s "$T/elsewhere" "$T/store/compact.tmp"
md compact > /dev/null 2> "$T/err"
like "$?" '^[1-9]' "compact.tmp a symbolic link: compaction refuses"
is "$(ls "$T/elsewhere" | wc -l | tr -d ' ')" 0 "nothing written outside"
rm "$T/store/compact.tmp"
md compact > /dev/null 2>&1
is "$?" 0 "without it, compaction works"
is "$(md ticket list --json | jq length)" 1 "and the ticket is there"
finish
