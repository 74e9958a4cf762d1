-- wrk script for bench.ts: sends EXACTLY `total` requests, checks every answer, optionally holds
-- a fixed rate, then stops wrk at once. Its design follows the team's reference harness.
--   wrk -tT -cC -dMAXs --latency -s load.lua URL -- TOTAL THREADS KIND PATH AUTH RATE START MIX MARKER
--   KIND   exsign: POST {"MobileNumber","MessageText"} with "Authorization: token <base64>",
--                  ok = HTTP 200 with "IsSuccess":true
--          sendsms: Kannel GET /cgi-bin/sendsms?..., ok = HTTP 202 (accepted: queued, not yet at the SMSC)
--   RATE   0 = closed loop (saturation); R > 0 = request k is due at start + k/R s
--   START  first request index (numbers differ between phases)
--   MIX    single: every text is one GSM-7 part; mix: by index i % 20, 14 single, 4 long GSM-7
--          texts (2 parts), 2 Cyrillic texts (UCS-2, 2 parts)
--   MARKER path prefix for the per-thread "done" files
-- Exact count: delay() reserves the next slot of the thread's quota before each request and parks
-- the connection (one hour, bounded by -d) once the quota is reserved. The last thread to get all
-- its answers sends SIGINT to wrk's main thread (tgkill, so the sleeping thread is the one woken).
-- Fixed rate: a free connection takes the next slot and waits for it, so with C connections slots
-- are claimed up to C/RATE s ahead; a slot starts late only when every connection is busy, and such
-- late starts (which would hide latency) are counted.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
int tgkill(int tgid, int tid, int sig);
int getpid(void);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local nthreads = 0

function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end

function init(args)
  local total = tonumber(args[1])
  nthreads_arg = tonumber(args[2])
  kind = args[3]
  path = args[4]
  auth = args[5]
  rate = tonumber(args[6])
  start_index = tonumber(args[7])
  mix = args[8]
  marker = args[9]
  reserved, issued, answered, ok, failed = 0, 0, 0, 0, 0
  late_slots, max_late_ms, t_start, finished = 0, 0, nil, false
  first_fail = ""
  quota = math.floor(total / nthreads_arg)
  if tid == nthreads_arg then quota = total - quota * (nthreads_arg - 1) end
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = auth }
  verify_call_pending = (tid == 1) -- wrk calls request() once on thread 1 only to check it
end

function delay()
  if reserved >= quota then return 3600000 end
  local slot = reserved * nthreads_arg + (tid - 1)
  reserved = reserved + 1
  if rate <= 0 then return 0 end
  local now = now_ms()
  if not t_start then t_start = now end
  local wait = t_start + slot * 1000 / rate - now
  if wait < -1 then
    late_slots = late_slots + 1
    if -wait > max_late_ms then max_late_ms = -wait end
  end
  if wait < 0 then return 0 end
  return math.floor(wait)
end

local long_gsm = string.rep("Your sign-in code for the ExSign portal follows. ", 4) -- 200 GSM-7 characters
local cyrillic = string.rep("Ваш код подтверждения ", 4) .. "Ваш код" -- 95 UTF-16 units: UCS-2, 2 parts

local function text_for(i)
  local code = string.format("%06d", (i * 7919 + 12345) % 1000000)
  if mix == "mix" then
    local k = i % 20
    if k >= 18 then return cyrillic .. " " .. code end
    if k >= 14 then return long_gsm .. code end
  end
  return "Your code is " .. code
end

local function url_encode(s)
  return (s:gsub("[^%w]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function request_for(i)
  local number = string.format("447400%06d", i % 300000) -- +44 7400 000000-299999: all GB mobiles to libphonenumber
  if kind == "sendsms" then
    return wrk.format("GET", path .. "?username=tester&password=foobar&from=12345&to=" .. number ..
      "&text=" .. url_encode(text_for(i)))
  end
  return wrk.format("POST", path, headers,
    '{"MobileNumber":"+' .. number .. '","MessageText":"' .. text_for(i) .. '"}')
end

function request()
  if verify_call_pending then
    verify_call_pending = false
    return request_for(start_index)
  end
  local i = start_index + issued * nthreads_arg + (tid - 1)
  issued = issued + 1
  return request_for(i)
end

function response(status, hdrs, body)
  answered = answered + 1
  local good
  if kind == "sendsms" then good = status == 202
  else good = status == 200 and body ~= nil and body:find('"IsSuccess"%s*:%s*true') ~= nil end
  if good then ok = ok + 1
  else
    failed = failed + 1
    if first_fail == "" then first_fail = tostring(status) .. " " .. string.sub(body or "", 1, 160) end
  end
  if answered >= quota and not finished then
    finished = true
    finish_thread()
    wrk.thread:stop()
  end
end

function finish_thread()
  local m = io.open(marker .. tid, "w"); m:write("done"); m:close()
  local n_done = 0
  for i = 1, nthreads_arg do
    local g = io.open(marker .. i, "r")
    if g then n_done = n_done + 1; g:close() end
  end
  if n_done >= nthreads_arg then
    local pid = ffi.C.getpid()
    ffi.C.tgkill(pid, pid, 2)
  end
end

local function json_str(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local okn, fail, ans, late, maxlate, sample = 0, 0, 0, 0, 0, ""
  for _, t in ipairs(threads) do
    okn = okn + (t:get("ok") or 0)
    fail = fail + (t:get("failed") or 0)
    ans = ans + (t:get("answered") or 0)
    late = late + (t:get("late_slots") or 0)
    maxlate = math.max(maxlate, t:get("max_late_ms") or 0)
    if sample == "" then sample = t:get("first_fail") or "" end
  end
  io.write(string.format(
    'RESULT_JSON {"ok":%d,"failed":%d,"answered":%d,"seconds":%.3f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f,"socket_errors":%d,"late_slots":%d,"max_late_ms":%.3f,"first_fail":%s}\n',
    okn, fail, ans, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    late, maxlate, json_str(sample)))
end
