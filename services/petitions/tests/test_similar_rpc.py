"""similar_content over the broker: a public call (no actor), its answer as the gateway gets it, bad input refused
with the field at fault and a clear message (French), never a crash of the worker."""
import pytest

from hubkit.testing import signed_proxy

from .test_events import config, open_petition, petitions_service  # noqa: F401  (fixtures and helpers)


def test_similar_content_answers_anyone_and_refuses_bad_input(config, petitions_service, store, throttle):  # noqa: F811
    petition_id = open_petition(store, throttle)  # « Des bancs rue Manin », signed twice
    with signed_proxy("petitions", config) as petitions:
        answer = petitions.similar_content({"title": "Des bancs rue Manin", "description": "pour s'asseoir"})
        assert [(item["id"], item["signatures_count"], item["actions"]) for item in answer["items"]] == \
            [(petition_id, 2, ["sign"])]
        assert petitions.similar_content({"title": "'; DROP TABLE petitions; --"}) == {"items": []}
        for bad, field in (({"title": ""}, "title"), ({"title": "x", "limit": 50}, "limit"),
                           ({"title": "x", "description": "y" * 5001}, "description"), ("pas un objet", "_schema")):
            with pytest.raises(Exception) as refused:
                petitions.similar_content(bad)
            assert getattr(refused.value, "code", None) == "VALIDATION_ERROR", bad
            assert field in refused.value.details, (bad, refused.value.details)
        assert petitions.health() == {"service": "petitions", "status": "ok"}
