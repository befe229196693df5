-- wrk script for the cross-check: the same 64-byte produce request stele bench sends.
--   wrk -t1 -c64 -d10s --latency -s perf/peers/wrk-produce.lua \
--     'http://127.0.0.1:7070/v1/topics/bench/records?partition=0&durability=local'
wrk.method = "POST"
wrk.body = string.rep("x", 64)
wrk.headers["Content-Type"] = "application/octet-stream"
