"""Talking to Panopto: OAuth2 sign-in, token storage and the REST v1 client.

Nothing here imports Flask; :func:`app.services.panopto_for` builds these from app config.
API reference: ``/Panopto/api/docs/index.html`` on any Panopto site (REST v1).
"""
