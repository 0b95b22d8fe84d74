from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dangjian.models import metadata


def test_migrations_build_exactly_the_models(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
