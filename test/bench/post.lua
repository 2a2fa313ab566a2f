-- wrk script: POST the JSON-RPC body given in the WRK_BODY environment variable on every request.
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY")
wrk.headers["Content-Type"] = "application/json"
