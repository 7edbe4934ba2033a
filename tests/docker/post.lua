-- wrk: every request a POST with a 2 kB body (the app reads and discards it).
wrk.method = "POST"
wrk.body = string.rep("x", 2048)
wrk.headers["Content-Type"] = "application/octet-stream"
