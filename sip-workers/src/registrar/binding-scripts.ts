// The Lua scripts that read and change one AOR's bindings inside Redis. A script runs atomically,
// so checking CSeq order, counting bindings and writing happen as one step even when replicas
// register the same AOR at the same moment. Time is Redis's own (TIME), so replicas whose clocks
// disagree still agree on when a binding expires.
//
// Layout: one hash per AOR, field = binding id, value = the binding as JSON with expiresAt
// (milliseconds, Redis's clock). The hash's own TTL is that of its longest-lived binding, so an
// AOR whose phones all went away disappears by itself; a binding that expired before its
// siblings is skipped on every read and deleted on the next write.

const readCurrent = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local current = {}
local count = 0
local stale = {}
local stored = redis.call('HGETALL', KEYS[1])
for i = 1, #stored, 2 do
  local ok, binding = pcall(cjson.decode, stored[i + 1])
  if ok and type(binding) == 'table' and type(binding.expiresAt) == 'number' and binding.expiresAt > now then
    current[stored[i]] = binding
    count = count + 1
  else
    stale[#stale + 1] = stored[i]
  end
end
-- The hash lives as long as its longest binding; with none left it goes at once.
local function expireWithLatest()
  local latest = 0
  for _, binding in pairs(current) do
    if binding.expiresAt > latest then latest = binding.expiresAt end
  end
  if latest > 0 then redis.call('PEXPIREAT', KEYS[1], latest) else redis.call('DEL', KEYS[1]) end
end
local function listed()
  local list = {}
  for _, binding in pairs(current) do
    binding.expiresInMs = binding.expiresAt - now
    list[#list + 1] = binding
  end
  return list
end
`;

/** KEYS[1]: the AOR's hash. ARGV[1]: JSON { callId, cseq, removeAll, maxBindings, changes: [{ id, seconds, binding }] }. */
export const UPDATE_BINDINGS = `${readCurrent}
local request = cjson.decode(ARGV[1])
local function outOfOrder(binding)
  return binding.callId == request.callId and binding.cseq >= request.cseq
end
if request.removeAll then
  for id, binding in pairs(current) do
    if outOfOrder(binding) then return cjson.encode({ error = 'out-of-order', id = id }) end
  end
else
  for _, change in ipairs(request.changes) do
    local existing = current[change.id]
    if existing and outOfOrder(existing) then return cjson.encode({ error = 'out-of-order', id = change.id }) end
    if existing and change.seconds == 0 then count = count - 1 end
    if not existing and change.seconds > 0 then count = count + 1 end
  end
  if count > request.maxBindings then return cjson.encode({ error = 'too-many-bindings' }) end
end
-- Every check passed: only now write, since a script's writes stay even when it returns early.
for _, id in ipairs(stale) do redis.call('HDEL', KEYS[1], id) end
if request.removeAll then
  redis.call('DEL', KEYS[1])
  current = {}
else
  for _, change in ipairs(request.changes) do
    if change.seconds == 0 then
      redis.call('HDEL', KEYS[1], change.id)
      current[change.id] = nil
    else
      local binding = change.binding
      binding.expiresAt = now + change.seconds * 1000
      current[change.id] = binding
      redis.call('HSET', KEYS[1], change.id, cjson.encode(binding))
    end
  end
end
expireWithLatest()
return cjson.encode({ bindings = listed() })
`;

/** KEYS[1]: the AOR's hash. Reads only: stale fields wait for the next write or the hash's TTL. */
export const LOOKUP_BINDINGS = `${readCurrent}
return cjson.encode({ bindings = listed() })
`;

/**
 * KEYS[1]: the AOR's hash. ARGV[1]: JSON { transport, address, port, edge }: a TCP or TLS flow
 * that closed. Its bindings go, except those with RFC 8599 push parameters: a suspended app's
 * flow closes by design, and the push binding is how it is woken. A binding that moved to another
 * flow (a re-REGISTER over a new connection) names that flow now, so it stays.
 */
export const REMOVE_FLOW_BINDINGS = `${readCurrent}
local flow = cjson.decode(ARGV[1])
local removed = 0
for _, id in ipairs(stale) do redis.call('HDEL', KEYS[1], id) end
for id, binding in pairs(current) do
  local via = binding.flow
  if type(via) == 'table' and binding.push == nil and via.transport == flow.transport
    and via.address == flow.address and via.port == flow.port and via.edge == flow.edge then
    redis.call('HDEL', KEYS[1], id)
    current[id] = nil
    removed = removed + 1
  end
end
expireWithLatest()
return cjson.encode({ bindings = listed(), removed = removed })
`;

/** Deletes a replica's presence key only if this instance wrote it: a restarted replica at the same address keeps its own. */
export const WITHDRAW_EDGE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
