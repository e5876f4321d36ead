/**
 * Lua for the Redis checkpoint registry; each script is one atomic round trip.
 *
 * KEYS[1] `{registry}:checkpoints` (hash id → record JSON), KEYS[2] `{registry}:champion`,
 * KEYS[3] `{registry}:history` (list, newest first): one hash tag, one Cluster slot. Swaps take ARGV[1] "1" when an expected
 * champion is given (else "0": the pointer must be absent), ARGV[2] the expected id,
 * ARGV[3] the full event channel (PUBLISH channels get no ioredis key prefix), ARGV[4] the
 * time in epoch ms, ARGV[5] the history cap. Swaps return a ChampionSwap as JSON.
 */

// cjson re-encodes the record with 14 significant digits: enough for epoch-ms times.
const SWAP = `
local function set_status(id, status)
  local json = redis.call("HGET", KEYS[1], id)
  if not json then return end
  local record = cjson.decode(json)
  record.status = status
  redis.call("HSET", KEYS[1], id, cjson.encode(record))
end

local function expected_matches(current)
  if ARGV[1] == "0" then return current == false end
  return current == ARGV[2]
end

local function refuse(reason, current)
  if reason == "conflict" then
    return cjson.encode({ok = false, reason = reason, actual = current or cjson.null})
  end
  return cjson.encode({ok = false, reason = reason})
end

local function swap(from, to, action)
  if from then set_status(from, "retired") end
  set_status(to, "champion")
  redis.call("SET", KEYS[2], to)
  local previous = from or cjson.null
  local at = tonumber(ARGV[4])
  redis.call("LPUSH", KEYS[3], cjson.encode({from = previous, to = to, action = action, at = at}))
  redis.call("LTRIM", KEYS[3], 0, tonumber(ARGV[5]) - 1)
  redis.call("PUBLISH", ARGV[3], cjson.encode({champion = to, previous = previous, action = action}))
  return cjson.encode({ok = true, champion = to, previous = previous})
end
`;

/** ARGV[6] the checkpoint to promote. Re-promoting the champion changes nothing. */
export const PROMOTE_LUA = `${SWAP}
local id = ARGV[6]
if redis.call("HEXISTS", KEYS[1], id) == 0 then return refuse("unknown_checkpoint") end
local current = redis.call("GET", KEYS[2])
if not expected_matches(current) then return refuse("conflict", current) end
if current == id then return cjson.encode({ok = true, champion = id, previous = id}) end
return swap(current, id, "promote")
`;

/** The target rule is `rollbackTarget` in checkpoint-registry-rules.ts. */
export const ROLLBACK_LUA = `${SWAP}
local current = redis.call("GET", KEYS[2])
if not expected_matches(current) then return refuse("conflict", current) end
if not current then return refuse("no_previous") end
local target = nil
for _, json in ipairs(redis.call("LRANGE", KEYS[3], 0, -1)) do
  local change = cjson.decode(json)
  if change.action == "promote" and change.to == current then
    target = change.from
    break
  end
end
if target == nil or target == cjson.null then return refuse("no_previous") end
if redis.call("HEXISTS", KEYS[1], target) == 0 then return refuse("unknown_checkpoint") end
return swap(current, target, "rollback")
`;

/**
 * KEYS[1] checkpoints, KEYS[2] champion; ARGV[1] id, ARGV[2] status, ARGV[3] "keep", "null"
 * or "set" for the gate report, ARGV[4] the report. Returns "ok", "unknown" or "champion"
 * (the rule of `checkStatusChange` was broken).
 */
export const SET_STATUS_LUA = `
local json = redis.call("HGET", KEYS[1], ARGV[1])
if not json then return "unknown" end
local is_champion = redis.call("GET", KEYS[2]) == ARGV[1]
if (ARGV[2] == "champion") ~= is_champion then return "champion" end
local record = cjson.decode(json)
record.status = ARGV[2]
if ARGV[3] == "null" then record.gateReport = cjson.null end
if ARGV[3] == "set" then record.gateReport = ARGV[4] end
redis.call("HSET", KEYS[1], ARGV[1], cjson.encode(record))
return "ok"
`;
