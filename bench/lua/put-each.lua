-- PUT of the file $BODY_FILE, each request to a signed URL of its own from $URLS_FILE (minted by
-- mint.lua): thread i of n takes every n-th line from the i-th, so no URL is used twice.
local f = io.open(os.getenv("BODY_FILE"), "rb")
local bytes = f:read("*all")
f:close()
local paths, next_path = {}, 1

-- A thread may start before the next one is set up, so the thread count comes from the
-- environment (WRK_THREADS, set by run.sh), and each thread's number from setup.
local nthreads = tonumber(os.getenv("WRK_THREADS"))
local started = {} -- in the setup state only
function setup(thread)
  thread:set("id", #started)
  table.insert(started, thread)
end

function init(args)
  local i = 0
  for line in io.lines(os.getenv("URLS_FILE")) do
    if i % nthreads == id then
      table.insert(paths, line)
    end
    i = i + 1
  end
end

function request()
  local path = paths[next_path]
  next_path = next_path + 1
  if path == nil then
    path = paths[1] -- out of URLs: the run was longer than the minted supply; counted as errors
  end
  return wrk.format("PUT", path, { ["Content-Type"] = "application/octet-stream" }, bytes)
end

-- Which answers the PUTs got, so a run with errors says what they were.
statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(started) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local line = "statuses:"
  for status, n in pairs(counts) do
    line = line .. " " .. status .. "=" .. n
  end
  print(line)
end
