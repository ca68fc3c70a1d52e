from notifications import SERVICE_NAME
from notifications.models import Base
from hubkit.config import database_url
from hubkit.migrations import run_migrations

run_migrations(Base.metadata, database_url(SERVICE_NAME))
