"""Usage rights as terms and as grants: channels, territories, the window, exclusivity; saying them plainly.

An offer's terms may carry structured `Rights` (the free-text note stays for anything else). When a draft is
approved, and again when its post goes live, the deliverable (the asset) gets a grant in the rights ledger:
its channels, its territories (none = worldwide) and its window, from go-live for a duration or to a fixed end
date. "Usable now" is a question asked of the grants (`usable`), never a stored flag. Windows are whole days,
both ends included, read in one zone (the caller gives `today`). Pure functions only.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from shared.errors import IllegalTransition
from shared.identity.rules import Role

CHANNELS = ("organic", "paid_meta", "paid_tiktok", "paid_youtube", "email", "website", "ooh", "tv")
CHANNEL_LABELS = {
    "organic": "Organic reposts on the brand's accounts",
    "paid_meta": "Paid social: Meta partnership ads",
    "paid_tiktok": "Paid social: TikTok Spark Ads",
    "paid_youtube": "Paid social: YouTube partnership ads",
    "email": "Email",
    "website": "Website",
    "ooh": "Out-of-home",
    "tv": "TV and streaming",
}
# The words a tile uses ("Usable for organic and paid social (Meta) in US, CA until 3 Mar 2027").
CHANNEL_SHORT = {
    "organic": "organic",
    "paid_meta": "paid social (Meta)",
    "paid_tiktok": "paid social (TikTok)",
    "paid_youtube": "paid social (YouTube)",
    "email": "email",
    "website": "website",
    "ooh": "out-of-home",
    "tv": "TV/streaming",
}
PAID_SOCIAL = ("paid_meta", "paid_tiktok", "paid_youtube")
UNITS = ("days", "months")
DURATION_MAX = {"days": 3650, "months": 120}
EXCLUSIVITY_DAYS_MAX = 3650
CATEGORY_MAX = 200
COUNTRIES_MAX = 60

# ISO 3166-1 alpha-2.
_ISO_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY
    BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM
    FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT
    JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN
    MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT
    PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL
    TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"""
COUNTRIES = frozenset(_ISO_CODES.split())

EntryKind = Literal["grant", "extend", "revoke"]
ENTRY_KINDS = ("grant", "extend", "revoke")

# Expiry alerts go out this many days before a grant ends (once each).
ALERT_DAYS = (30, 7, 1)


