# SPDX-License-Identifier: MIT
# Sourced by the benchmarks that fill stores of their own.

# bench_conf STORE BINARY [MAP-BYTES]: STORE.conf beside STORE (queue
# support@example.com, no syslog, nothing sent: the relay is port 1 and
# deliver starts no flush), and the store initialised by BINARY.
bench_conf() {
	printf '[store]\npath = %s\nmap-size-bytes = %s\n[addresses]\nsupport@example.com = support\n[deliver]\nallow-root = true\n[log]\nsyslog = false\n[smtp]\nport = 1\n[outbox]\ndeliver-flush-seconds = 0\n' \
	    "$1" "${3:-68719476736}" > "$1.conf"
	"$2" -c "$1.conf" init > /dev/null
}
