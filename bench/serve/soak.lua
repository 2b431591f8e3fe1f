-- soak.lua: wrk cycles through the requests listed in the cases file (its
-- first argument) and checks every answer: the status, and for each case
-- either the whole body or its beginning. Run with as many threads as
-- connections, so that each thread's answers come in the order of its
-- requests.
--
-- Cases file: one request per line, tab-separated:
--   PATH  CONTENT-TYPE  BODY-FILE  STATUS  exact|prefix  ANSWER-FILE

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

function init(args)
  cases = {}
  for line in io.lines(args[1]) do
    local path, ctype, body, status, how, answer =
      line:match("^(%S+)\t(%S+)\t(%S+)\t(%d+)\t(%a+)\t(%S+)$")
    table.insert(cases, {
      path = path, ctype = ctype, body = slurp(body), status = tonumber(status),
      exact = how == "exact", answer = slurp(answer),
    })
  end
  next_case, last, checked, wrong = 0, nil, 0, 0
end

function request()
  next_case = next_case % #cases + 1
  last = cases[next_case]
  return wrk.format("POST", last.path, { ["Content-Type"] = last.ctype }, last.body)
end

function response(status, headers, body)
  checked = checked + 1
  local ok = status == last.status
  if ok and last.exact then
    ok = body == last.answer
  elseif ok then
    ok = body:sub(1, #last.answer) == last.answer
  end
  if not ok then
    wrong = wrong + 1
    if wrong <= 5 then
      io.stderr:write(string.format("wrong answer to %s %s: %d %s\n", last.path, last.ctype,
                                    status, body:sub(1, 200)))
    end
  end
end

function done(summary, latency, requests)
  local total_checked, total_wrong = 0, 0
  for _, t in ipairs(threads) do
    total_checked = total_checked + t:get("checked")
    total_wrong = total_wrong + t:get("wrong")
  end
  io.write(string.format("checked %d answers, %d wrong\n", total_checked, total_wrong))
end
