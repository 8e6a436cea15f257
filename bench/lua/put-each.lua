-- PUT of the file $BODY_FILE, each request to a signed URL of its own from $URLS_FILE (minted by
-- mint.lua): a thread takes every n-th line, so no URL is used twice.
local f = io.open(os.getenv("BODY_FILE"), "rb")
local bytes = f:read("*all")
f:close()
local paths, next_path = {}, 1

local started = {} -- in the setup state only; each thread gets its own "id" and "nthreads"
function setup(thread)
  thread:set("id", #started)
  table.insert(started, thread)
  for _, t in ipairs(started) do
    t:set("nthreads", #started)
  end
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
