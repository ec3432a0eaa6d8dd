-- wrk script for scripts/bench-polls (VECHE_BENCH_SEEN=1): every resident of a token range
-- opens the poll once (GET /api/v1/polls/POLL_ID with their bearer token), as the app does
-- before a resident votes, so that the ballot run that follows comes from residents the server
-- saw within the minute (their identities in memory, `VECHE_IDENTITY_TTL`).
--
--   wrk -t T -c C -d 2s -s scripts/lib/bench-seen.lua http://127.0.0.1:PORT \
--     -- TOKENS_FILE FIRST END T POLL_ID [MODE]
--
-- MODE "form": TOKENS_FILE holds sessions (`COOKIE CSRF` a line), and each resident opens the
-- poll's page (GET /polls/POLL_ID with the session cookie), as a browser does before voting.
--
-- Thread i of T takes the lines FIRST+i, FIRST+i+T, … below END, each once; once all are
-- sent it asks for /healthz until the run's time is up. wrk runs for its whole duration
-- whatever the script does, so scripts/bench-polls runs it in short rounds, each starting
-- where the slowest thread of the last one stopped (FIRST + T × used_min), until END.
-- done() prints: seen 200=N other=N sent=N used_min=N

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "bench-common.lua")

function init(args)
  local tokens_file, first, last, nthreads = token_args(args)
  form = args[6] == "form"
  poll_path = (form and "/polls/" or "/api/v1/polls/") .. args[5]
  tokens = thread_tokens(tokens_file, first, last, nthreads)
  used, answered, ok, other = 0, 0, 0, 0
  others = {}
end

function request()
  used = used + 1
  local i = used
  if i > #tokens then
    used = #tokens
    return wrk.format("GET", "/healthz")
  end
  if form then
    return wrk.format("GET", poll_path, { ["Cookie"] = "veche_session=" .. string.match(tokens[i], "^%S+") })
  end
  return wrk.format("GET", poll_path, { ["Authorization"] = "Bearer " .. tokens[i] })
end

function response(status, headers, body)
  if answered >= #tokens then
    return -- a /healthz after the last token
  end
  answered = answered + 1
  count_ok(status == 200, status)
end

function done(summary, latency, requests)
  local t = thread_sums({ "ok", "other", "answered" })
  local used_min = nil
  for _, thread in ipairs(threads) do
    local a = thread:get("answered") or 0
    if used_min == nil or a < used_min then used_min = a end
  end
  io.write(string.format("seen 200=%d other=%d other_statuses=%s sent=%d used_min=%d\n",
    t.ok, t.other, other_statuses(), t.answered, used_min or 0))
end
