-- wrk script for scripts/bench-ideas: GETs, each thread on its own slice.
--
--   wrk -t T -c C -d Ds -s scripts/lib/bench-ideas.lua http://127.0.0.1:PORT \
--     -- get T LIST_FILE TOKENS_FILE
--
-- Every request is a GET of the next path of LIST_FILE (one per line), with the first token of
-- TOKENS_FILE as its bearer ("-": anonymous). Supports have their own script,
-- bench-ideas-supports.lua.
--
-- done() prints one line that scripts/bench-ideas reads:
--   get ok=N other=N other_statuses=CODE:N,… duration_us=N p50_us=N p99_us=N max_us=N
--   errors=connect:N,read:N,write:N,status:N,timeout:N

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "bench-common.lua")

function init(args)
  mode = args[1]
  if mode ~= "get" then
    io.stderr:write("bench-ideas.lua: no mode " .. tostring(mode) .. "\n")
    os.exit(1)
  end
  items = {}
  for line in io.lines(args[3]) do
    if line ~= "" then items[#items + 1] = line end
  end
  headers = {}
  if args[4] ~= "-" then
    for line in io.lines(args[4]) do
      if line ~= "" then
        headers["Authorization"] = "Bearer " .. line
        break
      end
    end
  end
  if #items == 0 then
    io.stderr:write("bench-ideas.lua: nothing to send for thread " .. tid .. "\n")
    os.exit(1)
  end
  sent, ok, other = 0, 0, 0
  others = {}
end

function request()
  sent = sent + 1
  return wrk.format("GET", items[(tid * 31 + sent) % #items + 1], headers)
end

function response(status, headers, body)
  count_ok(status == 200, status)
end

function done(summary, latency, requests)
  local mode = threads[1]:get("mode")
  local t = thread_sums({ "ok", "other" })
  io.write(string.format("%s ok=%d other=%d other_statuses=%s %s %s\n", mode, t.ok, t.other,
    other_statuses(), latencies(summary, latency), socket_errors(summary)))
end
