# What differs between two runs of kmsdiag-probe against the same test
# responders, masked before a golden comparison (tests/netns/run.sh):
# times measured on the wire, this machine's CMID (from /etc/machine-id).
# The responders' ports are replaced by their labels by the caller.
# Everything else is compared byte for byte.
s/ *[0-9]+(\.[0-9]+)?ms/ Nms/g
s/[0-9]+\.[0-9]+ ms/N ms/g
s/"(connect_ms|rpc_ms|request_ms|connect_min_ms|connect_max_ms)":[0-9.eE+-]+/"\1":N/g
s/(time[_0-9a-f.:]*)=[0-9.eE+-]+s/\1=Ns/g
s/CMID [0-9a-f-]{36}/CMID CMID/g
s/"cmid":"[0-9a-f-]{36}"/"cmid":"CMID"/g
