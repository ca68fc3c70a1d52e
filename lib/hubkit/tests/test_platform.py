"""The end-to-end test platform cleans up after itself, even when it cannot start."""
import pytest

pytestmark = pytest.mark.integration


def test_a_platform_that_fails_to_start_leaves_nothing_behind(tmp_path):
    import requests

    from hubkit.testing import Platform

    def vhosts():
        # only the platforms' own vhosts: nameko's fixtures create and delete theirs concurrently
        return {v["name"] for v in requests.get("http://127.0.0.1:15672/api/vhosts", auth=("guest", "guest")).json()
                if v["name"].startswith("hub_e2e_")}

    before = vhosts()
    with pytest.raises(Exception):
        Platform({"no_such_service": tmp_path}, "sqlite")  # no migrations there: set-up fails
    assert vhosts() == before
