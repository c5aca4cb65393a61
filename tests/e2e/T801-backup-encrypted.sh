#!/bin/sh
# SPDX-License-Identifier: MIT
# Encrypted backups ([backup] encrypt-to, GPGME).  A throwaway GnuPG home
# made here, with a key without passphrase (gpg --quick-gen-key); the
# user's own keyring is never touched, and the gpg-agent started for the
# throwaway home is stopped at the end.
#
# Shown: the backup holds data.mdb.gpg, no plain data file, and no byte of
# the customer's mail; its manifest names the key's fingerprint and both
# digests; restore decrypts it into a store identical to the original
# (every ticket as JSON), in a directory and as a tar stream; without the
# secret key restore refuses with one line and writes nothing; a key that
# is not there makes backup refuse, and leaves nothing behind.
. "$(dirname "$0")/lib.sh"

for c in gpg gpgconf jq; do
	command -v "$c" > /dev/null 2>&1 ||
	    { echo "1..0 # SKIP $c not found"; exit 0; }
done

# A short path: gpg-agent's socket lives in the home.
GNUPGHOME=$(mktemp -d /tmp/md-gpg.XXXXXX) || bail "mktemp failed"
export GNUPGHOME
stop_agent() {
	gpgconf --homedir "$GNUPGHOME" --kill gpg-agent > /dev/null 2>&1
	rm -rf "$GNUPGHOME"
}
trap 'stop_agent; _lib_cleanup' EXIT
trap 'stop_agent; _lib_cleanup; exit 130' INT
trap 'stop_agent; _lib_cleanup; exit 143' TERM
chmod 700 "$GNUPGHOME"
gpg --batch --passphrase '' --quick-gen-key \
    'maildesk backup test <backup-test@example.com>' default default never \
    > "$T/gpg.log" 2>&1 || bail "gpg --quick-gen-key failed: $(cat "$T/gpg.log")"
FPR=$(gpg --batch --with-colons --list-secret-keys backup-test@example.com \
    2> /dev/null |
    awk -F: '/^fpr:/ { print $10; exit }')
[ -n "$FPR" ] || bail "no fingerprint for the test key"

setup_store '[smtp]' 'port = 1' '[outbox]' 'deliver-flush-seconds = 0' \
    '[backup]' 'encrypt-to = backup-test@example.com'

M=Gq4Marker-Enc77
for i in 1 2 3; do
	{
		printf 'From: Greta Crypt <greta%s@example.net>\n' "$i"
		printf 'To: support@example.com\nSubject: Secret %s\n' "$i"
		printf 'Message-ID: <g%s.%s@example.net>\n\n' "$i" "$M"
		printf 'The code is %s-%s\n' "$M" "$i"
	} | md deliver --recipient support@example.com
done
store_dump > "$T/before.json"

md backup "$T/b" > "$T/out" 2> "$T/err"
is "$?" 0 "an encrypted backup exits 0"
like "$(cat "$T/out")" ", encrypted to $FPR\$" "it names the key"
is "$(ls "$T/b" | tr '\n' ' ')" "data.mdb.gpg manifest.json " \
    "it holds data.mdb.gpg and the manifest, no plain data file"
grep -a -r -l -e "$M" -e greta "$T/b" > "$T/found"
is "$(cat "$T/found")" "" "no byte of the mail in it"
is "$(ls -a "$T/store" | grep -c backup.tmp)" 0 \
    "the plain copy in the store directory is gone"
is "$(jq -r '.encrypted_to[0]' "$T/b/manifest.json")" "$FPR" \
    "the manifest names the fingerprint"
is "$(jq -r '.files[0].sha256' "$T/b/manifest.json")" \
    "$(sha256sum "$T/b/data.mdb.gpg" | cut -d' ' -f1)" \
    "and the SHA-256 of the encrypted file"
gpg --batch --decrypt "$T/b/data.mdb.gpg" 2> /dev/null > "$T/plain.mdb"
is "$(jq -r '.files[0].plain_sha256' "$T/b/manifest.json")" \
    "$(sha256sum "$T/plain.mdb" | cut -d' ' -f1)" \
    "and of what it decrypts to (gpg --decrypt agrees)"

md restore "$T/b" --to "$T/r" > "$T/out" 2>&1
is "$?" 0 "restore decrypts it"
md --store "$T/r" check > /dev/null 2>&1
is "$?" 0 "the restored store checks clean"
store_dump --store "$T/r" > "$T/after.json"
cmp -s "$T/before.json" "$T/after.json" &&
    ok "every ticket and message is as before the backup" ||
    not_ok "every ticket and message is as before" \
    "$(diff "$T/before.json" "$T/after.json" | head -n 5)"

md backup - > "$T/b.tar" 2> /dev/null
is "$(tar -tf "$T/b.tar" | tr '\n' ' ')" "manifest.json data.mdb.gpg " \
    "backup - with encryption: a tar of the manifest and data.mdb.gpg"
md restore - --to "$T/r-tar" < "$T/b.tar" > /dev/null 2>&1
is "$?" 0 "restore - decrypts the stream"
store_dump --store "$T/r-tar" > "$T/after-tar.json"
cmp -s "$T/before.json" "$T/after-tar.json" &&
    ok "and its tickets are as before too" ||
    not_ok "and its tickets are as before too"

# Without the secret key.
gpgconf --homedir "$GNUPGHOME" --kill gpg-agent > /dev/null 2>&1
OTHER=$(mktemp -d /tmp/md-gpg.XXXXXX)
chmod 700 "$OTHER"
GNUPGHOME=$OTHER md restore "$T/b" --to "$T/r-nokey" > /dev/null 2> "$T/err"
is "$?" 78 "without the secret key: exit 78"
is "$(wc -l < "$T/err" | tr -d ' ')" 1 "one line"
like "$(cat "$T/err")" 'secret key of the backup.s recipient is not in the GnuPG home' \
    "it says the secret key is missing"
[ ! -e "$T/r-nokey" ] && ok "nothing restored" || not_ok "nothing restored"

# A key that is not there.
GNUPGHOME=$OTHER md backup "$T/b-nokey" > /dev/null 2> "$T/err"
is "$?" 78 "backup to a key not in the keyring: exit 78"
like "$(cat "$T/err")" 'no usable OpenPGP key for "backup-test@example.com"' \
    "it names the missing key"
[ ! -e "$T/b-nokey" ] && [ -z "$(ls -a "$T" | grep partial)" ] &&
    ok "and leaves nothing behind" || not_ok "and leaves nothing behind"
gpgconf --homedir "$OTHER" --kill gpg-agent > /dev/null 2>&1
rm -rf "$OTHER"

finish
