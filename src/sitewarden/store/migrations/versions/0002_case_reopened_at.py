"""cases.reopened_at: the triage SLA of a reopened case runs from its reopening

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import sitewarden.store.schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reopened_at", sitewarden.store.schema.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("reopened_at")
