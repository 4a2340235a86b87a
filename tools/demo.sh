#!/bin/sh
# The README's main job on shipped fixtures, no network: decode captures of
# realistic problems (clients below the threshold, refused products, a
# host whose key cannot activate what it answers, an emulator).
B=${1:-build}
"$B/kmsdiag-capture" -r fixtures/kms-clientlist-6win-2office2016.pcap \
    -r fixtures/kms-error-c004f042-whitelist-K3.pcap \
    -r fixtures/kms-v6-office-ltsc2021-proplus.pcap
rc=$?
echo
echo "kmsdiag-capture exit status $rc (0 ok, 1 warnings, 2 activation problems found)"
[ "$rc" -le 2 ]
