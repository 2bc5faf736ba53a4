"""Billing foundation: payers, the billing provider, fee schedules, encounters, charge lines,
claims and their state history, the money ledger; the claim and line control number counters;
billers' and admins' billing permissions.

Revision ID: 8b1d4f6a2c97
Revises: 8c4e1a7f3b26
Create Date: 2026-11-29 20:27:24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_grants import add_default_grants

revision: str = "8b1d4f6a2c97"
down_revision: str | None = "8c4e1a7f3b26"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = ("claim_control", "line_control")  # never-repeating claim and line control numbers
GRANTS = [
    (role, resource, action)
    for role in ("biller", "admin")
    for resource, action in (
        ("billing_setup", "read"),
        ("billing_setup", "write"),
        ("encounter", "read"),
        ("encounter", "write"),
        ("claim", "read"),
        ("claim", "write"),
        ("ledger", "read"),
    )
]


def upgrade() -> None:
    op.create_table(
        "billing_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("npi", sa.String(length=10), nullable=False),
        sa.Column("tax_id", sa.String(length=9), nullable=False),
        sa.Column("address_line1", sa.String(length=55), nullable=False),
        sa.Column("address_line2", sa.String(length=55), nullable=True),
        sa.Column("city", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("postal_code", sa.String(length=9), nullable=False),
        sa.Column("contact_name", sa.String(length=60), nullable=True),
        sa.Column("contact_phone", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_billing_providers_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_providers")),
    )
    op.create_table(
        "payers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("payer_id", sa.String(length=80), nullable=False),
        sa.Column("filing_indicator", sa.String(length=2), nullable=False),
        sa.Column("address_line1", sa.String(length=55), nullable=True),
        sa.Column("address_line2", sa.String(length=55), nullable=True),
        sa.Column("city", sa.String(length=30), nullable=True),
        sa.Column("state", sa.String(length=2), nullable=True),
        sa.Column("postal_code", sa.String(length=9), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payers")),
        sa.UniqueConstraint("payer_id", name=op.f("uq_payers_payer_id")),
    )
    op.create_table(
        "fee_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_from <= valid_until",
            name=op.f("ck_fee_schedules_valid_from_before_until"),
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_fee_schedules_payer_id_payers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_schedules")),
        sa.UniqueConstraint("name", name=op.f("uq_fee_schedules_name")),
    )
    with op.batch_alter_table("fee_schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_schedules_payer_id"), ["payer_id"], unique=False)

    op.create_table(
        "fee_schedule_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fee_schedule_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("modifiers", sa.String(length=11), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "price_cents >= 0", name=op.f("ck_fee_schedule_entries_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["fee_schedule_id"],
            ["fee_schedules.id"],
            name=op.f("fk_fee_schedule_entries_fee_schedule_id_fee_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_schedule_entries")),
        sa.UniqueConstraint(
            "fee_schedule_id",
            "code",
            "modifiers",
            name=op.f("uq_fee_schedule_entries_fee_schedule_id_code_modifiers"),
        ),
    )
    op.create_table(
        "encounters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("diagnoses", sa.String(length=120), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_encounters_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_encounters_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_encounters_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_encounters_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_encounters_provider_id_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encounters")),
        sa.UniqueConstraint("appointment_id", name=op.f("uq_encounters_appointment_id")),
    )
    with op.batch_alter_table("encounters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_encounters_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_encounters_service_date"), ["service_date"], unique=False
        )

    op.create_table(
        "charge_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("modifiers", sa.String(length=11), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("charge_cents", sa.Integer(), nullable=False),
        sa.Column("diagnosis_pointers", sa.String(length=11), nullable=False),
        sa.Column("rendering_provider_id", sa.Integer(), nullable=False),
        sa.Column("fee_schedule_id", sa.Integer(), nullable=True),
        sa.Column("line_control_number", sa.String(length=30), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "unit_price_cents >= 0", name=op.f("ck_charge_lines_price_not_negative")
        ),
        sa.CheckConstraint("units BETWEEN 1 AND 999", name=op.f("ck_charge_lines_units_range")),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounters.id"],
            name=op.f("fk_charge_lines_encounter_id_encounters"),
        ),
        sa.ForeignKeyConstraint(
            ["fee_schedule_id"],
            ["fee_schedules.id"],
            name=op.f("fk_charge_lines_fee_schedule_id_fee_schedules"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_charge_lines_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["rendering_provider_id"],
            ["providers.id"],
            name=op.f("fk_charge_lines_rendering_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charge_lines")),
        sa.UniqueConstraint(
            "line_control_number", name=op.f("uq_charge_lines_line_control_number")
        ),
    )
    with op.batch_alter_table("charge_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_charge_lines_encounter_id"), ["encounter_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_charge_lines_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column("coverage_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "ready",
                "submitted",
                "accepted",
                "rejected",
                "paid",
                "partially_paid",
                "denied",
                "void",
                name="claimstate",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("control_number", sa.String(length=20), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum(
                "1",
                "7",
                "8",
                name="frequency",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("payer_claim_number", sa.String(length=50), nullable=True),
        sa.Column("parent_claim_id", sa.Integer(), nullable=True),
        sa.Column("place_of_service", sa.String(length=2), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coverage_id"], ["coverages.id"], name=op.f("fk_claims_coverage_id_coverages")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_claims_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["encounter_id"], ["encounters.id"], name=op.f("fk_claims_encounter_id_encounters")
        ),
        sa.ForeignKeyConstraint(
            ["parent_claim_id"], ["claims.id"], name=op.f("fk_claims_parent_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_claims_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_claims_payer_id_payers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("control_number", name=op.f("uq_claims_control_number")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(
            "ix_claims_encounter_id_coverage_id", ["encounter_id", "coverage_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_claims_parent_claim_id"), ["parent_claim_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_claims_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_payer_id"), ["payer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_state"), ["state"], unique=False)

    op.create_table(
        "claim_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_state",
            sa.Enum(
                "draft",
                "ready",
                "submitted",
                "accepted",
                "rejected",
                "paid",
                "partially_paid",
                "denied",
                "void",
                name="claim_from_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_state",
            sa.Enum(
                "draft",
                "ready",
                "submitted",
                "accepted",
                "rejected",
                "paid",
                "partially_paid",
                "denied",
                "void",
                name="claim_to_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_username", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_claim_events_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_events_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_claim_events_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_events")),
    )
    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_events_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "charge",
                "payment",
                "adjustment",
                "refund",
                "write_off",
                "transfer",
                name="ledgerkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("charge_line_id", sa.Integer(), nullable=True),
        sa.Column(
            "responsibility",
            sa.Enum(
                "insurance",
                "patient",
                name="responsibility",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("payer_id", sa.Integer(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("group_code", sa.String(length=2), nullable=True),
        sa.Column("reason_code", sa.String(length=5), nullable=True),
        sa.Column("remark_codes", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["charge_line_id"],
            ["charge_lines.id"],
            name=op.f("fk_ledger_entries_charge_line_id_charge_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_ledger_entries_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_ledger_entries_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_ledger_entries_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_ledger_entries_payer_id_payers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_charge_line_id"), ["charge_line_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_entries_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            "ix_ledger_entries_patient_id_posted_at", ["patient_id", "posted_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_entries_payer_id"), ["payer_id"], unique=False)

    for name in COUNTERS:
        op.execute(f"INSERT INTO counters (name, value) VALUES ('{name}', 0)")
    add_default_grants(GRANTS)


def downgrade() -> None:
    for name in COUNTERS:
        op.execute(f"DELETE FROM counters WHERE name = '{name}'")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_payer_id"))
        batch_op.drop_index("ix_ledger_entries_patient_id_posted_at")
        batch_op.drop_index(batch_op.f("ix_ledger_entries_claim_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_charge_line_id"))

    op.drop_table("ledger_entries")
    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_events_claim_id"))

    op.drop_table("claim_events")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_state"))
        batch_op.drop_index(batch_op.f("ix_claims_payer_id"))
        batch_op.drop_index(batch_op.f("ix_claims_patient_id"))
        batch_op.drop_index(batch_op.f("ix_claims_parent_claim_id"))
        batch_op.drop_index("ix_claims_encounter_id_coverage_id")

    op.drop_table("claims")
    with op.batch_alter_table("charge_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charge_lines_patient_id"))
        batch_op.drop_index(batch_op.f("ix_charge_lines_encounter_id"))

    op.drop_table("charge_lines")
    with op.batch_alter_table("encounters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_encounters_service_date"))
        batch_op.drop_index(batch_op.f("ix_encounters_patient_id"))

    op.drop_table("encounters")
    op.drop_table("fee_schedule_entries")
    with op.batch_alter_table("fee_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_schedules_payer_id"))

    op.drop_table("fee_schedules")
    op.drop_table("payers")
    op.drop_table("billing_providers")
