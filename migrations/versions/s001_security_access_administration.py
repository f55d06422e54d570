"""Security, access and administration: deployment policy, placements, encrypted tokens.

- ``deployments`` gain a status (active or held for approval), the per-deployment access
  mode and the identity-provider mapping, and when a launch first named them;
- ``platform_registrations`` gain a label and extra page origins;
- ``placements`` record every Panopto session placed through Deep Linking;
- Panopto tokens are encrypted from now on. Rows written before this revision hold plain
  tokens and no key can turn them into ciphertext here, so they are deleted: those users
  simply sign in to Panopto again.

Revision ID: s001
Revises: c001
Created: 2026-12-03 23:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "s001"
down_revision = "c001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sa.String(length=16),
                server_default=sa.text("'active'"),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "access_mode",
                sa.String(length=16),
                server_default=sa.text("'access_level'"),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("panopto_provider", sa.String(length=255), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "username_claim",
                sa.String(length=255),
                server_default=sa.text("'sub'"),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "provider_sign_in",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("first_seen_at", sa.Float(), nullable=True))

    with op.batch_alter_table("platform_registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("page_origins", sa.JSON(), nullable=True))

    op.create_table(
        "placements",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_by_username", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )

    op.execute(sa.text("DELETE FROM panopto_tokens"))


def downgrade() -> None:
    op.drop_table("placements")
    with op.batch_alter_table("platform_registrations", schema=None) as batch_op:
        batch_op.drop_column("page_origins")
        batch_op.drop_column("label")
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.drop_column("first_seen_at")
        batch_op.drop_column("provider_sign_in")
        batch_op.drop_column("username_claim")
        batch_op.drop_column("panopto_provider")
        batch_op.drop_column("access_mode")
        batch_op.drop_column("status")
    # Encrypted tokens cannot be used by the older code: drop them as well.
    op.execute(sa.text("DELETE FROM panopto_tokens"))
