"""Deployments say whether the platform's context history can be trusted.

``deployments.trust_context_history`` (false for every existing deployment): whether a
``$Context.id.history`` substituted by the platform proves that a unit is a copy. Where users
may edit an LTI link's custom parameters, anyone able to add a link could name another unit
there, so the tool trusts the value only where an administrator says so.

Revision ID: h001
Revises: s001
Created: 2026-12-04 03:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "h001"
down_revision = "s001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "trust_context_history",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.drop_column("trust_context_history")
