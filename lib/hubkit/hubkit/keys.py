"""The keys that say who is calling: each identity's Ed25519 signing key, everyone's verify keys, and the key
that authenticates the session cache.

An identity is the gateway or one service. In production each process is given only its own signing key
(`HUB_TRUST_KEY` or `HUB_TRUST_KEY_FILE`, a mounted secret) and the public keys of every identity
(`HUB_TRUST_PUBLIC_KEYS` or `HUB_TRUST_PUBLIC_KEYS_FILE`: JSON `{"gateway": ["<base64>", ...], ...}`; two keys
for one identity during a rotation). The session cache is authenticated with a secret shared by accounts (which
writes the entries) and the gateway (which reads them): `HUB_SESSION_CACHE_KEYS` or `_FILE`, comma-separated,
the first one signs and every one verifies.

Outside production (`HUB_ENV` local or test) all of it may be derived from one random seed given to every
process of a run, `HUB_TRUST_DEV_SEED` (`make run` and the test fixtures make a new one each time): no key is
ever written in the repository, and production refuses the seed.

`python -m hubkit.keys write <directory>` makes every key of a new deployment, `python -m hubkit.keys new <identity>`
one new pair for a rotation (docs/operations.md, "Rotating keys").
"""
import base64
import functools
import hashlib
import json
import os
import sys

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from .config import env_secret, hub_env

# Every identity that signs: the gateway and the services (the call table, hubkit.calls, says who may call what).
IDENTITIES = ("gateway", "accounts", "ideas", "budget", "petitions", "routing", "notifications")
SESSION_KEY_MIN_BYTES = 32


class KeyConfigurationError(RuntimeError):
    """The trust keys are missing or malformed: the process must not start."""


def _dev_seed() -> bytes | None:
    seed = os.environ.get("HUB_TRUST_DEV_SEED")
    if not seed:
        return None
    if hub_env() not in ("local", "test"):
        raise KeyConfigurationError("HUB_TRUST_DEV_SEED n'est accepté qu'avec HUB_ENV=local ou test : "
                                    "donnez HUB_TRUST_KEY(_FILE) et HUB_TRUST_PUBLIC_KEYS(_FILE).")
    return seed.encode()


def _derived(seed: bytes, purpose: str) -> bytes:
    return hashlib.sha256(seed + b"\0" + purpose.encode()).digest()


