-- Mints upload tickets as fast as the service issues them and appends each ticket's signed PUT
-- path (one per line) to $URLS_FILE, so PUT scenarios can use every URL once: an upload URL
-- writes once, and one upload at a time.
local body = os.getenv("BODY")
local out = io.open(os.getenv("URLS_FILE"), "a")
out:setvbuf("line") -- one write per line: the threads' lines never interleave
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = body

function response(status, headers, payload)
  local path = status == 201 and payload:match('"url":"https?://[^/]+(/[^"]+)"')
  if path then
    out:write(path .. "\n")
  end
end
