-- wrk script for bench/load.sh. Usage: wrk ... -s bench/load.lua URL -- RUN MODE [ARGS...]
-- RUN names the run (it makes the slugs of created articles unique); MODE is one of
--   get                   the URL as given (a static request)
--   article N             GET /api/v1/articles/{id}, id drawn at random from 1..N
--   search Q1 Q2 ...      GET /api/v1/search?q=Qi&limit=20, Qi drawn at random (already URL-encoded)
--   write TOKEN M         POST /api/v1/articles (reporting on a meeting drawn from 1..M), then
--                         PATCH each created article once (a merge patch), as the 201s come back
-- When wrk finishes, one line is printed for load.sh to read:
--   RESULT requests=… seconds=… rps=… p50_ms=… p99_ms=… non2xx=… socket_errors=…

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local mode, run, token, meetings
local max_id, queries
local created = {}   -- ids answered by a 201, waiting for their PATCH
local sent = 0
bad = 0              -- write mode: 1xx/3xx answers and 201s without an id (wrk counts 4xx/5xx)

local function get_article()
  return wrk.format("GET", "/api/v1/articles/" .. math.random(1, max_id))
end

local function get_search()
  return wrk.format("GET", "/api/v1/search?limit=20&q=" .. queries[math.random(1, #queries)])
end

local function write()
  local headers = { ["Authorization"] = "Bearer " .. token }
  local n = #created
  if n > 0 then
    local article = table.remove(created)
    headers["Content-Type"] = "application/merge-patch+json"
    return wrk.format("PATCH", "/api/v1/articles/" .. article, headers,
      '{"summary":"Bản tin đã được biên tập lại","category":"xây dựng đảng"}')
  end
  sent = sent + 1
  headers["Content-Type"] = "application/json"
  local title = string.format("Bài viết thử tải %s %d-%d", run, id, sent)
  local slug = string.format("thu-tai-%s-%d-%d", run, id, sent)
  return wrk.format("POST", "/api/v1/articles", headers, string.format(
    '{"title":"%s","slug":"%s","summary":"Ban Thường vụ Thành ủy làm việc với Đảng ủy phường",' ..
    '"body":"Trên cơ sở bám sát các Chỉ thị, Nghị quyết của Trung ương, của Tỉnh ủy, Thành ủy về ' ..
    'phát triển kinh tế xã hội, thu ngân sách, phát triển đảng viên mới.","category":"kinh tế",' ..
    '"authors":["Thu Hường","Văn Hiệp"],"status":"published","meeting_ids":[%d]}', title, slug, math.random(1, meetings)))
end

local function on_write_response(status, headers, body)
  if status > 399 then
    return
  end
  if status < 200 or status > 299 then
    bad = bad + 1
  elseif status == 201 then
    local article = body:match('^{"id":(%d+)')
    if article then
      table.insert(created, article)
    else
      bad = bad + 1
    end
  end
end

function init(args)
  run, mode = args[1], args[2]
  math.randomseed(os.time() * 100 + id)
  -- Only the write mode reads answers: wrk skips the bodies when no response() is defined, and
  -- sends a prepared request when no request() is defined.
  response = nil
  if mode == "get" then
    request = nil
  elseif mode == "article" then
    max_id = tonumber(args[3])
    request = get_article
  elseif mode == "search" then
    queries = {}
    for i = 3, #args do
      table.insert(queries, args[i])
    end
    request = get_search
  elseif mode == "write" then
    token, meetings = args[3], tonumber(args[4])
    request = write
    response = on_write_response
  else
    error("unknown mode " .. mode)
  end
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  for _, thread in ipairs(threads) do
    non2xx = non2xx + (thread:get("bad") or 0)
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, non2xx, e.connect + e.read + e.write + e.timeout))
end
