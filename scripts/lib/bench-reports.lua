-- wrk script for scripts/bench-reports: requests of one kind, each thread on its own slice.
--
--   wrk -t T -c C -d Ds -s scripts/lib/bench-reports.lua http://127.0.0.1:PORT \
--     -- MODE T LIST_FILE TOKENS_FILE [PHOTO]
--
-- MODE nearby: `GET /api/v1/reports/nearby?lat=…&lon=…&radius=500`, the points of LIST_FILE
--   (`LAT LON` per line) in turn, each request by the next resident of TOKENS_FILE.
-- MODE overdue: `GET /api/v1/report-organisations/{id}/queue?overdue=true&limit=20`, the lines
--   of LIST_FILE (`ORGANISATION TOKEN`: an official of it) in turn.
-- MODE file: filing with one photo. A connection uploads the photo (`POST /api/v1/uploads`,
--   PHOTO with a comment segment of its own, so every upload is a new file to the server: it
--   is sniffed, its header read and kept in the quarantine; decoding, scaling, encoding and
--   the thumbnail are the workers' background work), then, once an upload has answered,
--   files a report naming it (`POST /api/v1/reports`; LIST_FILE: `CATEGORY LAT LON` per line).
--   Every upload and every report is by a resident of its own (thread i of T takes the tokens
--   on lines i, i+T, … of TOKENS_FILE), so no per-account limit decides the rate.
--
-- done() prints one line that scripts/bench-reports reads:
--   MODE ok=N other=N other_statuses=CODE:N,… duration_us=N p50_us=N p99_us=N max_us=N
--   uploads=N errors=…
-- where ok counts the 200s (nearby, overdue) or the filed reports' 201s (file), and uploads
-- the photos' 201s.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "bench-common.lua")

local function words(line)
  local out = {}
  for w in line:gmatch("%S+") do out[#out + 1] = w end
  return out
end

function init(args)
  mode = args[1]
  local nthreads = tonumber(args[2])
  items = {}
  for line in io.lines(args[3]) do
    if line ~= "" then items[#items + 1] = words(line) end
  end
  tokens = {}
  if args[4] ~= "-" then
    local n = 0
    for line in io.lines(args[4]) do
      if line ~= "" and n % nthreads == tid then tokens[#tokens + 1] = line end
      n = n + 1
    end
  end
  if mode == "file" then
    local f = assert(io.open(args[5], "rb"))
    photo = f:read("*a")
    f:close()
  end
  if #items == 0 or (mode ~= "overdue" and #tokens == 0) then
    io.stderr:write("bench-reports.lua: nothing to send for thread " .. tid .. "\n")
    os.exit(1)
  end
  sent, ok, other, uploads, next_token = 0, 0, 0, 0, 0
  others = {}
  hashes = {}
end

local function token()
  next_token = next_token + 1
  return tokens[(next_token - 1) % #tokens + 1]
end

-- The photo with a JPEG comment segment (FF FE, length, text) after its start marker.
local function new_photo()
  local text = "bench " .. tid .. " " .. sent
  local len = #text + 2
  return photo:sub(1, 2) .. "\255\254" .. string.char(math.floor(len / 256), len % 256) .. text
    .. photo:sub(3)
end

function request()
  sent = sent + 1
  local item = items[(tid * 7919 + sent) % #items + 1]
  if mode == "nearby" then
    return wrk.format("GET", "/api/v1/reports/nearby?lat=" .. item[1] .. "&lon=" .. item[2]
      .. "&radius=500", { ["Authorization"] = "Bearer " .. token() })
  elseif mode == "overdue" then
    return wrk.format("GET", "/api/v1/report-organisations/" .. item[1]
      .. "/queue?overdue=true&limit=20", { ["Authorization"] = "Bearer " .. item[2] })
  end
  local hash = table.remove(hashes)
  if hash then
    local body = string.format(
      '{"category_id":"%s","lat":%s,"lon":%s,"description":"Яма на дороге у дома, машины объезжают по встречной.","photos":["%s"]}',
      item[1], item[2], item[3], hash)
    return wrk.format("POST", "/api/v1/reports", {
      ["Authorization"] = "Bearer " .. token(),
      ["Content-Type"] = "application/json",
    }, body)
  end
  return wrk.format("POST", "/api/v1/uploads", {
    ["Authorization"] = "Bearer " .. token(),
    ["Content-Type"] = "image/jpeg",
  }, new_photo())
end

function response(status, headers, body)
  -- Filing: a 201 naming a thumbnail answers an upload, any other 201 a report.
  local hash = mode == "file" and status == 201 and body:match('"thumb_url"')
    and body:match('"hash"%s*:%s*"(%x+)"')
  if hash then
    uploads = uploads + 1
    hashes[#hashes + 1] = hash
  else
    count_ok(status == (mode == "file" and 201 or 200), status)
  end
end

function done(summary, latency, requests)
  local mode = threads[1]:get("mode")
  local t = thread_sums({ "ok", "other", "uploads" })
  io.write(string.format("%s ok=%d other=%d other_statuses=%s %s uploads=%d %s\n", mode, t.ok,
    t.other, other_statuses(), latencies(summary, latency), t.uploads, socket_errors(summary)))
end
