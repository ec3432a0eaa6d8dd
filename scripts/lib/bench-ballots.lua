-- wrk script for scripts/bench-polls: every request is a ballot of a different resident.
--
--   wrk -t T -c C -d Ds --latency -s scripts/lib/bench-ballots.lua http://127.0.0.1:PORT \
--     -- TOKENS_FILE FIRST END T POLL_ID QUESTION_ID OPTION_IDS RECEIPTS_DIR [MODE]
--
-- MODE "api" (the default): TOKENS_FILE holds one API token per line (`veche polls bench-seed
-- --tokens-out`), and each ballot is POST /api/v1/polls/POLL_ID/ballots with that bearer
-- token and a JSON body, a 201 when cast. MODE "form": TOKENS_FILE holds a session per line,
-- its cookie value and its CSRF token (`bench-seed --sessions-out`), and each ballot is what a
-- browser sends from the poll page: POST /polls/POLL_ID/vote with the session cookie and the
-- URL-encoded form (`csrf`, `q_QUESTION=OPTION`), cast when the answer is a 303 to the
-- receipt (`…/receipts/RECEIPT?done=voted`; `done=already_voted` counts as a 409). Thread i
-- (0-based) of T takes the lines FIRST+i, FIRST+i+T, FIRST+i+2T, … below END (0-based), and
-- each request uses the next one, so no two requests of the run come from the same resident,
-- and runs given disjoint FIRST..END ranges use different residents. OPTION_IDS is
-- comma-separated: the ballots rotate over them. RECEIPTS_DIR: "-", or a folder where each
-- thread appends the receipt of every 201 to `acked-<thread>.txt` and flushes at once (what
-- the kill -9 test counts, since wrk may not reach done() cleanly).
--
-- done() prints one line that scripts/bench-polls reads:
--   ballots 201=N 409=N 429=N 503=N other=N other_statuses=CODE:N,… sent=N used_max=N
--   wrapped=N no_retry_after=N duration_us=N p50_us=N p99_us=N max_us=N
--   errors=connect:N,read:N,write:N,status:N,timeout:N
-- no_retry_after counts 429s and 503s that came without a Retry-After header.
-- used_max is the most tokens one thread took: the next run may start at FIRST + T × used_max.
-- wrapped > 0 means a thread ran out of tokens and reused some (those requests answer 409).

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "bench-common.lua")

function init(args)
  -- args[0] is the URL; ours follow.
  local tokens_file, first, last, nthreads = token_args(args)
  form = args[9] == "form"
  if form then
    poll_path = "/polls/" .. args[5] .. "/vote"
  else
    poll_path = "/api/v1/polls/" .. args[5] .. "/ballots"
  end
  question = args[6]
  options = {}
  for o in string.gmatch(args[7], "[^,]+") do
    table.insert(options, o)
  end
  local receipts_dir = args[8]

  local n
  tokens, n = thread_tokens(tokens_file, first, last, nthreads)
  if #tokens == 0 then
    io.stderr:write("bench-ballots.lua: thread " .. tid .. " has no tokens (lines " .. first
      .. " to " .. last .. " of " .. n .. ")\n")
    os.exit(1)
  end

  used, wrapped = 0, 0
  c201, c409, c429, c503, cother, noretry = 0, 0, 0, 0, 0, 0
  others = {}
  if receipts_dir ~= nil and receipts_dir ~= "-" then
    acked = assert(io.open(receipts_dir .. "/acked-" .. tid .. ".txt", "a"))
  end
end

function request()
  used = used + 1
  local i = used
  if i > #tokens then
    wrapped = wrapped + 1
    i = (i - 1) % #tokens + 1
  end
  local option = options[used % #options + 1]
  if form then
    local cookie, csrf = string.match(tokens[i], "^(%S+) (%S+)$")
    return wrk.format("POST", poll_path, {
      ["Cookie"] = "veche_session=" .. cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, "csrf=" .. csrf .. "&q_" .. question .. "=" .. option)
  end
  local body = '{"answers":[{"question":"' .. question .. '","options":["' .. option .. '"]}]}'
  return wrk.format("POST", poll_path, {
    ["Authorization"] = "Bearer " .. tokens[i],
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  if form then
    -- The browser's answer: a 303 to the receipt page, which says whether this ballot was cast.
    local location = status == 303 and (headers["Location"] or headers["location"]) or ""
    if string.find(location, "done=voted", 1, true) then
      status, body = 201, '"receipt":"' .. (string.match(location, "/receipts/(%x+)") or "?") .. '"'
    elseif string.find(location, "done=already_voted", 1, true) then
      status = 409
    end
  end
  if status == 201 then
    c201 = c201 + 1
    if acked then
      local receipt = string.match(body or "", '"receipt"%s*:%s*"(%x+)"')
      acked:write((receipt or "?") .. "\n")
      acked:flush()
    end
  elseif status == 409 then
    c409 = c409 + 1
  elseif status == 429 then
    c429 = c429 + 1
    if headers["Retry-After"] == nil and headers["retry-after"] == nil then noretry = noretry + 1 end
  elseif status == 503 then
    c503 = c503 + 1
    if headers["Retry-After"] == nil and headers["retry-after"] == nil then noretry = noretry + 1 end
  else
    cother = cother + 1
    count_other(status)
  end
end

function done(summary, latency, requests)
  local t = thread_sums({ "c201", "c409", "c429", "c503", "cother", "used", "wrapped", "noretry" })
  local used_max = 0
  for _, thread in ipairs(threads) do
    used_max = math.max(used_max, thread:get("used") or 0)
  end
  io.write(string.format(
    "ballots 201=%d 409=%d 429=%d 503=%d other=%d other_statuses=%s sent=%d used_max=%d wrapped=%d "
      .. "no_retry_after=%d %s %s\n",
    t.c201, t.c409, t.c429, t.c503, t.cother, other_statuses(), t.used, used_max, t.wrapped, t.noretry,
    latencies(summary, latency), socket_errors(summary)))
end
