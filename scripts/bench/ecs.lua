-- wrk script: one ECS request (AWS JSON 1.1), repeated on keep-alive connections.
--   ECS_OP    operation name, e.g. ListClusters (default)
--   ECS_BODY  JSON request body (default {})
-- A fake SigV4 Authorization header is sent, as SDKs do (local-ecs reads its scope, never verifies it).
-- done() prints one machine-readable line that scripts/bench.sh parses:
--   BENCH requests=N rps=R p50_us=N p99_us=N non2xx=N socket_errors=N
local op = os.getenv("ECS_OP") or "ListClusters"
local body = os.getenv("ECS_BODY") or "{}"

wrk.method = "POST"
wrk.path = "/"
wrk.body = body
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "AmazonEC2ContainerServiceV20141113." .. op
wrk.headers["X-Amz-Date"] = "20260101T000000Z"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecs/aws4_request, "
  .. "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d rps=%.1f p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
