"""Contract documents: templates over documented merge fields, the rendered HTML, the plain summary.

A template is Jinja rendered in a SandboxedEnvironment with StrictUndefined; it sees only the merge
fields below, built from the collaboration's frozen agreed terms. Saving a template is refused when
it does not parse or names a field that does not exist (the message names the field and the line).
Pure functions only (no database, no files but the shipped default template).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from shared.collaborations.rules import MILESTONE_LABELS, Terms, describe_terms
from shared.errors import InvalidInput
from shared.money import format_money
from shared.rights.rules import Rights, channels_text, window_text

DEFAULT_TEMPLATE = (Path(__file__).parent / "default_template.html.j2").read_text()
DEFAULT_TEMPLATE_NAME = "Standard influencer agreement"
# A renewal of usage rights is its own short amendment (shared.rights.renewals), rendered from this shipped template.
RENEWAL_TEMPLATE = (Path(__file__).parent / "renewal_template.html.j2").read_text()
TEMPLATE_MAX = 100_000

# name -> its attributes (None: a plain value). Lists name the attributes of their items.
MERGE_FIELDS: dict[str, frozenset[str] | None] = {
    "brand": frozenset({"name"}),
    "creator": frozenset({"name"}),
    "campaign": frozenset({"name"}),
    "contract": frozenset({"reference", "date", "governing_law", "amends"}),
    "fee": None,
    "currency": None,
    "product": None,
    "usage_rights": None,
    "exclusivity": None,
    "revision_rounds": None,
    "review_days": None,
    "bonus": frozenset({"amount", "condition"}),
    "rights": frozenset({"channels", "territories", "window", "exclusivity"}),
}
LIST_FIELDS: dict[str, frozenset[str]] = {
    "deliverables": frozenset({"label", "kind", "platform", "title", "draft_due", "live_due"}),
    "payments": frozenset({"label", "amount", "milestone"}),
}
FIELD_HELP = {
    "brand.name": "the brand's name",
    "creator.name": "the creator's name on Rapport",
    "campaign.name": "the campaign's name",
    "contract.reference": "the contract's reference, like RC-12-1",
    "contract.date": "the date the contract was generated",
    "contract.governing_law": "the template's governing-law setting",
    "contract.amends": "the reference of the contract this one amends ('' if none)",
    "deliverables": "list: item.label, item.kind, item.platform, item.title, item.draft_due, item.live_due",
    "fee": "the total fee, formatted (like $1,200.00)",
    "currency": "the currency code (USD)",
    "payments": "list: payment.label (like 'on signing'), payment.amount, payment.milestone",
    "bonus": "bonus.amount and bonus.condition, or nothing when there is no bonus",
    "product": "the product seeded ('' if none)",
    "usage_rights": "the usage rights agreed ('' if none)",
    "exclusivity": "the exclusivity agreed, as free text ('' if none)",
    "rights": "the structured usage rights, or nothing when the terms have none: rights.channels (like "
    "'organic and paid social (Meta)'), rights.territories ('worldwide' or 'US, CA'), rights.window (like "
    "'for 6 months from go-live'), rights.exclusivity (like 'no other backpacks brand for 30 days after "
    "go-live', '' if none)",
    "revision_rounds": "the number of revision rounds included",
    "review_days": "the brand's review turnaround in days",
}


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Party:
    brand_name: str
    creator_name: str
    campaign_name: str


def _day(value: dt.date | None) -> str:
    return f"{value:%B} {value.day}, {value.year}" if value else ""


def merge_fields(
    terms: Terms, party: Party, *, reference: str, date: dt.date, governing_law: str, amends: str = ""
) -> dict[str, Any]:
    """What a template sees: plain strings and numbers taken from the frozen agreed terms."""
    bonus = terms.bonus
    return {
        "brand": {"name": party.brand_name},
        "creator": {"name": party.creator_name},
        "campaign": {"name": party.campaign_name},
        "contract": {"reference": reference, "date": _day(date), "governing_law": governing_law, "amends": amends},
        "deliverables": [
            {
                "label": item.label(),
                "kind": item.kind,
                "platform": item.platform,
                "title": item.title,
                "draft_due": _day(item.draft_due),
                "live_due": _day(item.live_due),
            }
            for item in terms.deliverables
        ],
        "fee": format_money(terms.fee_minor, terms.currency),
        "currency": terms.currency,
        "payments": [
            {
                "label": MILESTONE_LABELS[p.milestone],
                "amount": format_money(p.amount_minor, terms.currency),
                "milestone": p.milestone,
            }
            for p in terms.payments
            if p.milestone != "bonus"
        ],
        "bonus": {"amount": format_money(bonus.amount_minor, terms.currency), "condition": bonus.condition}
        if bonus
        else None,
        "product": terms.product,
        "usage_rights": terms.usage_rights,
        "exclusivity": terms.exclusivity,
        "revision_rounds": terms.revision_rounds,
        "review_days": terms.review_days,
        "rights": _rights_fields(terms.rights),
    }


def _rights_fields(rights: Rights | None) -> dict[str, str] | None:
    if rights is None:
        return None
    return {
        "channels": channels_text(rights.channels),
        "territories": ", ".join(rights.territories) if rights.territories else "worldwide",
        "window": window_text(rights),
        "exclusivity": f"no other {rights.exclusivity_category} brand for {rights.exclusivity_days} days after go-live"
        if rights.exclusivity_category
        else "",
    }


@dataclass(frozen=True)
class RenewalTerms:
    """What a usage-rights renewal amendment changes: one asset's window, for a fee. Kept in the contract's terms
    (under "renewal") beside the collaboration's agreed terms, which it leaves as they are."""

    renewal_id: int
    asset: str  # "Instagram reel “Morning routine”"
    channels: str  # "organic and paid social (Meta)"
    territories: str  # "US, CA" or "worldwide"
    previous_ends_on: dt.date
    ends_on: dt.date
    fee_minor: int
    currency: str

    def to_json(self) -> dict[str, Any]:
        return {
            "renewal_id": self.renewal_id,
            "asset": self.asset,
            "channels": self.channels,
            "territories": self.territories,
            "previous_ends_on": self.previous_ends_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "fee_minor": self.fee_minor,
            "currency": self.currency,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> RenewalTerms | None:
        if not data:
            return None
        return cls(
            renewal_id=int(data["renewal_id"]),
            asset=str(data["asset"]),
            channels=str(data["channels"]),
            territories=str(data["territories"]),
            previous_ends_on=dt.date.fromisoformat(data["previous_ends_on"]),
            ends_on=dt.date.fromisoformat(data["ends_on"]),
            fee_minor=int(data["fee_minor"]),
            currency=str(data["currency"]),
        )


def renewal_fields(
    renewal: RenewalTerms, party: Party, *, reference: str, date: dt.date, governing_law: str, amends: str
) -> dict[str, Any]:
    """What the renewal amendment's template sees."""
    return {
        "brand": {"name": party.brand_name},
        "creator": {"name": party.creator_name},
        "campaign": {"name": party.campaign_name},
        "contract": {"reference": reference, "date": _day(date), "governing_law": governing_law, "amends": amends},
        "renewal": {
            "asset": renewal.asset,
            "channels": renewal.channels,
            "territories": renewal.territories,
            "previous_ends_on": _day(renewal.previous_ends_on),
            "ends_on": _day(renewal.ends_on),
            "fee": format_money(renewal.fee_minor, renewal.currency),
            "has_fee": renewal.fee_minor > 0,
        },
    }


def renewal_summary(renewal: RenewalTerms, *, brand_name: str, expires_on: dt.date | None) -> list[str]:
    """The renewal amendment in plain words, for the creator's sign page."""
    lines = [
        f"{brand_name} may keep using {renewal.asset} until {_day(renewal.ends_on)} instead of "
        f"{_day(renewal.previous_ends_on)}: {renewal.channels}, {renewal.territories}.",
        f"They pay you {format_money(renewal.fee_minor, renewal.currency)} for it, once both of you have signed."
        if renewal.fee_minor > 0
        else "There is no fee for the extension.",
        "Nothing else in your deal changes, and you keep ownership of your content.",
    ]
    if expires_on:
        lines.append(f"This offer to sign expires on {_day(expires_on)}.")
    return lines


def sample_fields(governing_law: str = "the State of New York, USA") -> dict[str, Any]:
    """Merge fields for a made-up collaboration (template preview and the check on save)."""
    terms = Terms.from_json(
        {
            "deliverables": [
                {
                    "kind": "reel",
                    "platform": "instagram",
                    "title": "Morning routine",
                    "draft_due": "2026-12-01",
                    "live_due": "2026-12-08",
                },
                {"kind": "story", "platform": "instagram", "title": "", "draft_due": None, "live_due": "2026-12-09"},
            ],
            "fee_minor": 120000,
            "currency": "USD",
            "payments": [
                {"milestone": "signing", "amount_minor": 60000},
                {"milestone": "go_live", "amount_minor": 60000},
                {"milestone": "bonus", "amount_minor": 20000, "condition": "the reel reaches 100,000 views in 30 days"},
            ],
            "product": "one Glow serum kit",
            "usage_rights": "organic reposting on the brand's accounts for 6 months",
            "exclusivity": "no other skincare brand for 30 days after go-live",
            "revision_rounds": 2,
            "review_days": 3,
            "rights": {
                "channels": ["organic", "paid_meta"],
                "territories": ["US", "CA"],
                "duration": 6,
                "unit": "months",
                "exclusivity_category": "skincare",
                "exclusivity_days": 30,
            },
        }
    )
    party = Party("Sample Brand", "Sample Creator", "Sample campaign")
    return merge_fields(terms, party, reference="RC-0-1", date=dt.date(2026, 11, 20), governing_law=governing_law)


def _first_line(node: nodes.Node, kind: type[nodes.Node], test: Any) -> int:
    for found in node.find_all(kind):
        if test(found):
            return int(found.lineno)
    return 0


def check_template(body: str) -> None:
    """Refuse a template that doesn't parse, names an unknown merge field, or fails on sample data."""
    if len(body) > TEMPLATE_MAX:
        raise InvalidInput({"body": f"The template is too long (over {TEMPLATE_MAX:,} characters)."})
    env = _environment()
    try:
        tree = env.parse(body)
    except TemplateSyntaxError as error:
        raise InvalidInput({"body": f"Line {error.lineno}: {error.message}"}) from error
    known = set(MERGE_FIELDS) | set(LIST_FIELDS)
    for name in sorted(meta.find_undeclared_variables(tree) - known):
        line = _first_line(tree, nodes.Name, lambda n, name=name: n.name == name)
        raise InvalidInput({"body": f"Line {line}: unknown merge field “{name}”."})
    # Loop variables over the list fields, so `item.bogus` inside `{% for item in deliverables %}` is caught.
    loop_items: dict[str, frozenset[str]] = {}
    for loop in tree.find_all(nodes.For):
        if isinstance(loop.iter, nodes.Name) and loop.iter.name in LIST_FIELDS and isinstance(loop.target, nodes.Name):
            loop_items[loop.target.name] = LIST_FIELDS[loop.iter.name]
    for getattr_node in tree.find_all(nodes.Getattr):
        target = getattr_node.node
        if not isinstance(target, nodes.Name):
            continue
        allowed = MERGE_FIELDS.get(target.name) if target.name in MERGE_FIELDS else loop_items.get(target.name)
        if allowed is not None and getattr_node.attr not in allowed:
            raise InvalidInput(
                {"body": f"Line {getattr_node.lineno}: unknown merge field “{target.name}.{getattr_node.attr}”."}
            )
    render_body(body, sample_fields())


def render_body(body: str, fields: Mapping[str, Any]) -> str:
    """The template's HTML for these fields; InvalidInput naming the problem when it cannot render."""
    env = _environment()
    try:
        return env.from_string(body).render(**fields)
    except TemplateSyntaxError as error:
        raise InvalidInput({"body": f"Line {error.lineno}: {error.message}"}) from error
    except (UndefinedError, SecurityError) as error:
        raise InvalidInput({"body": f"The template can't be rendered: {error}"}) from error


DOCUMENT_CSS = """
@page { size: A4; margin: 22mm 20mm 24mm 20mm;
        @bottom-center { content: "Page " counter(page) " of " counter(pages); font-size: 8.5pt; color: #555; } }
body { font-family: "DejaVu Serif", serif; font-size: 10.5pt; line-height: 1.45; color: #111; }
h1 { font-size: 17pt; margin: 0 0 2mm 0; }
h2 { font-size: 11.5pt; margin: 6mm 0 1.5mm 0; page-break-after: avoid; }
p, li { text-align: justify; hyphens: auto; margin: 0 0 2mm 0; }
.ref { color: #444; font-size: 9.5pt; margin-bottom: 6mm; }
table { width: 100%; border-collapse: collapse; margin: 2mm 0 3mm 0; font-size: 9.5pt; }
th, td { border: 0.5pt solid #999; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
.signatures { display: flex; gap: 10mm; margin-top: 4mm; page-break-inside: avoid; }
.signature { flex: 1; border-top: 0.8pt solid #111; padding-top: 2mm; }
.line { color: #444; font-size: 9pt; }
.certificate { page-break-before: always; font-family: "DejaVu Sans", sans-serif; font-size: 9pt; }
.certificate h1 { font-size: 15pt; }
.certificate table { table-layout: fixed; }
.certificate td { font-size: 8pt; overflow-wrap: anywhere; }
.mono { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; word-break: break-all; }
"""


def document_html(body_html: str, *, title: str, extra: str = "") -> str:
    """A standalone HTML document around a rendered template body (for the PDF and the download)."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{DOCUMENT_CSS}</style></head>"
        f'<body><main class="contract">{body_html}</main>{extra}</body></html>'
    )


def plain_summary(terms: Terms, *, brand_name: str, governing_law: str, expires_on: dt.date | None) -> list[str]:
    """What the creator signs, in plain words, from the same terms as the legal text."""
    lines = [f"You agree to make content for {brand_name}; they agree to pay you as below."]
    lines += describe_terms(terms, to="creator")
    lines.append("You must label every post as an ad (#ad or the platform's paid-partnership label).")
    lines.append("You keep ownership of your content; the brand may only use it as the usage rights say.")
    lines.append("Either side can end the deal if the other breaks it and doesn't fix it within 7 days.")
    lines.append(f"The laws of {governing_law} apply.")
    if expires_on:
        lines.append(f"This offer to sign expires on {_day(expires_on)}.")
    return lines
