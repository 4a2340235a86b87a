# Fields of doctor and kmsdiag-tui --report output that differ from run to
# run, masked before a golden comparison (tests/front/golden.sh).  Everything
# else is compared byte for byte.
# Times measured on the wire: connect, bind, request.
s/[0-9]+\.[0-9]+ ms/N ms/g
s/"(connect_ms|rpc_ms|request_ms)":[0-9.eE+-]+/"\1":N/g
s/"connect_ms":\[[0-9.eE+-]+(,[0-9.eE+-]+)*\]/"connect_ms":[N]/g
# --activate's CMID comes from this machine's /etc/machine-id.
s/"cmid":"[0-9a-f-]{36}"/"cmid":"CMID"/g
# When an answer came, in unix seconds (the site model's JSON).
s/"when":[0-9]+/"when":N/g
