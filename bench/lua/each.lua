-- One request per line of $URLS_FILE (the line's first word is the path), each line once: a PUT of
-- $BODY_FILE to a signed upload URL of its own (minted by mint.lua: an upload URL writes once), or a
-- POST .../complete of a variant of its own (prepared by pending_uploads in bench/lib/setup.sh).
-- Thread i of n takes every n-th line from the i-th. A thread that has sent all its lines sends no
-- more (it is not made to repeat one, which would measure refusals), and the rate it reports is
-- over the time until its last answer, so a list shorter than the run still gives a true rate.
-- Environment: URLS_FILE, WRK_THREADS (set by the scripts), METHOD (PUT), BODY_FILE, CONTENT_TYPE,
-- TOKEN (sent as a bearer token).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } each_timespec;
  int clock_gettime(int clock, each_timespec *time);
]]
local function now() -- seconds, monotonic
  local t = ffi.new("each_timespec")
  ffi.C.clock_gettime(1, t)
  return tonumber(t.tv_sec) + tonumber(t.tv_nsec) / 1e9
end

local method = os.getenv("METHOD") or "PUT"
local bytes = nil
if os.getenv("BODY_FILE") then
  local f = io.open(os.getenv("BODY_FILE"), "rb")
  bytes = f:read("*all")
  f:close()
end
local headers = {}
if os.getenv("CONTENT_TYPE") then headers["Content-Type"] = os.getenv("CONTENT_TYPE") end
if os.getenv("TOKEN") then headers["Authorization"] = "Bearer " .. os.getenv("TOKEN") end

-- A thread may start before the next one is set up, so the thread count comes from the
-- environment (WRK_THREADS), and each thread's number from setup.
local nthreads = tonumber(os.getenv("WRK_THREADS"))
local started = {} -- in the setup state only
function setup(thread)
  thread:set("id", #started)
  table.insert(started, thread)
end

local paths, reserved, sent = {}, 0, 0
answered, elapsed, ran_out = 0, 0, false
local start
function init(args)
  local i = 0
  for line in io.lines(os.getenv("URLS_FILE")) do
    if i % nthreads == id then
      table.insert(paths, line:match("^%S+"))
    end
    i = i + 1
  end
  start = now()
end

-- Called before each request (several connections may be between this and request()): a thread
-- out of lines waits past the end of the run instead.
function delay()
  if reserved < #paths then
    reserved = reserved + 1
    return 0
  end
  ran_out = true
  return 3600000
end

function request()
  if reserved == 0 then
    -- wrk's check of the script, on thread 0 before any connection: this request is never sent.
    return wrk.format(method, paths[1], headers, bytes)
  end
  -- After a broken connection wrk sends again without asking delay(): past the end, the last line
  -- goes again and its answer counts as an error.
  sent = sent + 1
  reserved = math.max(reserved, sent)
  return wrk.format(method, paths[math.min(sent, #paths)], headers, bytes)
end

-- Which answers the requests got, so a run with errors says what they were.
statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  answered = answered + 1
  elapsed = now() - start
end

function done(summary, latency, requests)
  local counts, total, rate, out = {}, 0, 0, false
  for _, thread in ipairs(started) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
    -- A thread that ran out is timed until its last answer; one that never did was busy all the run.
    local n, seconds = thread:get("answered"), summary.duration / 1e6
    if thread:get("ran_out") then
      seconds, out = thread:get("elapsed"), true
    end
    total = total + n
    rate = rate + (seconds > 0 and n / seconds or 0)
  end
  local line = "statuses:"
  for status, n in pairs(counts) do
    line = line .. " " .. status .. "=" .. n
  end
  print(line)
  print(string.format("each: %d requests, %.1f/s%s", total, rate, out and " (the list ran out)" or ""))
end
