"""hubkit.redis_client: the URLs it takes (a single Redis, Sentinel, with users and TLS) and those it refuses, with
no password in the refusal. No Redis is contacted: redis-py connects on the first command."""
import pytest
from redis.sentinel import SentinelConnectionPool, SentinelManagedSSLConnection

from hubkit.redis_client import SentinelTarget, connect, parse_sentinel_url


def test_a_sentinel_url_names_the_sentinels_the_master_the_database_and_the_user():
    target = parse_sentinel_url("redis+sentinel://accounts:s%40cret@sentinel-0.redis:26379,sentinel-1.redis:26380,"
                                "[fd00::7]/hub-master/3")
    assert target == SentinelTarget(
        sentinels=(("sentinel-0.redis", 26379), ("sentinel-1.redis", 26380), ("fd00::7", 26379)), master="hub-master",
        db=3, username="accounts", password="s@cret", tls=False)
    assert "s@cret" not in repr(target)


def test_a_sentinel_url_without_user_or_database_uses_database_zero():
    target = parse_sentinel_url("redis+sentinel://10.0.0.5/mymaster")
    assert (target.sentinels, target.master, target.db, target.username, target.password) == (
        (("10.0.0.5", 26379),), "mymaster", 0, None, None)


def test_tls_and_the_sentinels_own_login_are_options():
    target = parse_sentinel_url("rediss+sentinel://gateway:pw@s1:26379/hub/0?ssl_ca_certs=/run/secrets/ca.pem"
                                "&sentinel_username=watcher&sentinel_password=pw2")
    assert target.tls and target.options == {"ssl_ca_certs": "/run/secrets/ca.pem", "sentinel_username": "watcher",
                                             "sentinel_password": "pw2"}


@pytest.mark.parametrize("url, problem", [
    ("redis+sentinel://", "pas une URL Sentinel"),
    ("redis+sentinel://s1:26379", "nom du maître"),
    ("redis+sentinel://s1:26379/", "nom du maître"),
    ("redis+sentinel://s1:26379/master name/0", "nom du maître"),
    ("redis+sentinel://s1:26379/hub/zero", "numéro de base"),
    ("redis+sentinel://s1:26379/hub/-1", "numéro de base"),
    ("redis+sentinel://s1:26379,,s2/hub", "adresse de sentinelle"),
    ("redis+sentinel://user:pw@/hub", "adresse de sentinelle"),
    ("redis+sentinel://s1:99999/hub", "port de sentinelle"),
    ("redis+sentinel://s1:0/hub", "port de sentinelle"),
    ("redis+sentinel://s1:26379/hub?ssl_cert_reqs=none", "option inconnue 'ssl_cert_reqs'"),
    ("redis+sentinel://s1;rm -rf/hub", "adresse de sentinelle"),
])
def test_a_malformed_sentinel_url_is_refused_with_the_variable_named(url, problem):
    with pytest.raises(ValueError, match=f"HUB_REDIS_URL invalide : .*{problem}"):
        parse_sentinel_url(url)


@pytest.mark.parametrize("url, problem", [("memcached://cache:11211/0", "schéma 'memcached' inconnu"),
                                          ("127.0.0.1:6379", "pas une URL"),
                                          ("redis+sentinel://hunter2:pw@s1/bad name", "nom du maître")])
def test_connect_refuses_what_it_cannot_use_without_repeating_the_url(url, problem):
    with pytest.raises(ValueError, match=problem) as refused:
        connect(url)
    assert "hunter2" not in str(refused.value) and "11211" not in str(refused.value)


def test_a_plain_url_is_a_plain_client_with_the_timeout_and_user():
    client = connect("redis://petitions:pw@redis.internal:6380/2", timeout=0.5)
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["username"], kwargs["password"]) == (
        "redis.internal", 6380, 2, "petitions", "pw")
    assert (kwargs["socket_timeout"], kwargs["socket_connect_timeout"], kwargs["decode_responses"]) == (0.5, 0.5, True)


def test_a_sentinel_url_gives_a_master_client_that_logs_in_as_the_hub_user_over_tls():
    client = connect("rediss+sentinel://gateway:pw@s1:26379,s2:26379/hub/1?ssl_ca_certs=/ca.pem"
                     "&sentinel_password=watch", timeout=0.75)
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool) and pool.service_name == "hub"
    assert pool.connection_class is SentinelManagedSSLConnection
    kwargs = pool.connection_kwargs
    assert (kwargs["db"], kwargs["username"], kwargs["password"], kwargs["ssl_ca_certs"]) == (1, "gateway", "pw",
                                                                                              "/ca.pem")
    assert kwargs["socket_timeout"] == 0.75
    sentinels = pool.sentinel_manager.sentinels
    assert [s.connection_pool.connection_kwargs["host"] for s in sentinels] == ["s1", "s2"]
    login = sentinels[0].connection_pool.connection_kwargs
    assert (login["password"], login["ssl_ca_certs"], login["socket_timeout"]) == ("watch", "/ca.pem", 0.75)