def _decode_key(text: str, setting: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        raise KeyConfigurationError(f"{setting} doit être une clé de 32 octets en base64.")
    return raw


@functools.lru_cache(maxsize=None)
def signing_key(identity: str) -> SigningKey:
    """The key `identity` signs with: HUB_TRUST_KEY(_FILE) (this process's own), or derived from the dev seed."""
    configured = env_secret("HUB_TRUST_KEY")
    if configured:
        return SigningKey(_decode_key(configured, "HUB_TRUST_KEY"))
    seed = _dev_seed()
    if seed is None:
        raise KeyConfigurationError(f"{identity} n'a pas de clé de signature : HUB_TRUST_KEY ou HUB_TRUST_KEY_FILE "
                                    "(python -m hubkit.keys en crée une).")
    return SigningKey(_derived(seed, f"identity:{identity}"))


@functools.lru_cache(maxsize=1)
def verify_keys() -> dict:
    """{identity: (VerifyKey, ...)}: the public keys of every identity (two during a rotation)."""
    keys: dict = {}
    configured = env_secret("HUB_TRUST_PUBLIC_KEYS")
    if configured:
        try:
            table = json.loads(configured)
        except ValueError:
            raise KeyConfigurationError("HUB_TRUST_PUBLIC_KEYS doit être un objet JSON "
                                        '{"gateway": ["<clé base64>"], ...}.') from None
        if not isinstance(table, dict):
            raise KeyConfigurationError("HUB_TRUST_PUBLIC_KEYS doit être un objet JSON.")
        for identity, listed in table.items():
            listed = [listed] if isinstance(listed, str) else listed
            if not isinstance(listed, list) or not listed:
                raise KeyConfigurationError(f"HUB_TRUST_PUBLIC_KEYS[{identity!r}] doit lister une ou deux clés.")
            keys[identity] = tuple(VerifyKey(_decode_key(text, f"HUB_TRUST_PUBLIC_KEYS[{identity!r}]"))
                                   for text in listed)
    seed = _dev_seed()
    if seed is not None:
        for identity in IDENTITIES:
            keys.setdefault(identity, (SigningKey(_derived(seed, f"identity:{identity}")).verify_key,))
    if not keys:
        raise KeyConfigurationError("Aucune clé publique : HUB_TRUST_PUBLIC_KEYS ou HUB_TRUST_PUBLIC_KEYS_FILE.")
    return keys


@functools.lru_cache(maxsize=64)
def _dev_verify_key(identity: str) -> tuple:
    """Outside production, any identity's key follows from the seed (the tests' sample services have their own)."""
    seed = _dev_seed()
    return (SigningKey(_derived(seed, f"identity:{identity}")).verify_key,) if seed else ()


def verify(identity: str, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is `identity`'s over `message`, with any of its current keys."""
    for key in verify_keys().get(identity) or _dev_verify_key(identity):
        try:
            key.verify(message, signature)
            return True
        except BadSignatureError:
            continue
    return False


@functools.lru_cache(maxsize=1)
def session_cache_keys() -> tuple:
    """The session cache's MAC keys: the first signs, each verifies (a rotation keeps the old one a while)."""
    configured = env_secret("HUB_SESSION_CACHE_KEYS")
    if configured:
        keys = tuple(part.strip().encode() for part in configured.split(",") if part.strip())
        if not keys or any(len(key) < SESSION_KEY_MIN_BYTES for key in keys):
            raise KeyConfigurationError(f"HUB_SESSION_CACHE_KEYS : chaque clé doit avoir au moins "
                                        f"{SESSION_KEY_MIN_BYTES} caractères.")
        return keys
    seed = _dev_seed()
    if seed is None:
        raise KeyConfigurationError("HUB_SESSION_CACHE_KEYS ou HUB_SESSION_CACHE_KEYS_FILE est requis.")
    return (_derived(seed, "session-cache").hex().encode(),)


def check_configuration(identity: str):
    """Fail at start-up, with the setting named, rather than at the first call."""
    signing_key(identity)
    verify_keys()
    if identity in ("gateway", "accounts"):
        session_cache_keys()
    if identity not in verify_keys():
        raise KeyConfigurationError(f"HUB_TRUST_PUBLIC_KEYS ne contient pas la clé publique de {identity!r}.")
    if signing_key(identity).verify_key not in verify_keys()[identity]:  # another identity's key file, mounted here
        raise KeyConfigurationError(f"HUB_TRUST_KEY n'est pas la clé de {identity!r} : aucune de ses clés publiques "
                                    "(HUB_TRUST_PUBLIC_KEYS) ne lui correspond.")


def forget():
    """Read the keys again at the next use (tests that change the environment)."""
    signing_key.cache_clear()
    verify_keys.cache_clear()
    _dev_verify_key.cache_clear()
    session_cache_keys.cache_clear()


def write_keys(directory: str) -> list:
    """A full set of new keys in `directory` (mode 0600 files; an existing file is never overwritten): each
    identity's `trust-<identity>.key`, everyone's `trust-public-keys.json` and `session-cache.key`."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    public, written = {}, []

    def write(name: str, text: str):
        path = os.path.join(directory, name)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as file:
            file.write(text + "\n")
        written.append(path)

    for identity in IDENTITIES:
        key = SigningKey.generate()
        write(f"trust-{identity}.key", base64.b64encode(bytes(key)).decode())
        public[identity] = [base64.b64encode(bytes(key.verify_key)).decode()]
    write("trust-public-keys.json", json.dumps(public, indent=2))
    write("session-cache.key", base64.b64encode(os.urandom(32)).decode())
    return written


def main(argv=None) -> int:
    """`python -m hubkit.keys new <identity>`: one new key pair (a rotation, docs/operations.md);
    `python -m hubkit.keys write <directory>`: every key of a new deployment, as files to mount as secrets."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == "write":
        try:
            for path in write_keys(argv[1]):
                print(path)
        except FileExistsError as error:
            print(f"hubkit.keys: {error.filename} existe déjà : rien n'est écrasé.", file=sys.stderr)
            return 1
        return 0
    if len(argv) != 2 or argv[0] != "new":
        print("usage: python -m hubkit.keys new <identité> | write <dossier>", file=sys.stderr)
        return 2
    identity, key = argv[1], SigningKey.generate()
    print(f"# {identity}: HUB_TRUST_KEY (secret, for this identity only)")
    print(base64.b64encode(bytes(key)).decode())
    print(f"# {identity}: its public key, to add to HUB_TRUST_PUBLIC_KEYS of every process")
    print(base64.b64encode(bytes(key.verify_key)).decode())
    print("# a session cache key (HUB_SESSION_CACHE_KEYS, shared by accounts and the gateway)")
    print(base64.b64encode(os.urandom(32)).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
