"""Password hashing with argon2id, off the event loop.

A hash costs tens of milliseconds of CPU by design. Under eventlet a CPU-bound
call stalls every other request of the process, so hashing runs in eventlet's
thread pool (argon2 releases the GIL): profile reads keep flowing during a
burst of logins, and both cores are used.
"""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool

_hasher = PasswordHasher()
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
