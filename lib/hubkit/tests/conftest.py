import sys
import tempfile
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hubkit.db import make_engine  # noqa: E402
from hubkit.testing import _admin_execute, _postgres_url  # noqa: E402
from hubkit_sample_services import metadata  # noqa: E402


@pytest.fixture
def infra_db(database_kind, monkeypatch):
    """A database with the infrastructure tables and the sample services' tables; both sample services use it."""
    if database_kind == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='hubkit-')) / 'test.db'}"
    else:
        name = f"hubkit_test_{uuid.uuid4().hex[:10]}"
        _admin_execute(f'CREATE DATABASE "{name}"')
        url = _postgres_url(name)
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    monkeypatch.setenv("HUBKIT_NOTES_DATABASE_URL", url)
    monkeypatch.setenv("HUBKIT_COUNTER_DATABASE_URL", url)
    yield url
    if database_kind == "postgresql":
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
