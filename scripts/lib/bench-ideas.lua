-- wrk script for scripts/bench-ideas: requests of one kind, each thread on its own slice.
--
--   wrk -t T -c C -d Ds -s scripts/lib/bench-ideas.lua http://127.0.0.1:PORT \
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
-- MODE get: every request is a GET of the next path of LIST_FILE (one per line), with the
--   first token of TOKENS_FILE as its bearer ("-": anonymous).
--
-- done() prints one line that scripts/bench-ideas reads:
--   MODE ok=N other=N other_statuses=CODE:N,… duration_us=N p50_us=N p99_us=N max_us=N
--   errors=connect:N,read:N,write:N,status:N,timeout:N

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "bench-common.lua")

function init(args)
  mode = args[1]
  supporting = mode == "support" or mode == "support-random"
  spread = mode == "support-random" and 7919 or 1
  local nthreads = tonumber(args[2])
  local list = {}
  for line in io.lines(args[3]) do
    if line ~= "" then list[#list + 1] = line end
  end
  items = list
  tokens = {}
  if args[4] ~= "-" then
    local n = 0
    for line in io.lines(args[4]) do
      if line ~= "" and (not supporting or n % nthreads == tid) then
        tokens[#tokens + 1] = line
      end
      n = n + 1
    end
  end
  if #items == 0 or (supporting and #tokens == 0) then
    io.stderr:write("bench-ideas.lua: nothing to send for thread " .. tid .. "\n")
    os.exit(1)
  end
  sent, ok, other = 0, 0, 0
  others = {}
end

function request()
  sent = sent + 1
  if supporting then
    local r = (sent - 1) % #tokens
    local k = math.floor((sent - 1) / #tokens)
    local token = tokens[r + 1]
    local idea = items[(tid * 104729 + r * spread + k) % #items + 1]
    return wrk.format("PUT", "/api/v1/ideas/" .. idea .. "/support", {
      ["Authorization"] = "Bearer " .. token,
    })
  end
  local headers = {}
  if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[1] end
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
