"""Initial schema: platform registrations, deployments, stored values, Panopto tokens.

Revision ID: 0001
Revises:
Created: 2026-12-03 22:55:13.847934
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "panopto_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("token_type", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panopto_tokens")),
        sa.UniqueConstraint(
            "issuer", "subject", name=op.f("uq_panopto_tokens_issuer_subject")
        ),
    )
    op.create_table(
        "platform_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("auth_login_url", sa.String(length=1024), nullable=False),
        sa.Column("auth_token_url", sa.String(length=1024), nullable=True),
        sa.Column("auth_audience", sa.String(length=1024), nullable=True),
        sa.Column("key_set_url", sa.String(length=1024), nullable=True),
        sa.Column("key_set", sa.JSON(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_registrations")),
        sa.UniqueConstraint(
            "issuer",
            "client_id",
            name=op.f("uq_platform_registrations_issuer_client_id"),
        ),
    )
    with op.batch_alter_table("platform_registrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_registrations_issuer"), ["issuer"], unique=False
        )

    op.create_table(
        "stored_values",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_values")),
    )
    with op.batch_alter_table("stored_values", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stored_values_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["platform_registrations.id"],
            name=op.f("fk_deployments_registration_id_platform_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
        sa.UniqueConstraint(
            "registration_id",
            "deployment_id",
            name=op.f("uq_deployments_registration_id_deployment_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("deployments")
    with op.batch_alter_table("stored_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_values_expires_at"))

    op.drop_table("stored_values")
    with op.batch_alter_table("platform_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_registrations_issuer"))

    op.drop_table("platform_registrations")
    op.drop_table("panopto_tokens")
