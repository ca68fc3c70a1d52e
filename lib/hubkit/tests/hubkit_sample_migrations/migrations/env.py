import sqlalchemy as sa

from hubkit.migrations import run_migrations

run_migrations(sa.MetaData(), "sqlite://")
