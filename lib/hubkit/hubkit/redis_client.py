"""Every Redis client of the hub, from one URL (HUB_REDIS_URL): a single Redis or a master found through Sentinel.

- `redis://[user:password@]host:6379/<db>` and `rediss://…?ssl_ca_certs=/path/ca.pem`: redis-py's own URLs.
- `redis+sentinel://[user:password@]host1:26379,host2:26379/<master name>/<db>` (`rediss+sentinel://` for TLS):
  the sentinels are asked where the master named `<master name>` is, and asked again after a failover. The user
  and password are the hub's ACL user on the Redis servers (docs/operations/redis.md); sentinels that require
  their own login take `?sentinel_username=…&sentinel_password=…`. TLS options (`ssl_ca_certs`, `ssl_certfile`,
  `ssl_keyfile`) apply to the sentinels and to the master alike.

Production runs Sentinel, not Redis Cluster: the rate limits and the session lookups use multi-key commands
(a Lua script over several keys, MGET) that a cluster would spread over slots.
"""
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

import redis
from redis.sentinel import Sentinel

from .config import redis_url

SENTINEL_SCHEMES = {"redis+sentinel": False, "rediss+sentinel": True}
SENTINEL_PORT = 26379
TLS_OPTIONS = ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile")
SENTINEL_OPTIONS = ("sentinel_username", "sentinel_password", *TLS_OPTIONS)
MASTER_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
HOST_AND_PORT = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9._-]+))(?::(?P<port>\d{1,5}))?")


@dataclass(frozen=True)
class SentinelTarget:
    """What a Sentinel URL says: where the sentinels are, which master, which database, who logs in."""
    sentinels: tuple
    master: str
    db: int = 0
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    options: dict = field(default_factory=dict, repr=False)


def _refused(problem: str) -> ValueError:
    # never the URL itself in the message: it may hold a password, and the message goes to the logs
    return ValueError(f"HUB_REDIS_URL invalide : {problem}. Attendu : redis://, rediss:// ou "
                      "redis+sentinel://[utilisateur:mot-de-passe@]hôte1:26379,hôte2:26379/<nom du maître>/<base>.")


def parse_sentinel_url(url: str) -> SentinelTarget:
    scheme, _, rest = url.partition("://")
    if scheme not in SENTINEL_SCHEMES or not rest:
        raise _refused("ce n'est pas une URL Sentinel")
    parts = urlsplit(f"//{rest}")
    userinfo, _, hosts = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":") if userinfo else ("", "", "")
    sentinels = tuple(_host_and_port(item) for item in hosts.split(","))
    master, _, db = parts.path.lstrip("/").partition("/")
    if not MASTER_NAME.fullmatch(master):
        raise _refused("le nom du maître manque ou contient des caractères interdits")
    if db and not (db.isdigit() and int(db) < 16384):
        raise _refused("le numéro de base doit être un entier positif")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - set(SENTINEL_OPTIONS))
    if unknown:
        raise _refused(f"option inconnue {unknown[0]!r}")
    options = {name: values[-1] for name, values in query.items()}
    return SentinelTarget(sentinels, master, int(db or 0), unquote(username) or None, unquote(password) or None,
                          SENTINEL_SCHEMES[scheme], options)


def _host_and_port(text: str) -> tuple:
    found = HOST_AND_PORT.fullmatch(text)
    if found is None:
        raise _refused("une adresse de sentinelle est vide ou mal formée")
    port = int(found["port"] or SENTINEL_PORT)
    if not 0 < port < 65536:
        raise _refused("un port de sentinelle est hors de 1 à 65535")
    return found["ipv6"] or found["host"], port


def connect(url: str = None, timeout: float = 2.0, decode_responses: bool = True) -> redis.Redis:
    """A client of HUB_REDIS_URL (or `url`) whose socket operations give up after `timeout` seconds."""
    url = url or redis_url()
    scheme = url.partition("://")[0]
    if scheme in ("redis", "rediss"):
        return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                    decode_responses=decode_responses)
    if scheme not in SENTINEL_SCHEMES:
        raise _refused(f"schéma {scheme!r} inconnu" if "://" in url else "ce n'est pas une URL")
    target = parse_sentinel_url(url)
    tls = {name: target.options[name] for name in TLS_OPTIONS if name in target.options}
    if target.tls:
        tls["ssl"] = True
    sockets = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    sentinel_login = {"username": target.options.get("sentinel_username") or None,
                      "password": target.options.get("sentinel_password") or None}
    sentinel = Sentinel(list(target.sentinels), sentinel_kwargs={**sockets, **tls, **sentinel_login}, **sockets)
    return sentinel.master_for(target.master, db=target.db, username=target.username, password=target.password,
                               decode_responses=decode_responses, **tls)
