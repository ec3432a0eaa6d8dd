-- What the wrk scripts of scripts/bench-* share; each loads it from beside itself with
--   dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "bench-common.lua")
-- Threads are numbered 0, 1, … in their `tid`; a thread keeps the statuses it did not expect
-- in its `others` table (count_other), and done() sums them (other_statuses) and the threads'
-- counters (thread_sums).

threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- Counts a response of a status the script does not count on its own.
function count_other(status)
  local key = tostring(status)
  others[key] = (others[key] or 0) + 1
end

-- Every thread's `others`, summed: "CODE:N,…" in order, or "-" when there are none.
function other_statuses()
  local totals = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("others") or {}) do
      totals[code] = (totals[code] or 0) + n
    end
  end
  local listed = {}
  for code, n in pairs(totals) do
    table.insert(listed, code .. ":" .. n)
  end
  table.sort(listed)
  return #listed > 0 and table.concat(listed, ",") or "-"
end

-- wrk's socket errors, as the summary lines end: "errors=connect:N,read:N,write:N,status:N,timeout:N".
function socket_errors(summary)
  local e = summary.errors
  return string.format("errors=connect:%d,read:%d,write:%d,status:%d,timeout:%d",
    e.connect, e.read, e.write, e.status, e.timeout)
end

-- Counts a response in the thread's `ok` when it is the one `expected`, else in its `other`
-- and by status (count_other): for the scripts whose done() prints ok=N other=N.
function count_ok(expected, status)
  if expected then
    ok = ok + 1
  else
    other = other + 1
    count_other(status)
  end
end

-- The arguments the token scripts begin with, TOKENS_FILE FIRST END THREADS: the file, and
-- the three numbers.
function token_args(args)
  return args[1], tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
end

-- This thread's share of a token file: of its lines FIRST … below LAST, those at FIRST + tid,
-- FIRST + tid + T, … (T threads); and how many lines the file has.
function thread_tokens(tokens_file, first, last, nthreads)
  local tokens, n = {}, 0
  for line in io.lines(tokens_file) do
    if n >= first and n < last and (n - first) % nthreads == tid and line ~= "" then
      tokens[#tokens + 1] = line
    end
    n = n + 1
  end
  return tokens, n
end

-- The threads' counters named in `names` (each a global of every thread), summed: a table by
-- name.
function thread_sums(names)
  local t = {}
  for _, name in ipairs(names) do
    t[name] = 0
    for _, thread in ipairs(threads) do
      t[name] = t[name] + (thread:get(name) or 0)
    end
  end
  return t
end

-- The run's time and latencies, as the summary lines give them:
-- "duration_us=N p50_us=N p99_us=N max_us=N".
function latencies(summary, latency)
  return string.format("duration_us=%d p50_us=%d p99_us=%d max_us=%d", summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max)
end
