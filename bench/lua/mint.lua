-- Mints upload tickets as fast as the service issues them and appends, for each, a line "path id"
-- to $URLS_FILE: the ticket's signed PUT path and its artifact's id. PUT scenarios use every URL
-- once (each.lua: an upload URL writes once, and one upload at a time); the complete scenario
-- completes each artifact once after its PUT (pending_uploads in bench/lib/setup.sh).
local body = os.getenv("BODY")
local out = io.open(os.getenv("URLS_FILE"), "a")
out:setvbuf("line") -- one write per line: the threads' lines never interleave
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = body

function response(status, headers, payload)
  local path = status == 201 and payload:match('"url":"https?://[^/]+(/[^"]+)"')
  local id = status == 201 and payload:match('"artifact":{"id":"([^"]+)"')
  if path and id then
    out:write(path .. " " .. id .. "\n")
  end
end
