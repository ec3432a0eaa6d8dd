-- What the wrk scripts of scripts/bench-* share; each loads it from beside itself with
--   dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "bench-common.lua")
-- Threads are numbered 0, 1, … in their `tid`; a thread keeps the statuses it did not expect
-- in its `others` table (count_other), and done() sums them (other_statuses).

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
