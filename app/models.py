"""Database tables of the tool."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
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
    #: The platform's name as it introduced itself (Dynamic Registration), for admins.
    label: Mapped[str | None] = mapped_column(String(255))
    #: Origins of the platform's pages beyond those of its issuer and login URL: they may
    #: frame the tool and receive its form posts (Content-Security-Policy).
    page_origins: Mapped[list[str] | None] = mapped_column(JSON)

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
    #: ``active``, or ``held`` until an administrator approves a deployment first seen in a
    #: launch (see ``UNKNOWN_DEPLOYMENTS``).
    status: Mapped[str] = mapped_column(
        String(16), default="active", server_default=text("'active'")
    )
    #: How viewers get access in Panopto: ``access_level`` (the session's own sharing
    #: settings decide; instructors are warned at insert time) or ``grant`` (the tool grants
    #: each viewer the Viewer role just in time).
    access_mode: Mapped[str] = mapped_column(
        String(16), default="access_level", server_default=text("'access_level'")
    )
    #: Panopto identity-provider instance whose users are ``{instance}\{username}``.
    panopto_provider: Mapped[str | None] = mapped_column(String(255))
    #: Which launch claim holds the LMS username (``sub``, ``email``,
    #: ``preferred_username`` or ``custom:NAME``).
    username_claim: Mapped[str] = mapped_column(
        String(255), default="sub", server_default=text("'sub'")
    )
    #: Sign chooser users in to Panopto through the identity provider (hashed password
    #: grant) instead of the sign-in pop-up.
    provider_sign_in: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: Take the platform's ``$Context.id.history`` as proof that a unit is a copy of the one
    #: a video was placed in. Only where users cannot edit a link's custom parameters
    #: (OnTrack): elsewhere anyone who may add a link could name any unit in it.
    trust_context_history: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: When a launch first named this deployment (unix time); None for configured ones.
    first_seen_at: Mapped[float | None] = mapped_column(Float)

    registration: Mapped[PlatformRegistration] = relationship(
        back_populates="deployments"
    )

    @property
    def is_active(self) -> bool:
        return self.status == "active"


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
    # Both tokens are Fernet ciphertexts (app.crypto), never the tokens themselves.
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    token_type: Mapped[str] = mapped_column(String(32), default="Bearer")
    expires_at: Mapped[float] = mapped_column(Float)


class Upload(db.Model):
    """A video being sent to Panopto through the chooser, remembered until it is done.

    The browser sends the file in parts; each part is streamed on to Panopto's S3 upload
    target at once, so the server never holds the file. What is kept here (ids, the ETag of
    each part) is what it takes to finish, resume, cancel or watch the upload from any
    worker, and to tell a viewer that a placed video is still processing.
    """

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    folder_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    part_size: Mapped[int] = mapped_column(Integer)
    panopto_upload_id: Mapped[str] = mapped_column(String(36))
    upload_target: Mapped[str] = mapped_column(String(1024))
    s3_upload_id: Mapped[str] = mapped_column(String(1024))
    #: uploading, processing, complete, failed or cancelled
    state: Mapped[str] = mapped_column(String(20), index=True)
    session_id: Mapped[str | None] = mapped_column(String(36), index=True)
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    #: When Panopto was last asked how processing goes.
    checked_at: Mapped[float | None] = mapped_column(Float)

    parts: Mapped[list[UploadPart]] = relationship(
        back_populates="upload", cascade="all, delete-orphan"
    )


class UploadPart(db.Model):
    """One part that reached Panopto's upload target, with the ETag it answered."""

    __tablename__ = "upload_parts"
    __table_args__ = (UniqueConstraint("upload_id", "part_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[str] = mapped_column(
        ForeignKey("uploads.id", ondelete="CASCADE"), index=True
    )
    part_number: Mapped[int] = mapped_column(Integer)
    etag: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)

    upload: Mapped[Upload] = relationship(back_populates="parts")


class DeletedSession(db.Model):
    """A Panopto session deleted through the chooser, so its viewers are told so."""

    __tablename__ = "deleted_sessions"

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    deleted_at: Mapped[float] = mapped_column(Float)


class Placement(db.Model):
    """A Panopto session placed in a unit through Deep Linking.

    The content item's ``custom`` map carries this row's id; every later view looks the row
    up, so the unit, the session and the person who placed it come from our own record,
    never from custom parameters a platform user might have edited.
    """

    __tablename__ = "placements"

    #: A random, unguessable id (``secrets.token_urlsafe``).
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    deployment_id: Mapped[str] = mapped_column(String(255))
    #: The LTI context (the unit) the item was placed in.
    context_id: Mapped[str] = mapped_column(String(255))
    session_id: Mapped[str] = mapped_column(String(36))
    #: The ``sub`` of the person who placed it, and their LMS username when known: grants
    #: are made with their Panopto rights.
    created_by: Mapped[str] = mapped_column(String(255))
    created_by_username: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[float] = mapped_column(Float)
