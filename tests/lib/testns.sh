# Sourced by the test suites: ldns-testns, a scripted DNS server, on a random
# loopback port.
#
#	kd_start_testns DATA OUT
#
# Serves the answers of DATA (ldns-testns's format), its output in OUT.  Sets
# TESTNS_PID and TESTNS_PORT and returns 0 once it listens.  ldns-testns picks
# a random port and, when that one is taken, fails ("bind(): Invalid
# argument") instead of picking again: up to five are started, so a port in
# use elsewhere never decides a test.
kd_start_testns() {
	for _try in 1 2 3 4 5; do
		ldns-testns -r "$1" >"$2" 2>&1 &
		TESTNS_PID=$!
		_i=0
		# Up to 10 s: a loaded machine starts it slowly.
		while [ $_i -lt 200 ] && kill -0 "$TESTNS_PID" 2>/dev/null; do
			TESTNS_PORT=$(sed -n 's/.*Listening on port \([0-9]*\).*/\1/p' "$2" | head -n 1)
			[ -n "$TESTNS_PORT" ] && return 0
			sleep 0.05
			_i=$((_i + 1))
		done
		kill "$TESTNS_PID" 2>/dev/null
		wait "$TESTNS_PID" 2>/dev/null
	done
	TESTNS_PID= TESTNS_PORT=
	return 1
}
