"""Tax actions: a creator files a W-9 or W-8BEN (signed under penalties of perjury, superseding the last), owners
set the brand's payout hold, finance and owners export the year-end filing file. Each audited; no TIN ever goes
into an audit row, a log line or an error message (only its mask)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.identity.rules import Role
from shared.tax.filing import filing_row, to_csv
from shared.tax.queries import get_hold_setting, year_totals
from shared.tax.rules import (
    CERTIFICATION_VERSION,
    Tin,
    certification_hash,
    formatted_tin,
    mask_tin,
    nec_flagged,
    validate_w8ben,
    validate_w9,
)


async def do_submit_tax_profile(
    actor: Actor,
    creator_id: int,
    encryptor: Encryptor,
    *,
    kind: str,
    values: dict[str, str],
    identity: str = "",
    user_agent: str = "",
) -> int:
    """The creator files a W-9 (US person) or W-8BEN (anyone else), certified under penalties of perjury with the
    contracts' evidence (certification hash, typed name, time, IP, user agent, sign-in); it serves every brand
    and supersedes their previous form, which is kept."""
    if kind not in ("w9", "w8ben"):
        raise NotFound("No such tax form.")
    checked = validate_w9(values) if kind == "w9" else validate_w8ben(values)
    if isinstance(checked, dict):
        raise InvalidInput(checked)
    s = checked
    async with atomic():
        engine = get_engine()
        # One current form per creator: concurrent submissions queue on the creator's row.
        found = await engine.fetch("SELECT id FROM creator WHERE id = $1 AND deleted_at IS NULL FOR UPDATE", creator_id)
        if not found:
            raise NotFound("No such creator.")
        previous = await engine.fetch(
            "UPDATE tax_profile SET superseded_at = now() WHERE creator = $1 AND superseded_at IS NULL "
            "RETURNING id, form",
            creator_id,
        )
        rows = await engine.fetch(
            """
            INSERT INTO tax_profile (creator, form, legal_name, business_name, classification, citizenship,
                address_line1, address_line2, city, region, postal_code, country, tin_kind, tin_enc, tin_last4,
                treaty_country, treaty_article, treaty_rate, signed_name, certification_version,
                certification_sha256, signed_at, ip, user_agent, identity, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
                now(), $22, $23, $24, now())
            RETURNING id
            """,
            creator_id, s.kind, s.legal_name, s.business_name, s.classification, s.citizenship, s.address_line1,
            s.address_line2, s.city, s.region, s.postal_code, s.country, s.tin_kind,
            encryptor.encrypt(s.tin) if s.tin else "", s.tin_last4, s.treaty_country, s.treaty_article,
            s.treaty_rate, s.signed_name, CERTIFICATION_VERSION, certification_hash(s.kind), actor.ip[:45],
            user_agent[:500], identity[:200],
        )  # fmt: skip
        profile_id = int(rows[0]["id"])
        await write_audit_row(
            actor,
            "tax_profile.submitted",
            "tax_profile",
            profile_id,
            before={"profile": int(previous[0]["id"]), "form": previous[0]["form"]} if previous else None,
            after={
                "creator": creator_id,
                "form": s.kind,
                "tin": mask_tin(s.tin_kind, s.tin_last4),
                "signed_name": s.signed_name,
                "certification_version": CERTIFICATION_VERSION,
                "certification_sha256": certification_hash(s.kind),
                "treaty": bool(s.treaty_country),
            },
        )
    return profile_id


async def do_set_tax_hold(actor: Actor, staff: StaffContext, *, brand_id: int, hold: bool) -> None:
    """Owners choose whether the brand holds payouts to US creators until their W-9 is on file."""
    if staff.role_at(brand_id) != Role.OWNER:
        raise PermissionDenied("Only owners change the brand's tax settings.")
    async with atomic():
        before = await get_hold_setting(brand_id)
        await get_engine().fetch(
            "INSERT INTO brand_tax_setting (brand, hold_until_w9, updated_at) VALUES ($1, $2, now()) "
            "ON CONFLICT (brand) DO UPDATE SET hold_until_w9 = EXCLUDED.hold_until_w9, updated_at = now()",
            brand_id,
            hold,
        )
        await write_audit_row(actor, "tax_setting.changed", "brand", brand_id, brand_id=brand_id,
                              before={"hold_until_w9": before}, after={"hold_until_w9": hold})  # fmt: skip


@dataclass(frozen=True)
class FilingFile:
    filename: str
    data: bytes
    rows: int
    left_out: int  # reportable totals without a readable W-9 (not in the file: the filing needs a TIN)


async def do_export_year_end(
    actor: Actor, staff: StaffContext, encryptor: Encryptor, *, brand_id: int, year: int
) -> FilingFile:
    """Finance or owners download the year's 1099-NEC filing file: one row per creator paid at or above the
    threshold with a W-9 on file, with their full TIN (the only output that has it). Audited."""
    if staff.role_at(brand_id) not in (Role.FINANCE, Role.OWNER):
        raise PermissionDenied("Only finance and owners export tax filings.")
    if not 2000 <= year <= dt.datetime.now(dt.UTC).year:
        raise NotFound("No such year.")
    brand = await get_engine().fetch("SELECT name, slug FROM brand WHERE id = $1", brand_id)
    if not brand:
        raise NotFound("No such brand.")
    out: list[list[str]] = []
    left_out = 0
    for row in await year_totals(brand_id, year):
        if not nec_flagged(int(row["total"]), row["currency"], year, row["form"]):
            continue
        digits = encryptor.decrypt(row["tin_enc"]) if row["form"] == "w9" and row["tin_enc"] else None
        if digits is None or row["tin_kind"] not in ("ssn", "itin", "ein"):
            left_out += 1
            continue
        tin = formatted_tin(Tin(row["tin_kind"], digits))
        out.append(filing_row(year=year, payer=brand[0]["name"], row=row, tin=tin))
    async with atomic():
        await write_audit_row(actor, "tax.filing_exported", "brand", brand_id, brand_id=brand_id,
                              after={"year": year, "rows": len(out), "left_out": left_out})  # fmt: skip
    return FilingFile(f"{brand[0]['slug']}-1099-nec-{year}.csv", to_csv(out), len(out), left_out)
