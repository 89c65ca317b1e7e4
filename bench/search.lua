-- wrk script: each request searches for the next of the queries in QUERIES (one per
-- line, already URL-encoded) on the tenant TENANT, at PATH (sok or sok/forslag).
local queries = {}
local next_query = 1
local tenant = os.getenv("TENANT") or "fjordvik"
local path = os.getenv("SEARCH_PATH") or "sok"

function init(args)
  for line in io.lines(os.getenv("QUERIES")) do
    queries[#queries + 1] = line
  end
  -- Each thread starts at another place in the list.
  next_query = math.random(#queries)
end

function request()
  local q = queries[next_query]
  next_query = next_query % #queries + 1
  return wrk.format("GET", "/nb/" .. tenant .. "/" .. path .. "?q=" .. q)
end
