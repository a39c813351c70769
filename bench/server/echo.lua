-- wrk script for bench/server/run_server_bench.sh: POSTs the AMF request body in the file named by
-- $AMPHORA_WRK_BODY (written by `amphora loadgen --save-body`) on every request, keep-alive.
-- wrk counts answers other than 2xx/3xx as errors ("Non-2xx or 3xx responses").
local file = assert(io.open(os.getenv("AMPHORA_WRK_BODY"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/x-amf"

function done(summary, latency, requests)
  io.write(string.format("wrk: %.0f requests/s, p50 %.3f ms, p99 %.3f ms, errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.read +
    summary.errors.write + summary.errors.timeout + summary.errors.connect))
end
