"""Database tables of the tool."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


class PlatformRegistration(db.Model):
    """One LTI platform registration: an issuer and one of its client ids."""

    __tablename__ = "platform_registrations"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255), index=True)
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(1024))
    auth_token_url: Mapped[str | None] = mapped_column(String(1024))
    auth_audience: Mapped[str | None] = mapped_column(String(1024))
    key_set_url: Mapped[str | None] = mapped_column(String(1024))
    key_set: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    is_default: Mapped[bool] = mapped_column(default=False)

    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )


class Deployment(db.Model):
    """A deployment id that a platform registration may launch with."""

    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("platform_registrations.id", ondelete="CASCADE")
    )
    deployment_id: Mapped[str] = mapped_column(String(255))

    registration: Mapped[PlatformRegistration] = relationship(
        back_populates="deployments"
    )


class StoredValue(db.Model):
    """A small expiring key-value row: launch data, OIDC nonces, OAuth state, key caches.

    Kept in the database so that every worker process and every host sees the same values.
    """

    __tablename__ = "stored_values"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class PanoptoToken(db.Model):
    """The Panopto OAuth2 tokens of one LTI user (issuer + sub)."""

    __tablename__ = "panopto_tokens"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    # Stored as issued. Encryption at rest is not done yet: a database dump exposes these
    # tokens, so the database must be protected like a secret store until it is added.
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    token_type: Mapped[str] = mapped_column(String(32), default="Bearer")
    expires_at: Mapped[float] = mapped_column(Float)
