"""Flask blueprints: thin views over the services in :mod:`app.services`."""
