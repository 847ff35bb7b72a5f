"""Results rules, pure: what a go-live check found in words, when metrics are read, and the formulas.

Live post states: checking → verified | mismatch | unreachable | unsupported | reconnect. `verified` only when the
post exists, belongs to the creator's linked account, and its live caption keeps a clear disclosure and the
brief's hashtags and mentions. A reviewer may mark any other state verified by hand (audited).

Money is integer minor units; every ratio is computed with integers and rounded half up, never floats.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from shared.content.disclosure import DISCLOSURE_HASHTAGS, DisclosureResult, platform_rules
from shared.identity.rules import Role
from shared.money import minor_digits

LiveState = Literal["checking", "verified", "mismatch", "unreachable", "unsupported", "reconnect"]
LIVE_STATES: tuple[LiveState, ...] = ("checking", "verified", "mismatch", "unreachable", "unsupported", "reconnect")
STATE_LABELS: dict[str, str] = {
    "checking": "Checking the post",
    "verified": "Verified",
    "mismatch": "Doesn't match",
    "unreachable": "Platform not answering",
    "unsupported": "A person verifies",
    "reconnect": "Account to reconnect",
}
# What may be verified by hand: everything the platform could not confirm, and a mismatch a person judged fine.
MANUALLY_VERIFIABLE = frozenset({"checking", "mismatch", "unreachable", "unsupported", "reconnect"})
PLATFORM_LABELS = {"instagram": "Instagram", "tiktok": "TikTok", "youtube": "YouTube", "x": "X", "twitch": "Twitch"}


def platform_label(platform: str) -> str:
    return PLATFORM_LABELS.get(platform, platform.title())


# --- what a check found, in words ---------------------------------------------------------------------------

_HASHTAG = re.compile(r"(?<![\w#&/])#(\w+)")
# Findings on the live caption that break the deal: no clear disclosure, the brief's tags gone.
_DISCLOSURE_GONE = ("disclosure_missing", "ambiguous_only", "gift_only")


@dataclass(frozen=True)
class CheckOutcome:
    state: LiveState
    problems: tuple[str, ...]  # each a sentence both sides read


def dropped_disclosures(approved_caption: str, live_caption: str) -> list[str]:
    """Disclosure hashtags the approved caption had and the live one lacks ("#ad")."""
    live = {t.lower() for t in _HASHTAG.findall(live_caption)}
    gone = [t for t in _HASHTAG.findall(approved_caption) if t.lower() in DISCLOSURE_HASHTAGS and t.lower() not in live]
    return [f"#{t}" for t in dict.fromkeys(gone)]


def caption_problems(approved_caption: str, live_caption: str, live_check: DisclosureResult) -> list[str]:
    """Why the live caption no longer holds what was approved (empty when it does)."""
    problems: list[str] = []
    codes = set(live_check.codes())
    where = platform_rules(live_check.platform).where
    dropped = dropped_disclosures(approved_caption, live_caption)
    if dropped:
        problems.append(f"The live {where} dropped {', '.join(dropped)}.")
    if codes & set(_DISCLOSURE_GONE) and not dropped:
        problems.append(f"The live {where} has no clear disclosure (#ad or “Paid partnership”).")
    for finding in live_check.findings:
        if finding.code in ("missing_hashtag", "missing_mention"):
            wanted = re.search(r"([#@][\w.]*\w)", finding.message)
            what = wanted.group(1) if wanted else "a tag"
            problems.append(f"The live {where} is missing {what}, which the brief asks for.")
        elif finding.code in ("after_truncation", "in_hashtag_block") and finding.severity == "block":
            problems.append(f"The live {where}: {finding.message}")
    return problems


def outcome_of(
    lookup_outcome: str,
    *,
    platform: str,
    handle: str,
    owner: str = "",
    problems: Sequence[str] = (),
) -> CheckOutcome:
    """The state and the sentences for what the platform answered (problems: from caption_problems)."""
    label = platform_label(platform)
    account = f"@{handle.lstrip('@')}" if handle else "the linked account"
    if lookup_outcome == "found":
        if problems:
            return CheckOutcome("mismatch", tuple(problems))
        return CheckOutcome("verified", ())
    if lookup_outcome == "not_found":
        return CheckOutcome(
            "mismatch",
            (
                f"{label} has no such post on {account}: it may have been deleted or made private, "
                "or posted from another account.",
            ),
        )
    if lookup_outcome == "wrong_owner":
        who = f"@{owner.lstrip('@')}" if owner else "another account"
        return CheckOutcome("mismatch", (f"This post is on {who}, not on {account}, the account linked in Rapport.",))
    if lookup_outcome == "reconnect" and not handle:
        return CheckOutcome(
            "reconnect",
            (
                f"No {label} account is linked to this creator in Rapport: the creator connects one (Accounts), "
                "or someone at the brand checks the post and marks it verified.",
            ),
        )
    if lookup_outcome == "reconnect":
        return CheckOutcome(
            "reconnect",
            (
                f"Rapport can't read {account} on {label} (its access expired or was never given): the creator "
                "reconnects the account in Rapport (Accounts), or someone at the brand checks the post and marks it "
                "verified.",
            ),
        )
    if lookup_outcome in ("rate_limited", "unreachable"):
        why = "asked us to slow down" if lookup_outcome == "rate_limited" else "did not answer"
        return CheckOutcome("unreachable", (f"{label} {why}; Rapport tries again within the hour.",))
    return CheckOutcome(
        "unsupported",
        (f"Rapport can't read {label} posts: someone at the brand checks the post and marks it verified.",),
    )


# --- when metrics are read --------------------------------------------------------------------------------

FIRST_READS = (dt.timedelta(hours=1), dt.timedelta(hours=24), dt.timedelta(days=7), dt.timedelta(days=30))
WEEKLY = dt.timedelta(days=7)
READ_UNTIL = dt.timedelta(days=90)  # weekly after the 30th day, up to here (the usage window Rapport assumes)
RECHECK_EVERY = dt.timedelta(days=1)  # a verified post is checked again daily while metrics are read


def read_offset(reads_done: int) -> dt.timedelta | None:
    """How long after go-live the next reading is due, given how many were done; None when no more are."""
    if reads_done < len(FIRST_READS):
        return FIRST_READS[reads_done]
    offset = FIRST_READS[-1] + WEEKLY * (reads_done - len(FIRST_READS) + 1)
    return offset if offset <= READ_UNTIL else None


def next_read_at(live_at: dt.datetime, reads_done: int) -> dt.datetime | None:
    offset = read_offset(reads_done)
    return live_at + offset if offset is not None else None


# --- the numbers and the formulas -------------------------------------------------------------------------

METRICS = ("views", "reach", "likes", "comments", "shares", "saves")
ENGAGEMENTS = ("likes", "comments", "shares", "saves")
METRIC_LABELS = {
    "views": "Views",
    "reach": "Reach",
    "likes": "Likes",
    "comments": "Comments",
    "shares": "Shares",
    "saves": "Saves",
}


def ratio_half_up(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator rounded half up, in integers (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def engagements(numbers: dict[str, int | None]) -> int | None:
    """Likes + comments + shares + saves, of those the platform gives; None when it gives none of them."""
    given = [numbers[m] for m in ENGAGEMENTS if numbers.get(m) is not None]
    return sum(v for v in given if v is not None) if given else None


def cpm_minor(spend_minor: int, views: int | None) -> int | None:
    """Cost per 1,000 views: spend ÷ views × 1,000, in minor units."""
    if not views:
        return None
    return ratio_half_up(spend_minor * 1000, views)


def cpe_minor(spend_minor: int, engaged: int | None) -> int | None:
    """Cost per engagement: spend ÷ engagements, in minor units."""
    if not engaged:
        return None
    return ratio_half_up(spend_minor, engaged)


def cpc_minor(spend_minor: int, clicks: int | None) -> int | None:
    """Cost per click on the tracked link: spend ÷ clicks, in minor units."""
    if not clicks:
        return None
    return ratio_half_up(spend_minor, clicks)


def engagement_rate_bp(engaged: int | None, views: int | None) -> int | None:
    """Engagement rate: engagements ÷ views, in basis points (1% = 100)."""
    if engaged is None or not views:
        return None
    return ratio_half_up(engaged * 10_000, views)


def format_bp(bp: int | None) -> str:
    """Basis points as a percentage with two decimals (523 → '5.23%')."""
    if bp is None:
        return "not available"
    return f"{bp // 100}.{bp % 100:02d}%"


def sum_given(values: Iterable[int | None]) -> int | None:
    """The sum of the values given; None when none was."""
    given = [v for v in values if v is not None]
    return sum(given) if given else None


def ratio_half_away(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator rounded half away from zero, in integers (denominator positive): for a return
    that may be negative, -0.5% rounds to -1 basis point as 0.5% rounds to 1."""
    sign = -1 if numerator < 0 else 1
    return sign * ratio_half_up(abs(numerator), denominator)


