# Sourced by the test suites: nsd, a real authoritative server, on a free
# loopback port.
#
#	kd_start_nsd DIR ZONE=FILE...
#
# Serves each ZONE from FILE (relative to DIR) with its state in DIR/nsd.
# Sets NSD_PORT and NSD_PID and returns 0 once nsd says it started; tries
# five random ports before giving up (returns 1; DIR/nsd/nsd.log says why).
kd_start_nsd() {
	_dir=$1
	shift
	for _try in 1 2 3 4 5; do
		NSD_PORT=$(od -An -N2 -tu2 /dev/urandom | awk '{ print 20000 + $1 % 30000 }')
		mkdir -p "$_dir/nsd"
		cat >"$_dir/nsd/nsd.conf" <<NSDEOF
server:
	ip-address: 127.0.0.1@$NSD_PORT
	port: $NSD_PORT
	username: ""
	chroot: ""
	zonesdir: "$_dir"
	database: ""
	zonelistfile: "$_dir/nsd/zone.list"
	xfrdfile: "$_dir/nsd/xfrd.state"
	xfrdir: "$_dir/nsd"
	pidfile: "$_dir/nsd/nsd.pid"
	logfile: "$_dir/nsd/nsd.log"
	server-count: 1
	verbosity: 1
remote-control:
	control-enable: no
NSDEOF
		for _z in "$@"; do
			printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "${_z%%=*}" "${_z#*=}" \
			    >>"$_dir/nsd/nsd.conf"
		done
		rm -f "$_dir/nsd/nsd.log"
		nsd -d -c "$_dir/nsd/nsd.conf" >"$_dir/nsd/stdout" 2>&1 &
		NSD_PID=$!
		_i=0
		# Up to 20 s: a loaded machine starts nsd slowly.
		while [ $_i -lt 400 ] && kill -0 "$NSD_PID" 2>/dev/null; do
			grep -q "nsd started" "$_dir/nsd/nsd.log" 2>/dev/null && return 0
			sleep 0.05
			_i=$((_i + 1))
		done
		kill "$NSD_PID" 2>/dev/null
		wait "$NSD_PID" 2>/dev/null
	done
	NSD_PID= NSD_PORT=
	return 1
}
