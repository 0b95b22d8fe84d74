from alembic import context

from dangjian.db import make_engine
from dangjian.models import metadata

config = context.config
engine = config.attributes.get("engine") or make_engine()

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