def cpa_minor(spend_minor: int, orders: int | None) -> int | None:
    """Cost per acquisition: spend ÷ orders that used the creators' codes, in minor units."""
    if not orders:
        return None
    return ratio_half_up(spend_minor, orders)


def roi_bp(revenue_minor: int | None, spend_minor: int) -> int | None:
    """Return on investment: (revenue − spend) ÷ spend, in basis points (may be negative)."""
    if revenue_minor is None or spend_minor <= 0:
        return None
    return ratio_half_away((revenue_minor - spend_minor) * 10_000, spend_minor)


def format_signed_bp(bp: int | None) -> str:
    """Basis points as a signed percentage: -1250 → '−12.50%'."""
    if bp is None:
        return "not available"
    return ("−" if bp < 0 else "") + format_bp(abs(bp))


@dataclass(frozen=True)
class MediaRates:
    """A brand's earned-media-value rates in minor units of `currency`; None leaves that part out."""

    currency: str
    per_thousand_views_minor: int | None = None
    per_engagement_minor: int | None = None
    per_click_minor: int | None = None

    @property
    def any(self) -> bool:
        return any(r is not None for r in (self.per_thousand_views_minor, self.per_engagement_minor,
                                           self.per_click_minor))  # fmt: skip


def media_value_minor(
    rates: MediaRates | None, views: int | None, engaged: int | None, clicks: int | None
) -> int | None:
    """Earned media value = views ÷ 1,000 × the rate per 1,000 views + engagements × the rate per engagement +
    clicks × the rate per click, of the parts with both a number and a rate (each part rounded half up to a minor
    unit); None without rates or without any part."""
    if rates is None or not rates.any:
        return None
    parts = []
    if rates.per_thousand_views_minor is not None and views is not None:
        parts.append(ratio_half_up(views * rates.per_thousand_views_minor, 1000))
    if rates.per_engagement_minor is not None and engaged is not None:
        parts.append(engaged * rates.per_engagement_minor)
    if rates.per_click_minor is not None and clicks is not None:
        parts.append(clicks * rates.per_click_minor)
    return sum(parts) if parts else None


