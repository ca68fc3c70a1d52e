"""Password hashing with argon2id, off the event loop.

A hash costs tens of milliseconds of CPU by design. Under eventlet a CPU-bound
call stalls every other request of the process, so hashing runs in eventlet's
thread pool (argon2 releases the GIL): profile reads keep flowing during a
burst of logins, and both cores are used.
"""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool

# OWASP Password Storage Cheat Sheet: argon2id with 19 MiB, 2 iterations, 1 lane (one of its equivalent rows).
# argon2-cffi's default (RFC 9106 low memory: 64 MiB, 3 iterations, 4 lanes) allowed 7.6 logins/s on the 2-core
# host, 53/s with these (bench/login_hashing.py, docs/security/accounts.md). Hashes made with other parameters
# still verify (they carry their own) and are rehashed at the next login (needs_rehash).
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_hasher = HASHER
# Verified against when the e-mail is unknown, so a login costs the same either way (no enumeration).
_TIMING_EQUALISER = _hasher.hash("not-a-real-password-but-a-timing-equaliser")


def hash_password(password: str) -> str:
    return tpool.execute(_hasher.hash, password)


def matches(password_hash: str | None, password: str) -> bool:
    """True if `password` matches; with no hash (unknown account) it still spends the same time, then fails."""
    try:
        return bool(tpool.execute(_hasher.verify, password_hash or _TIMING_EQUALISER, password)) \
            and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
