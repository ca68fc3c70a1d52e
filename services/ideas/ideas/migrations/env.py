from hubkit.config import database_url
from hubkit.migrations import run_migrations
from ideas import SERVICE_NAME
from ideas.models import Base

run_migrations(Base.metadata, database_url(SERVICE_NAME))