@dataclass(frozen=True)
class Rights:
    """The rights an offer's terms give the brand over each deliverable."""

    channels: tuple[str, ...]
    territories: tuple[str, ...] = ()  # ISO country codes; empty = worldwide
    duration: int = 0  # from go-live, in `unit`; 0 when `ends_on` fixes the end
    unit: str = "months"
    ends_on: dt.date | None = None  # a fixed last day instead of a duration
    exclusivity_category: str = ""  # e.g. "backpacks"; '' = none
    exclusivity_days: int = 0  # from go-live

    def to_json(self) -> dict[str, Any]:
        return {
            "channels": list(self.channels),
            "territories": list(self.territories),
            "duration": self.duration,
            "unit": self.unit,
            "ends_on": self.ends_on.isoformat() if self.ends_on else None,
            "exclusivity_category": self.exclusivity_category,
            "exclusivity_days": self.exclusivity_days,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Rights | None:
        if not data or not data.get("channels"):
            return None
        return cls(
            channels=tuple(str(c) for c in data["channels"]),
            territories=tuple(str(t) for t in data.get("territories") or ()),
            duration=int(data.get("duration") or 0),
            unit=str(data.get("unit") or "months"),
            ends_on=dt.date.fromisoformat(data["ends_on"]) if data.get("ends_on") else None,
            exclusivity_category=str(data.get("exclusivity_category") or ""),
            exclusivity_days=int(data.get("exclusivity_days") or 0),
        )

    def window(self, go_live: dt.date) -> tuple[dt.date, dt.date]:
        """The first and last day of use for a post that goes live on `go_live`."""
        if self.ends_on is not None:
            return go_live, max(go_live, self.ends_on)
        return go_live, add_duration(go_live, self.duration, self.unit) - dt.timedelta(days=1)


def add_duration(start: dt.date, amount: int, unit: str) -> dt.date:
    """`start` plus `amount` days or calendar months (31 Jan + 1 month = 28/29 Feb)."""
    if unit == "days":
        return start + dt.timedelta(days=amount)
    month_index = start.month - 1 + amount
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def parse_countries(text: str) -> tuple[tuple[str, ...], str]:
    """ISO country codes from "US, CA de" (any separators, any case), sorted and unique; or an error."""
    codes = [part.upper() for part in text.replace(",", " ").replace(";", " ").split() if part]
    unknown = [code for code in codes if code not in COUNTRIES]
    if unknown:
        return (), f"Unknown country code: {', '.join(unknown[:5])}. Use two-letter codes, like US, CA, GB."
    unique = tuple(sorted(set(codes)))
    if len(unique) > COUNTRIES_MAX:
        return (), f"List at most {COUNTRIES_MAX} countries, or choose worldwide."
    return unique, ""


def channel_field(channel: str) -> str:
    """The checkbox that ticks a channel on the offer form."""
    return f"right_{channel}"


RIGHTS_KEYS = (
    "rights_where",
    "rights_countries",
    "rights_duration",
    "rights_unit",
    "rights_ends_on",
    "exclusivity_category",
    "exclusivity_days",
)


def parse_rights(
    form: Mapping[str, str], *, today: dt.date, earliest_live: dt.date | None
) -> tuple[Rights | None, dict[str, str]]:
    """Rights from the offer form's fields (a checkbox per channel), or field errors. No channel ticked and
    nothing else filled in: no structured rights (the free-text note may still say something)."""
    errors: dict[str, str] = {}
    channels = tuple(c for c in CHANNELS if str(form.get(channel_field(c)) or "").strip())
    text = {key: str(form.get(key) or "").strip() for key in RIGHTS_KEYS}
    if not channels:
        filled = text["rights_countries"] or text["rights_duration"] or text["rights_ends_on"]
        if filled or text["exclusivity_category"]:
            errors["rights_channels"] = "Tick the channels the brand may use the content on."
        return None, errors
    territories: tuple[str, ...] = ()
    if text["rights_where"] == "countries":
        territories, error = parse_countries(text["rights_countries"])
        if error:
            errors["rights_countries"] = error
        elif not territories:
            errors["rights_countries"] = "List the countries, like US, CA — or choose worldwide."
    unit = text["rights_unit"] if text["rights_unit"] in UNITS else "months"
    duration = 0
    ends_on: dt.date | None = None
    if text["rights_ends_on"]:
        try:
            ends_on = dt.date.fromisoformat(text["rights_ends_on"])
        except ValueError:
            errors["rights_window"] = "Give the end date as a date, like 2027-03-31."
        else:
            if ends_on < today or (earliest_live is not None and ends_on < earliest_live):
                errors["rights_window"] = "The rights would end before the content goes live."
        if text["rights_duration"] and "rights_window" not in errors:
            errors["rights_window"] = "Give either a duration from go-live or an end date, not both."
    else:
        try:
            duration = int(text["rights_duration"] or "0")
        except ValueError:
            duration = -1
        if not 1 <= duration <= DURATION_MAX[unit]:
            errors["rights_window"] = (
                f"Say how long the rights last from go-live: 1 to {DURATION_MAX[unit]} {unit}, or an end date."
            )
    category = text["exclusivity_category"]
    days = 0
    if len(category) > CATEGORY_MAX:
        errors["exclusivity_category"] = f"Keep the category under {CATEGORY_MAX} characters."
    try:
        days = int(text["exclusivity_days"] or "0")
    except ValueError:
        days = -1
    if not 0 <= days <= EXCLUSIVITY_DAYS_MAX:
        errors["exclusivity_days"] = f"Give the exclusivity window in days, 0 to {EXCLUSIVITY_DAYS_MAX}."
    elif category and not days:
        errors["exclusivity_days"] = "Say for how many days after go-live the exclusivity lasts."
    elif days and not category:
        errors["exclusivity_category"] = "Name the category, like “backpacks” or “energy drinks”."
    if errors:
        return None, errors
    return Rights(channels, territories, duration, unit, ends_on, category, days), {}


def rights_to_form(rights: Rights | None) -> dict[str, str]:
    """The form fields that reproduce these rights (a counter-offer starts from what is on the table)."""
    if rights is None:
        return {"rights_where": "worldwide", "rights_unit": "months"}
    return {
        **{channel_field(c): "on" for c in rights.channels},
        "rights_where": "countries" if rights.territories else "worldwide",
        "rights_countries": ", ".join(rights.territories),
        "rights_duration": str(rights.duration) if rights.duration else "",
        "rights_unit": rights.unit,
        "rights_ends_on": rights.ends_on.isoformat() if rights.ends_on else "",
        "exclusivity_category": rights.exclusivity_category,
        "exclusivity_days": str(rights.exclusivity_days) if rights.exclusivity_days else "",
    }


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def channels_text(channels: Iterable[str]) -> str:
    """ "organic and paid social (Meta, TikTok)": paid social channels folded into one phrase."""
    chosen = [c for c in CHANNELS if c in set(channels)]
    paid = [CHANNEL_SHORT[c][len("paid social (") : -1] for c in chosen if c in PAID_SOCIAL]
    words: list[str] = []
    for channel in chosen:
        if channel in PAID_SOCIAL:
            if paid:
                words.append(f"paid social ({', '.join(paid)})" if len(paid) < len(PAID_SOCIAL) else "paid social")
                paid = []
            continue
        words.append(CHANNEL_SHORT[channel])
    return _and(words)


def territories_text(territories: Sequence[str]) -> str:
    return ", ".join(territories) if territories else "worldwide"


def _in(territories: Sequence[str]) -> str:
    return f"in {', '.join(territories)}" if territories else "worldwide"


def day_text(value: dt.date) -> str:
    return f"{value.day} {value.strftime('%b %Y')}"


def window_text(rights: Rights) -> str:
    if rights.ends_on is not None:
        return f"from go-live until {day_text(rights.ends_on)}"
    unit = rights.unit if rights.duration != 1 else rights.unit.rstrip("s")
    return f"for {rights.duration} {unit} from go-live"


def describe_rights(rights: Rights) -> list[str]:
    """The rights as plain sentences (offer pages, contracts)."""
    lines = [f"Usage rights: {channels_text(rights.channels)}, {_in(rights.territories)}, {window_text(rights)}."]
    if rights.exclusivity_category:
        lines.append(
            f"Exclusivity: no other {rights.exclusivity_category} brand for {rights.exclusivity_days} days "
            "after go-live."
        )
    return lines


def diff_rights(before: Rights | None, after: Rights | None) -> list[str]:
    """What a counter changed in the rights, one line each."""
    if before == after:
        return []
    if before is None or after is None:
        old = describe_rights(before)[0].removeprefix("Usage rights: ") if before else "none"
        new = describe_rights(after)[0].removeprefix("Usage rights: ") if after else "none"
        return [f"Usage rights: {old.rstrip('.')} → {new.rstrip('.')}"]
    changes: list[str] = []
    if before.channels != after.channels:
        changes.append(f"Rights channels: {channels_text(before.channels)} → {channels_text(after.channels)}")
    if before.territories != after.territories:
        changes.append(
            f"Rights territories: {territories_text(before.territories)} → {territories_text(after.territories)}"
        )
    if (before.duration, before.unit, before.ends_on) != (after.duration, after.unit, after.ends_on):
        changes.append(f"Rights window: {window_text(before)} → {window_text(after)}")
    if (before.exclusivity_category, before.exclusivity_days) != (after.exclusivity_category, after.exclusivity_days):

        def excl(r: Rights) -> str:
            return f"{r.exclusivity_category}, {r.exclusivity_days} days" if r.exclusivity_category else "none"

        changes.append(f"Exclusivity: {excl(before)} → {excl(after)}")
    return changes


# --- grants ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """One standing grant of the ledger (not superseded by a later entry, not revoked)."""

    id: int
    channels: tuple[str, ...]
    territories: tuple[str, ...]  # empty = worldwide
    starts_on: dt.date
    ends_on: dt.date


def covers(grant: Grant, *, channel: str, country: str, on: dt.date) -> bool:
    """Whether this grant allows `channel` in `country` on day `on` (both ends of the window included)."""
    return (
        channel in grant.channels
        and (not grant.territories or country in grant.territories)
        and grant.starts_on <= on <= grant.ends_on
    )


def usable(grants: Iterable[Grant], *, channel: str, country: str, on: dt.date) -> bool:
    return any(covers(g, channel=channel, country=country, on=on) for g in grants)


AssetState = Literal["usable", "expiring", "expired", "upcoming", "none"]
EXPIRING_DAYS = 30


def asset_state(grants: Sequence[Grant], today: dt.date) -> AssetState:
    """Where an asset stands today: usable (some grant runs), expiring (all that run end within 30 days),
    expired (every grant ended), upcoming (starts later), none (no grant)."""
    if not grants:
        return "none"
    running = [g for g in grants if g.starts_on <= today <= g.ends_on]
    if running:
        last = max(g.ends_on for g in running)
        return "expiring" if (last - today).days < EXPIRING_DAYS else "usable"
    if any(g.starts_on > today for g in grants):
        return "upcoming"
    return "expired"


def tile_text(grants: Sequence[Grant], today: dt.date) -> str:
    """What a library tile says, plainly: "Usable for organic and paid social (Meta) in US, CA until 3 Mar 2027",
    or "Expired 12 Jan 2027 — take it down"."""
    state = asset_state(grants, today)
    if state == "none":
        return "No usage rights recorded — don't reuse it."
    if state == "expired":
        return f"Expired {day_text(max(g.ends_on for g in grants))} — take it down."
    if state == "upcoming":
        first = min(g.starts_on for g in grants if g.starts_on > today)
        return f"Usable from {day_text(first)} (go-live); not before."
    running = [g for g in grants if g.starts_on <= today <= g.ends_on]
    parts = [
        f"{channels_text(g.channels)} {_in(g.territories)} until {day_text(g.ends_on)}"
        for g in sorted(running, key=lambda g: (g.ends_on, g.id))
    ]
    return "Usable for " + "; ".join(parts) + "."


def alert_due(ends_on: dt.date, today: dt.date) -> int | None:
    """The alert (30, 7 or 1 days before the end) due today for a grant ending `ends_on`, if any."""
    left = (ends_on - today).days
    return left if left in ALERT_DAYS else None


def extension_error(current_end: dt.date, new_end: dt.date | None) -> str:
    if new_end is None:
        return "Give the new last day of use."
    if new_end <= current_end:
        return f"The new end must be after the current one ({day_text(current_end)})."
    return ""


REASON_MAX = 1000


def can_manage_rights(role: Role | None) -> bool:
    """Owners and managers renew and revoke grants; everyone at the brand may look at the library."""
    return role in (Role.OWNER, Role.MANAGER)


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


EXPIRING_MAX = 365


def library_filters_error(channel: str, country: str) -> str:
    """ "Usable now" needs both a channel and a country (or neither)."""
    if bool(channel) != bool(country):
        return "Choose both a channel and a country to see what is usable now."
    if country and country not in COUNTRIES:
        return f"Unknown country code: {country}. Use two-letter codes, like US."
    if channel and channel not in CHANNELS:
        return "Choose a channel from the list."
    return ""


def creator_text(grants: Sequence[Grant], today: dt.date, brand_name: str) -> str:
    """What the portal tells a creator about one piece of their content: where the brand may use it, until when."""
    state = asset_state(grants, today)
    if state == "none":
        return f"{brand_name} has no usage rights on it: they may not reuse it."
    if state == "expired":
        return f"{brand_name}'s rights ended {day_text(max(g.ends_on for g in grants))}: they must no longer use it."
    text = tile_text(grants, today)
    if state == "upcoming":
        return f"{brand_name}'s rights start when it goes live: " + text.removeprefix("Usable from ")
    return f"{brand_name} may use it for " + text.removeprefix("Usable for ")


@dataclass(frozen=True)
class TimelineBar:
    label: str
    x: float  # percent of the chart's width where the window starts
    width: float  # percent
    state: AssetState
    text: str  # "1 Dec 2026 – 28 May 2027"


@dataclass(frozen=True)
class Timeline:
    bars: tuple[TimelineBar, ...]
    today_x: float | None  # where today falls, None when outside the span
    first: dt.date
    last: dt.date


def timeline(rows: Sequence[tuple[str, Sequence[Grant]]], today: dt.date) -> Timeline | None:
    """Rights windows side by side (one bar per asset, from its first grant's start to its last grant's end),
    scaled to the span they cover together with today: what is live, what ends when."""
    spans = [(label, grants) for label, grants in rows if grants]
    if not spans:
        return None
    first = min(min(g.starts_on for g in grants) for _, grants in spans)
    last = max(max(g.ends_on for g in grants) for _, grants in spans)
    first, last = min(first, today), max(last, today)
    days = max((last - first).days + 1, 1)
    bars = []
    for label, grants in spans:
        start, end = min(g.starts_on for g in grants), max(g.ends_on for g in grants)
        x = 100 * (start - first).days / days
        bars.append(
            TimelineBar(
                label=label,
                x=round(x, 2),
                width=round(max(100 * ((end - start).days + 1) / days, 0.5), 2),
                state=asset_state(grants, today),
                text=f"{day_text(start)} – {day_text(end)}",
            )
        )
    return Timeline(tuple(bars), round(100 * (today - first).days / days, 2), first, last)


# --- renewals ----------------------------------------------------------------------------------
# The brand proposes a later last day for a fee; the creator accepts, counters (another day or fee) or declines;
# a counter is the brand's to accept, counter again or decline. Agreed terms become an amendment contract that
# both sides sign (shared.contracts); only once it is executed is the extension added to the ledger and the fee
# payable. A declined, voided or expired amendment ends the renewal; the old end date stands throughout.

RenewalParty = Literal["brand", "creator", "contract"]
RenewalVerb = Literal["accept", "counter", "decline", "execute", "fail"]
RENEWAL_STATUSES = ("proposed", "countered", "signing", "executed", "declined", "cancelled")
# Waiting for someone: one such renewal per asset at a time.
RENEWAL_OPEN = ("proposed", "countered", "signing")
RENEWAL_LABELS = {
    "proposed": "Waiting for the creator",
    "countered": "Counter-offer: waiting for the brand",
    "signing": "Agreed: the amendment awaits signatures",
    "executed": "Executed",
    "declined": "Declined",
    "cancelled": "Amendment not signed",
}

RENEWAL_TRANSITIONS: dict[tuple[RenewalParty, RenewalVerb], dict[str, str]] = {
    ("creator", "accept"): {"proposed": "signing"},
    ("creator", "counter"): {"proposed": "countered"},
    ("creator", "decline"): {"proposed": "declined"},
    ("brand", "accept"): {"countered": "signing"},
    ("brand", "counter"): {"countered": "proposed"},
    ("brand", "decline"): {"countered": "declined"},
    ("contract", "execute"): {"signing": "executed"},
    ("contract", "decline"): {"signing": "declined"},
    ("contract", "fail"): {"signing": "cancelled"},
}

_RENEWAL_WHY_NOT = {
    "proposed": "it is waiting for the creator's answer",
    "countered": "the creator's counter-offer is waiting for the brand's answer",
    "signing": "it was agreed and the amendment is out for signature",
    "executed": "its amendment is executed",
    "declined": "it was declined",
    "cancelled": "its amendment was not signed",
}


def next_renewal_status(current: str, party: RenewalParty, verb: RenewalVerb) -> str:
    """The renewal's status after `party` does `verb`; IllegalTransition with a plain reason when refused."""
    moves = RENEWAL_TRANSITIONS.get((party, verb), {})
    if current not in moves:
        raise IllegalTransition(f"You can't {verb} this renewal: {_RENEWAL_WHY_NOT.get(current, current)}.")
    return moves[current]


def renewal_verbs(current: str, party: RenewalParty) -> set[str]:
    """What this party may do now (the buttons a page shows)."""
    return {verb for (who, verb), moves in RENEWAL_TRANSITIONS.items() if who == party and current in moves}


def renewal_changes(
    previous_ends_on: dt.date | None,
    ends_on: dt.date,
    previous_fee: str | None,
    fee: str,
) -> list[str]:
    """What the latest counter changed, one line each ("Until: 1 Jun 2027 → 1 Sep 2027")."""
    changes: list[str] = []
    if previous_ends_on is not None and previous_ends_on != ends_on:
        changes.append(f"Until: {day_text(previous_ends_on)} → {day_text(ends_on)}")
    if previous_fee is not None and previous_fee != fee:
        changes.append(f"Fee: {previous_fee} → {fee}")
    return changes


def counter_error(current: tuple[dt.date, int], new: tuple[dt.date, int]) -> str:
    """A counter must change the day or the fee."""
    if current == new:
        return "Change the last day or the fee to counter, or accept the renewal as it is."
    return ""
