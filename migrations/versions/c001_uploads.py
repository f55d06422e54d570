"""Uploads in progress, their parts, and sessions deleted through the chooser.

Revision ID: c001
Revises: 0001
Created: 2026-12-03 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c001"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("folder_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("part_size", sa.Integer(), nullable=False),
        sa.Column("panopto_upload_id", sa.String(length=36), nullable=False),
        sa.Column("upload_target", sa.String(length=1024), nullable=False),
        sa.Column("s3_upload_id", sa.String(length=1024), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("checked_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_uploads_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_uploads_state"), ["state"], unique=False)

    op.create_table(
        "upload_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.String(length=36), nullable=False),
        sa.Column("part_number", sa.Integer(), nullable=False),
        sa.Column("etag", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["uploads.id"],
            name=op.f("fk_upload_parts_upload_id_uploads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_parts")),
        sa.UniqueConstraint(
            "upload_id",
            "part_number",
            name=op.f("uq_upload_parts_upload_id_part_number"),
        ),
    )
    with op.batch_alter_table("upload_parts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_upload_parts_upload_id"), ["upload_id"], unique=False
        )

    op.create_table(
        "deleted_sessions",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("deleted_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_deleted_sessions")),
    )


def downgrade() -> None:
    op.drop_table("deleted_sessions")
    with op.batch_alter_table("upload_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_parts_upload_id"))
    op.drop_table("upload_parts")
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uploads_state"))
        batch_op.drop_index(batch_op.f("ix_uploads_session_id"))
    op.drop_table("uploads")
