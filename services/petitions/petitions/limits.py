"""The signing limits of a whole batch, in one Redis command.

`hubkit.throttle.Throttle.consume_each` decides a batch in two round trips but sends four commands per key (GET
and TTL, then INCRBY and EXPIRE): for a batch of signatures, four keys each, that is sixteen commands a signature,
and redis-py spends more CPU packing and parsing them than petitions spends on everything else of a signature.
Here one script call decides the whole batch inside Redis: the keys once each, the limits and the requests as two
compact arguments, the refusals as one short answer. Same keys, same decisions, same answers: requests are decided
in order, each seeing the hits of the ones before it; a refused request counts nothing and is told the time left on
its first used-up limit; if Redis is down, limits are not enforced (logged). Deciding inside Redis also makes the
check and the count of a batch atomic (two concurrent batches can no longer both take the last hit).
"""
import hashlib
import logging

import redis as redis_lib

from hubkit.errors import RateLimited

log = logging.getLogger(__name__)

# KEYS: the distinct keys of the batch. ARGV[1]: "limit:window" of each key, in the order of KEYS, comma separated.
# ARGV[2]: the requests, in order, ";" separated, each the numbers (1-based, in KEYS) of its keys in the order of
# its limits. Returns the refusals, ";" separated, each "request:key:ttl" (numbers 1-based; the key used up).
_DECIDE = """
local limits, windows = {}, {}
local count = 0
for limit, window in string.gmatch(ARGV[1], '(%d+):(%d+)') do
    count = count + 1
    limits[count], windows[count] = tonumber(limit), window
end
local used, hits = {}, {}
for index = 1, #KEYS do
    used[index], hits[index] = tonumber(redis.call('GET', KEYS[index]) or '0') or 0, 0
end
local refused, number = {}, 0
for request in string.gmatch(ARGV[2], '[^;]+') do
    number = number + 1
    local keys, over = {}, nil
    for index in string.gmatch(request, '%d+') do
        keys[#keys + 1] = tonumber(index)
    end
    for _, index in ipairs(keys) do
        if used[index] + hits[index] >= limits[index] then
            over = index
            break
        end
    end
    if over then
        refused[#refused + 1] = number .. ':' .. over .. ':' .. redis.call('TTL', KEYS[over])
    else
        for _, index in ipairs(keys) do
            hits[index] = hits[index] + 1
        end
    end
end
for index = 1, #KEYS do
    if hits[index] > 0 then
        redis.call('INCRBY', KEYS[index], hits[index])
        redis.call('EXPIRE', KEYS[index], windows[index], 'NX')
    end
end
return table.concat(refused, ';')
"""
_DECIDE_SHA = hashlib.sha1(_DECIDE.encode()).hexdigest()


def consume_each(throttle, requests: list) -> list:
    """`throttle.consume_each(requests)` (a hubkit.throttle.Throttle: its client and its keys): `requests`, one
    list of (bucket, key, limit, window, message) tuples per request; returns, per request, None (counted) or the
    RateLimited naming its first used-up limit."""
    decided = [None] * len(requests)
    numbers, limits, sent, encoded = {}, [], [], []  # key -> its number; per key "limit:window"; requests sent
    for position, request in enumerate(requests):
        if not request:
            continue  # nothing to check nor to count
        indexes = []
        for bucket, key, limit, window, _message in request:
            redis_key = throttle._key(bucket, key)
            number = numbers.get(redis_key)
            if number is None:
                number = numbers[redis_key] = len(numbers) + 1
                limits.append(f"{int(limit)}:{int(window)}")
            indexes.append(str(number))
        sent.append(position)
        encoded.append(",".join(indexes))
    if not sent:
        return decided
    arguments = (len(numbers), *numbers, ",".join(limits), ";".join(encoded))
    try:
        client = throttle.client
        try:
            refusals = client.evalsha(_DECIDE_SHA, *arguments)
        except redis_lib.exceptions.NoScriptError:
            refusals = client.eval(_DECIDE, *arguments)
    except redis_lib.RedisError as error:
        log.warning("throttle unavailable, limits not enforced", extra={"error": str(error)})
        return decided
    if isinstance(refusals, bytes):
        refusals = refusals.decode()
    for refusal in filter(None, refusals.split(";")):
        request_number, key_number, ttl = (int(part) for part in refusal.split(":"))
        position = sent[request_number - 1]
        bucket, _key, _limit, window, message = _limit_of(throttle, requests[position], key_number, numbers)
        wait = ttl if ttl > 0 else window
        decided[position] = RateLimited(message, details={"retry_after": max(1, wait), "limit": bucket})
    return decided


def _limit_of(throttle, request: list, key_number: int, numbers: dict) -> tuple:
    """The limit of `request` whose key has number `key_number`."""
    return next(limit for limit in request if numbers[throttle._key(limit[0], limit[1])] == key_number)
