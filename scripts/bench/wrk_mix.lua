-- wrk script: cycle through a query mix, then print one machine-readable line.
--
--   wrk -t1 -cC -dDs --timeout 30s -s wrk_mix.lua http://127.0.0.1:PORT -- MIXFILE C [unique SALT]
--
-- MIXFILE has one request per line: "<Accept header>\t<request target>"
-- (e.g. "application/sparql-results+json\t/sparql?query=..."), written by run.py.
-- C is the number of connections. With one wrk thread all connections share this
-- Lua state and wrk gives no connection identity to request(), so the mix is read
-- as C streams served in turn: stream i starts at offset i*N/C of the N requests
-- and walks on through the mix (wrapping around), so the connections do not all
-- ask the same query at the same time.
--
-- With "unique SALT", every request's query ends with a comment line holding
-- SALT (different for every wrk run) and a request counter ("\n#uSALT-123"):
-- the same queries, but no two texts alike, so no answer cache of any server
-- can serve a request from an earlier one.
--
-- done() prints, on one line starting with "BENCH ", a JSON object: requests,
-- duration_us, bytes, latency percentiles (us) and wrk's error counters
-- (connect/read/write/timeout socket errors; "status" = responses with a status
-- above 399, which is how wrk counts non-2xx/3xx answers).

local requests = {}
local targets = {}
local accepts = {}
local cursors = {}
local streams = 1
local counter = 0
local unique = false
local salt = ""

function init(args)
   local path = args[1]
   local f = assert(io.open(path, "r"), "cannot open the mix file " .. tostring(path))
   for line in f:lines() do
      local accept, target = line:match("^([^\t]+)\t(.+)$")
      if target then
         requests[#requests + 1] = wrk.format("GET", target, { ["Accept"] = accept })
         targets[#targets + 1] = target
         accepts[#accepts + 1] = accept
      end
   end
   f:close()
   assert(#requests > 0, "the mix file holds no request")
   streams = math.max(1, tonumber(args[2]) or 1)
   unique = args[3] == "unique"
   salt = args[4] or ""
   for i = 1, streams do
      cursors[i] = math.floor((i - 1) * #requests / streams)
   end
end

function request()
   local stream = (counter % streams) + 1
   counter = counter + 1
   local position = cursors[stream]
   cursors[stream] = position + 1
   local i = (position % #requests) + 1
   if unique then
      return wrk.format("GET", targets[i] .. "%0A%23u" .. salt .. "-" .. counter, { ["Accept"] = accepts[i] })
   end
   return requests[i]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, ' ..
      '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "connect": %d, "read": %d, "write": %d, ' ..
      '"status": %d, "timeout": %d}\n',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      e.connect, e.read, e.write, e.status, e.timeout))
end