# Owners and managers share results, make tracked links, give discount codes and set media value rates.
SHARERS = (Role.OWNER, Role.MANAGER)


# --- imported orders (discount codes) -------------------------------------------------------------------------

CODE_MAX = 40
ORDER_REF_MAX = 100
ORDERS_MAX = 50_000  # rows in one import; larger exports are split
ORDER_COLUMNS = ("order_id", "code", "amount", "currency", "ordered_at")


def clean_code(code: str) -> str:
    """A discount code as stored and matched: trimmed, upper-case (shops treat codes case-blind)."""
    return code.strip().upper()


def check_code(code: str) -> str | None:
    """Why a discount code can't be used, or None."""
    if not code:
        return "Enter the code the creator's audience types at checkout."
    if len(code) > CODE_MAX or not all(ch.isalnum() or ch in "-_" for ch in code):
        return f"A code is up to {CODE_MAX} letters, digits, - or _."
    return None


@dataclass(frozen=True)
class ParsedOrder:
    order_ref: str
    code: str
    amount_minor: int
    currency: str
    ordered_at: dt.datetime


ORDER_AMOUNT_MAX_MINOR = 10**12  # far above any one order; stops a typo's extra zeros


def order_amount_minor(text: str, currency: str) -> int | str:
    """'1,250.50' USD → 125050; a sentence when it isn't an amount this currency can have."""
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return f"amount “{text.strip()[:20]}” is not a number like 49.90."
    digits = minor_digits(currency)
    scaled = value * (10**digits) if value.is_finite() else value
    if not value.is_finite() or value < 0 or scaled > ORDER_AMOUNT_MAX_MINOR:
        return "amount must be zero or more (refunds are left out of the import)."
    if scaled != scaled.to_integral_value():
        return f"{currency} amounts have {'no decimals' if digits == 0 else f'at most {digits} decimals'}."
    return int(scaled)


def parse_order_row(row: dict[str, str], line: int) -> ParsedOrder | str:
    """One CSV row as an order, or the sentence saying what is wrong with it ("Line 4: …")."""
    ref = (row.get("order_id") or "").strip()
    if not ref or len(ref) > ORDER_REF_MAX:
        return f"Line {line}: order_id is missing or longer than {ORDER_REF_MAX} characters."
    code = clean_code(row.get("code") or "")
    if error := check_code(code):
        return f"Line {line}: {error}"
    currency = (row.get("currency") or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        return f"Line {line}: currency must be a three-letter code like USD."
    amount = order_amount_minor(row.get("amount") or "", currency)
    if isinstance(amount, str):
        return f"Line {line}: {amount}"
    text = (row.get("ordered_at") or "").strip()
    try:
        when = (
            dt.datetime.fromisoformat(text)
            if "T" in text or " " in text
            else dt.datetime.fromisoformat(text + "T00:00:00")
        )
    except ValueError:
        return f"Line {line}: ordered_at must be a date like 2026-11-28 or 2026-11-28T14:05:00Z."
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return ParsedOrder(ref, code, amount, currency, when)
