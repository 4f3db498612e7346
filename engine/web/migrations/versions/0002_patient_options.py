"""The judgement calls (rule-pack options) a patient's visits are scored with: patients.options,
a JSON mapping of option name to choice; existing patients get ``{}`` (every option at its
default, which is how they were scored before).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN on both databases: SQLite's batch mode would copy and drop
    # `patients`, and the drop cascades to every visit (ON DELETE CASCADE)
    op.add_column("patients", sa.Column("options", sa.JSON, nullable=False,
                                        server_default=sa.text("'{}'")))


def downgrade() -> None:
    op.drop_column("patients", "options")
