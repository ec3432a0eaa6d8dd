-- wrk script for scripts/bench-ideas: supports, each thread on its own slice.
--
--   wrk -t T -c C -d Ds -s scripts/lib/bench-ideas-supports.lua http://127.0.0.1:PORT \
--     -- MODE T LIST_FILE TOKENS_FILE
--
-- MODE support: every request is `PUT /api/v1/ideas/{id}/support`, each a new support: thread
--   i of T takes the tokens on lines i, i+T, … of TOKENS_FILE in turn, and a resident's k-th
--   support is of the idea k places after its first (LIST_FILE: one id per line), so no pair
--   comes twice before every resident has supported every idea. The first ideas of
--   consecutive requests are consecutive lines of LIST_FILE (ideas in turn: neighbours in the
--   store, the writes' best case).
-- MODE support-random: the same, but consecutive requests' ideas are 7,919 lines apart (ideas
--   at random: every write on pages of its own, the worst case).
--
-- No response(): when a script defines it, wrk copies every response's headers and body into
-- Lua for it: 1.8 µs more of the client's CPU a support (10.4 against 8.6, where a GET of /healthz
-- costs it 5.1), on a machine whose CPUs the client shares with the server. wrk counts the statuses
-- of 400 and above itself; a support is answered 200 or one of those.
--
-- done() prints one line that scripts/bench-ideas reads:
--   MODE ok=N other=N other_statuses=4xx-5xx:N duration_us=N p50_us=N p99_us=N max_us=N
--   errors=connect:N,read:N,write:N,status:N,timeout:N

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "bench-common.lua")

function init(args)
  mode = args[1]
  if mode ~= "support" and mode ~= "support-random" then
    io.stderr:write("bench-ideas-supports.lua: no mode " .. tostring(mode) .. "\n")
    os.exit(1)
  end
  spread = mode == "support-random" and 7919 or 1
  local nthreads = tonumber(args[2])
  items = {}
  for line in io.lines(args[3]) do
    if line ~= "" then items[#items + 1] = line end
  end
  tokens = {}
  local n = 0
  for line in io.lines(args[4]) do
    if line ~= "" and n % nthreads == tid then tokens[#tokens + 1] = line end
    n = n + 1
  end
  if #items == 0 or #tokens == 0 then
    io.stderr:write("bench-ideas-supports.lua: nothing to send for thread " .. tid .. "\n")
    os.exit(1)
  end
  sent = 0
end

function request()
  sent = sent + 1
  local r = (sent - 1) % #tokens
  local k = math.floor((sent - 1) / #tokens)
  local idea = items[(tid * 104729 + r * spread + k) % #items + 1]
  return wrk.format("PUT", "/api/v1/ideas/" .. idea .. "/support", {
    ["Authorization"] = "Bearer " .. tokens[r + 1],
  })
end

function done(summary, latency, requests)
  local other = summary.errors.status
  io.write(string.format("%s ok=%d other=%d other_statuses=%s %s %s\n", threads[1]:get("mode"),
    summary.requests - other, other, other > 0 and ("4xx-5xx:" .. other) or "-",
    latencies(summary, latency), socket_errors(summary)))
end
