-- wrk script: POST the JSON-RPC body in WRK_BODY with "__ADDR__" replaced, on every request, by 40 hex digits
-- unique to the request, so that no two calls are identical (nothing to coalesce, nothing cached).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  n = 0
  template = os.getenv("WRK_BODY")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local address = string.format("%08x%032x", tid, n)
  return wrk.format(nil, nil, nil, (string.gsub(template, "__ADDR__", address)))
end
