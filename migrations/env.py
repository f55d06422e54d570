"""Alembic environment: migrate the database the Flask app is configured with.

Run through Flask-Migrate (``flask --app wsgi db upgrade``) or :func:`app.database.prepare`,
both of which push an app context, so the engine and the models' metadata come from the app.
"""

from alembic import context
from flask import current_app


def run_online() -> None:
    migrate = current_app.extensions["migrate"]
    engine = migrate.db.engine

    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=migrate.db.metadata,
            # Flask-Migrate's defaults: compare column types, and batch mode, which lets
            # SQLite (which cannot ALTER most things in place) copy the table instead.
            **migrate.configure_args,
        )
        with context.begin_transaction():
            context.run_migrations()


def run_offline() -> None:
    """Print the SQL instead of running it (``flask db upgrade --sql``)."""
    migrate = current_app.extensions["migrate"]
    context.configure(
        url=migrate.db.engine.url.render_as_string(hide_password=False),
        target_metadata=migrate.db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
