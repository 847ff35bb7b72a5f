"""Contract templates: the brand's default one, and saving a template as a new version."""

from __future__ import annotations

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.contracts import documents
from shared.contracts.actions.common import BrandSide, _require_manager
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import InvalidInput, NotFound

EXPIRY_DAYS_MAX = 90


async def ensure_default_template(actor: Actor, brand_id: int) -> int:
    """The brand's default template, created from the shipped one when the brand has none."""
    async with atomic():
        engine = get_engine()
        await engine.fetch("SELECT id FROM brand WHERE id = $1 FOR UPDATE", brand_id)
        rows = await engine.fetch(
            "SELECT id FROM contract_template WHERE brand = $1 ORDER BY is_default DESC, id LIMIT 1", brand_id
        )
        if rows:
            return int(rows[0]["id"])
        created = await engine.fetch(
            "INSERT INTO contract_template (brand, name, governing_law, expiry_days, is_default, created_at, "
            "updated_at) "
            "VALUES ($1, $2, 'the State of New York, USA', 14, true, now(), now()) RETURNING id",
            brand_id,
            documents.DEFAULT_TEMPLATE_NAME,
        )
        template_id = int(created[0]["id"])
        await engine.fetch(
            "INSERT INTO contract_template_version (template, number, body, created_by, created_at) "
            "VALUES ($1, 1, $2, NULL, now())",
            template_id,
            documents.DEFAULT_TEMPLATE,
        )
        await write_audit_row(
            actor,
            "contract_template.created",
            "contract_template",
            template_id,
            brand_id=brand_id,
            after={"version": 1},
        )
        return template_id


async def do_save_template(
    actor: Actor,
    side: BrandSide,
    *,
    template_id: int | None,
    name: str,
    body: str,
    governing_law: str,
    expiry_days: int,
) -> int:
    """Save a template as a new version (refused when it doesn't parse or names an unknown field)."""
    _require_manager(side)
    errors: dict[str, str] = {}
    name, governing_law = name.strip(), governing_law.strip()
    if not name or len(name) > 200:
        errors["name"] = "Name the template (under 200 characters)."
    if not governing_law or len(governing_law) > 200:
        errors["governing_law"] = "Say which law governs the contract, like “the State of New York, USA”."
    if not 1 <= expiry_days <= EXPIRY_DAYS_MAX:
        errors["expiry_days"] = f"Contracts expire after 1 to {EXPIRY_DAYS_MAX} days."
    try:
        documents.check_template(body)
    except InvalidInput as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    engine = get_engine()
    async with atomic():
        if template_id is None:
            rows = await engine.fetch(
                "INSERT INTO contract_template (brand, name, governing_law, expiry_days, is_default, created_at, "
                "updated_at) VALUES ($1, $2, $3, $4, NOT EXISTS (SELECT 1 FROM contract_template WHERE brand = $1), "
                "now(), now()) RETURNING id",
                side.brand_id,
                name,
                governing_law,
                expiry_days,
            )
            template_id = int(rows[0]["id"])
        else:
            rows = await engine.fetch(
                "UPDATE contract_template SET name = $3, governing_law = $4, expiry_days = $5, updated_at = now() "
                "WHERE id = $1 AND brand = $2 RETURNING id",
                template_id,
                side.brand_id,
                name,
                governing_law,
                expiry_days,
            )
            if not rows:
                raise NotFound("No such template.")
        version = await engine.fetch(
            "INSERT INTO contract_template_version (template, number, body, created_by, created_at) "
            "VALUES ($1, (SELECT COALESCE(max(number), 0) + 1 FROM contract_template_version WHERE template = $1), "
            "$2, $3, now()) RETURNING number",
            template_id,
            body,
            side.staff.id,
        )
        await write_audit_row(
            actor,
            "contract_template.saved",
            "contract_template",
            template_id,
            brand_id=side.brand_id,
            after={"version": int(version[0]["number"]), "name": name, "governing_law": governing_law},
        )
    return template_id
