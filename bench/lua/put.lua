-- PUT of the file $BODY_FILE, read once per thread.
local f = io.open(os.getenv("BODY_FILE"), "rb")
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.body = f:read("*all")
f:close()
