-- One small-file cycle after another on each connection: ticket, PUT of the bytes to the signed
-- URL, complete. Run with as many threads as connections, so each thread drives one connection
-- and knows which step its next request is.
local auth = "Bearer " .. os.getenv("TOKEN")
local ticket = os.getenv("BODY")
local file = io.open(os.getenv("BODY_FILE"), "rb")
local bytes = file:read("*all")
file:close()
local step, upload_path, artifact_id = "ticket", nil, nil
cycles = 0

function request()
  if step == "ticket" then
    return wrk.format("POST", "/api/v1/artifacts", { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, ticket)
  elseif step == "put" then
    return wrk.format("PUT", upload_path, { ["Content-Type"] = "application/octet-stream" }, bytes)
  end
  return wrk.format("POST", "/api/v1/artifacts/" .. artifact_id .. "/complete", { ["Authorization"] = auth }, nil)
end

function response(status, headers, body)
  if status >= 300 then
    step = "ticket" -- counted as an error by wrk; start a fresh cycle
  elseif step == "ticket" then
    artifact_id = body:match('"artifact":{"id":"([^"]+)"')
    upload_path = body:match('"url":"https?://[^/]+(/[^"]+)"')
    step = "put"
  elseif step == "put" then
    step = "complete"
  else
    cycles = cycles + 1
    step = "ticket"
  end
end

-- wrk's threads keep their own Lua state: gather their counts at the end.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function done()
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("cycles")
  end
  print("cycles: " .. total)
end
