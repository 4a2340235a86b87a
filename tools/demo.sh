#!/bin/sh
# The README's main job on shipped fixtures, with no network and no
# privileges: the troubleshooting dashboard on a site where clients do not
# activate.  fixtures/demo/corp.zone publishes the KMS host with a TTL of
# 600 s and the wrong port (1689); the capture shows six Windows and two
# Office clients, below the thresholds of 25 and 5.  The only probe is to
# 127.0.0.1:1689, where nothing listens.
#
# On a terminal the dashboard runs (q quits); otherwise (CI, a pipe) the
# same checklist is printed with --report.
B=${1:-build}
set -- -z fixtures/demo/corp.zone -r fixtures/kms-clientlist-6win-2office2016.pcap -t 1
if [ -t 0 ] && [ -t 1 ]; then
	"$B/kmsdiag-tui" "$@" --interval 10
	exit
fi
"$B/kmsdiag-tui" --report "$@"
rc=$?
echo
echo "kmsdiag-tui exit status $rc (0 ok, 1 warnings, 2 activation problems found)"
[ "$rc" -le 2 ]
