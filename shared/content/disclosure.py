"""Disclosure and brief checks over a draft's caption: pure functions, no I/O.

What regulators ask for (the FTC's 2017 letters to Instagram influencers, the ASA/CAP guidance in the
UK): a clear label (#ad, #sponsored, "Paid partnership with @brand") that people see without tapping
"more", not hidden in a string of hashtags at the end, and not an abbreviation readers don't know
(#sp, #spon, #partner, "thanks @brand"). The FTC letters said it in so many words: "consumers ... see
only the first three lines of a longer post unless they click 'more' ... disclose any material
connection above the 'more' button", and "#sp", "Thanks [Brand]" or "#partner" are "not sufficiently
clear".

The result is pass / warn / block: a 'block' draft can't be approved. Video and stories also need the
disclosure on screen and spoken; the creator confirms that (Draft.disclosure_confirmed), and
final_verdict() turns an unconfirmed video into a 'block'.

Decisions worth knowing:
- #gifted discloses a free product, not payment: alone it is a *warning* (right for a seeding-only
  deal, wrong for a paid one). A brand that wants it refused adds it to its ambiguous tags.
- A missing required hashtag or mention from the brief is a *warning* by default (the post is still
  honest, it just misses the brief); a brand may make it block (DisclosurePolicySettings).
- A disclosure after the platform's cut or only inside the trailing hashtag block is a *warning*
  (it is there, but people may not see it); a brand may make placement strict (then it blocks).
- A story with no caption at all is not blocked for the caption: stories carry the disclosure on
  screen, which the creator confirms.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.content.rules import asks_for_spoken_disclosure, media_limits

Verdict = Literal["pass", "warn", "block"]
Severity = Literal["info", "warn", "block"]

# --- per-platform rules, as data -------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformRules:
    platform: str
    label: str
    visible_chars: int  # how much of the caption shows before "more" (or the whole text, where nothing is cut)
    visible_lines: int | None  # lines shown before "more", where line breaks cut earlier than characters
    where: str  # what the text is on this platform, in the creator's words
    cuts: bool  # whether the platform hides the rest behind "more" (X and Twitch show it all)


# No platform publishes an exact cut-off, and it varies by device and app version: these are
# conservative estimates of what shows before "more" on a phone. Instagram's 125 characters is the
# figure its own ads guidance and most compliance guides use; the three lines are from the FTC's
# letters. TikTok and YouTube show less on a phone, so 100 characters is on the safe side. X shows a
# standard post whole (280 characters); a Twitch stream title is at most 140 characters, all shown.
PLATFORM_RULES: dict[str, PlatformRules] = {
    "instagram": PlatformRules("instagram", "Instagram", 125, 3, "caption", cuts=True),
    "tiktok": PlatformRules("tiktok", "TikTok", 100, 2, "caption", cuts=True),
    "youtube": PlatformRules("youtube", "YouTube", 100, 3, "description", cuts=True),
    "x": PlatformRules("x", "X", 280, None, "post", cuts=False),
    "twitch": PlatformRules("twitch", "Twitch", 140, None, "stream title", cuts=False),
}
CUTTING_PLATFORMS = tuple(p for p, rules in PLATFORM_RULES.items() if rules.cuts)  # the ones a brand may tune
DEFAULT_RULES = PlatformRules("other", "this platform", 100, 2, "caption", cuts=True)

TRUNCATION_MIN, TRUNCATION_MAX = 20, 5000


def platform_rules(platform: str, policy: DisclosurePolicySettings | None = None) -> PlatformRules:
    """The rules for a platform, with the brand's truncation override applied."""
    rules = PLATFORM_RULES.get(platform, DEFAULT_RULES)
    override = (policy.truncation_overrides if policy else {}).get(platform)
    if override:
        rules = PlatformRules(rules.platform, rules.label, override, rules.visible_lines, rules.where, rules.cuts)
    return rules


# --- the vocabulary -------------------------------------------------------------------------------

# Hashtags that clearly say "this is advertising", compared whole and case-insensitively: #ad counts
# (also as "#ad." or "#ad,"), #adventure does not. Localized ones for creators posting in German,
# Spanish, French, Italian, Dutch, Scandinavian and Polish.
DISCLOSURE_HASHTAGS = frozenset(
    {
        "ad",
        "ads",
        "advert",
        "advertisement",
        "advertising",
        "sponsored",
        "paidpartnership",
        "paidpartner",
        "paidad",
        "anzeige",  # de
        "werbung",  # de
        "publicidad",  # es
        "publicidade",  # pt
        "publicite",  # fr, typed without the accent
        "publicité",  # fr
        "pub",  # fr
        "pubblicità",  # it
        "reclame",  # nl
        "advertentie",  # nl
        "reklame",  # da, no
        "reklam",  # sv
        "reklama",  # pl
        "sponsorowane",  # pl
    }
)

# Words and phrases that disclose in plain text, matched on word boundaries.
DISCLOSURE_PHRASES = (
    "paid partnership",
    "sponsored by",
    "advertisement",
    "bezahlte partnerschaft",  # de: Instagram's own German label
    "colaboración pagada",  # es
    "partenariat rémunéré",  # fr
)
# "Not sponsored by anyone" says the opposite: a phrase right after a negation doesn't count.
_NEGATED = re.compile(r"\b(?:not|non|isn't|never|no)[\s-]*$", re.IGNORECASE)
_PARTNERSHIP_WITH = re.compile(r"\bpaid\s+partnership\s+with\s+@([\w.]+)", re.IGNORECASE)
# "Ad: ..." / "AD | ..." at the very start, or "[ad]" / "(ad)" anywhere: the UK's common forms.
_AD_PREFIX = re.compile(r"^\s*ad\s*(?::|\||\s[-–—])", re.IGNORECASE)
_AD_BRACKETS = re.compile(r"[\[(]\s*ad\s*[\])]", re.IGNORECASE)

# Tags readers don't understand as "paid" (FTC: #sp, #spon, #partner, "thanks"). Alone, they block.
AMBIGUOUS_HASHTAGS = frozenset(
    {
        "sp",
        "spon",
        "collab",
        "collaboration",
        "partner",
        "partnership",
        "brandpartner",
        "ambassador",
        "brandambassador",
        "thanks",
        "thankyou",
    }
)
GIFT_HASHTAGS = frozenset({"gifted", "gift", "prgift", "giftedby", "pr"})

# A hashtag is '#' + word characters, not glued to a word or a URL before it ("a#b", "site.com/#ad"); tags
# typed without spaces ("#hike#ad") are each a hashtag, as the platforms link them.
_HASHTAG_RUN = re.compile(r"(?<![\w#&/])#\w+(?:#\w+)*")
_MENTION = re.compile(r"(?<![\w@])@([\w.]*\w)")
TRAILING_BLOCK_MIN = 3  # hashtags in a run at the end before readers treat it as a tag cloud


# --- the brand's adjustments ----------------------------------------------------------------------


@dataclass(frozen=True)
class DisclosurePolicySettings:
    """A brand's adjustments, stored as JSON in DisclosurePolicy.settings."""

    extra_terms: tuple[str, ...] = ()  # "#anuncio" (a hashtag) or "Werbung:" (a phrase)
    extra_ambiguous_tags: tuple[str, ...] = ()  # "#gifted", "#brandfriend"
    truncation_overrides: Mapping[str, int] = field(default_factory=dict)  # platform → characters shown
    missing_required_blocks: bool = False  # a missing brief hashtag or mention blocks instead of warning
    strict_placement: bool = False  # a disclosure after the cut or only in the hashtag block blocks

    def to_json(self) -> dict[str, Any]:
        return {
            "extra_terms": list(self.extra_terms),
            "extra_ambiguous_tags": list(self.extra_ambiguous_tags),
            "truncation_overrides": dict(self.truncation_overrides),
            "missing_required_blocks": self.missing_required_blocks,
            "strict_placement": self.strict_placement,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | None) -> DisclosurePolicySettings:
        """Tolerant of missing keys (older rows) and of JSONB handed over as text."""
        if isinstance(data, str):
            data = json.loads(data) if data else {}
        data = data or {}
        overrides = {
            str(platform): int(chars)
            for platform, chars in dict(data.get("truncation_overrides") or {}).items()
            if str(chars).isdigit() and int(chars) > 0
        }
        return cls(
            extra_terms=tuple(str(t) for t in data.get("extra_terms") or ()),
            extra_ambiguous_tags=tuple(str(t) for t in data.get("extra_ambiguous_tags") or ()),
            truncation_overrides=overrides,
            missing_required_blocks=bool(data.get("missing_required_blocks", False)),
            strict_placement=bool(data.get("strict_placement", False)),
        )

    @property
    def is_default(self) -> bool:
        return self == DisclosurePolicySettings()


TERMS_MAX = 30
TERM_MAX_CHARS = 60
_TERM_TAG = re.compile(r"^#\w{1,58}$")


def _form_items(text: str, *, split_spaces: bool) -> list[str]:
    parts = re.split(r"[\n,]+" if not split_spaces else r"[\s,]+", text)
    items: list[str] = []
    for raw in parts:
        item = " ".join(raw.split())
        if item and item.lower() not in (i.lower() for i in items):
            items.append(item)
    return items


def parse_policy_form(form: Mapping[str, str]) -> tuple[DisclosurePolicySettings | None, dict[str, str]]:
    """The brand's adjustments from the settings form, or field errors a person can act on."""
    errors: dict[str, str] = {}
    terms = _form_items(form.get("extra_terms", ""), split_spaces=False)
    if len(terms) > TERMS_MAX:
        errors["extra_terms"] = f"Add at most {TERMS_MAX} terms."
    for term in terms:
        if len(term) > TERM_MAX_CHARS:
            errors["extra_terms"] = f"Keep each term under {TERM_MAX_CHARS} characters (“{term[:20]}…”)."
        elif term.startswith("#") and not _TERM_TAG.match(term):
            errors["extra_terms"] = f"“{term}” is not a hashtag: use letters, digits or _ after the #."
        elif len(term.strip("#")) < 2:
            errors["extra_terms"] = f"“{term}” is too short to tell apart from other words."
        elif term.lstrip("#").lower() in AMBIGUOUS_HASHTAGS and term.startswith("#"):
            errors["extra_terms"] = f"{term} is one of the tags readers don't understand as advertising."
        if "extra_terms" in errors:
            break
    ambiguous = [
        t if t.startswith("#") else f"#{t}"
        for t in _form_items(form.get("extra_ambiguous_tags", ""), split_spaces=True)
    ]
    if len(ambiguous) > TERMS_MAX:
        errors["extra_ambiguous_tags"] = f"Add at most {TERMS_MAX} tags."
    for tag in ambiguous:
        if not _TERM_TAG.match(tag):
            errors["extra_ambiguous_tags"] = f"“{tag}” is not a hashtag: use letters, digits or _ after the #."
        elif tag[1:].lower() in DISCLOSURE_HASHTAGS:
            errors["extra_ambiguous_tags"] = f"{tag} is a clear disclosure; it can't be marked as unclear."
        elif tag.lower() in (t.lower() for t in terms):
            errors["extra_ambiguous_tags"] = f"{tag} is also in your accepted terms; keep it in one list."
        if "extra_ambiguous_tags" in errors:
            break
    overrides: dict[str, int] = {}
    for platform in CUTTING_PLATFORMS:
        rules = PLATFORM_RULES[platform]
        raw = form.get(f"truncate_{platform}", "").strip()
        if not raw:
            continue
        if not raw.isdigit() or not TRUNCATION_MIN <= int(raw) <= TRUNCATION_MAX:
            errors[f"truncate_{platform}"] = (
                f"Give a number of characters between {TRUNCATION_MIN} and {TRUNCATION_MAX}, or leave it empty "
                f"for {rules.visible_chars}."
            )
        elif int(raw) != rules.visible_chars:
            overrides[platform] = int(raw)
    if errors:
        return None, errors
    return (
        DisclosurePolicySettings(
            extra_terms=tuple(terms),
            extra_ambiguous_tags=tuple(ambiguous),
            truncation_overrides=overrides,
            missing_required_blocks=form.get("missing_required_blocks") in ("1", "on", "true"),
            strict_placement=form.get("strict_placement") in ("1", "on", "true"),
        ),
        {},
    )


def policy_to_form(policy: DisclosurePolicySettings) -> dict[str, str]:
    """The settings form's fields for a stored policy (the inverse of parse_policy_form)."""
    form = {
        "extra_terms": "\n".join(policy.extra_terms),
        "extra_ambiguous_tags": " ".join(policy.extra_ambiguous_tags),
        "missing_required_blocks": "1" if policy.missing_required_blocks else "",
        "strict_placement": "1" if policy.strict_placement else "",
    }
    for platform, chars in policy.truncation_overrides.items():
        form[f"truncate_{platform}"] = str(chars)
    return form


# --- the result -----------------------------------------------------------------------------------

VERDICT_LABELS: dict[str, str] = {
    "pass": "Pass: disclosure looks right",
    "warn": "Warning: check before posting",
    "block": "Blocked: fix before this can be approved",
}
SEVERITY_LABELS: dict[str, str] = {"info": "Note", "warn": "Warning", "block": "Must fix"}
_RANK = {"info": 0, "pass": 0, "warn": 1, "block": 2}


@dataclass(frozen=True)
class Finding:
    code: str  # stable, for tests and for anyone filtering: see the codes in check_caption
    severity: Severity
    message: str  # what to do, in the creator's words

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]


@dataclass(frozen=True)
class DisclosureResult:
    verdict: Verdict
    findings: tuple[Finding, ...] = ()
    needs_spoken_confirmation: bool = False
    platform: str = ""
    kind: str = ""

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    @property
    def blocks(self) -> bool:
        return self.verdict == "block"

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_json(self) -> dict[str, Any]:
        """What Draft.disclosure_findings stores (Draft.disclosure_result holds the verdict too)."""
        return {
            "version": 1,
            "verdict": self.verdict,
            "findings": [{"code": f.code, "severity": f.severity, "message": f.message} for f in self.findings],
            "needs_spoken_confirmation": self.needs_spoken_confirmation,
            "platform": self.platform,
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | list[Any] | str | None) -> DisclosureResult:
        """A stored result; a bare list of findings (the column's default) is read too."""
        if isinstance(data, str):
            data = json.loads(data) if data else {}
        if isinstance(data, list):
            data = {"findings": data}
        data = data or {}
        findings = tuple(
            Finding(str(f.get("code", "")), _severity(f.get("severity")), str(f.get("message", "")))
            for f in data.get("findings") or ()
            if isinstance(f, Mapping)
        )
        verdict = data.get("verdict")
        return cls(
            verdict=verdict if verdict in VERDICT_LABELS else _verdict_of(findings),
            findings=findings,
            needs_spoken_confirmation=bool(data.get("needs_spoken_confirmation", False)),
            platform=str(data.get("platform", "")),
            kind=str(data.get("kind", "")),
        )


def _severity(value: object) -> Severity:
    return value if value in ("info", "warn", "block") else "info"


def _verdict_of(findings: Iterable[Finding]) -> Verdict:
    worst = max((_RANK[f.severity] for f in findings), default=0)
    return ("pass", "warn", "block")[worst]


def with_confirmation(result: DisclosureResult, confirmed: bool) -> DisclosureResult:
    """The result once the creator's on-screen and spoken confirmation is known (adds why it blocks)."""
    if not result.needs_spoken_confirmation or confirmed:
        return result
    finding = Finding(
        "spoken_disclosure_unconfirmed",
        "block",
        "Confirm that the video shows the disclosure on screen and says it out loud "
        "(for example “this is an ad for …” at the start).",
    )
    findings = (*result.findings, finding)
    return DisclosureResult(_verdict_of(findings), findings, True, result.platform, result.kind)


def final_verdict(result: DisclosureResult, confirmed: bool) -> Verdict:
    """The verdict that decides approval: an unconfirmed video or story is a 'block'."""
    return with_confirmation(result, confirmed).verdict


# --- the check --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    text: str


def _hashtags(caption: str) -> list[tuple[int, int, str]]:
    """(start, end, tag without '#') for every hashtag in the caption."""
    found = []
    for run in _HASHTAG_RUN.finditer(caption):
        for m in re.finditer(r"#(\w+)", run.group()):
            found.append((run.start() + m.start(), run.start() + m.end(), m.group(1)))
    return found


def _norm_tag(tag: str) -> str:
    return tag.strip().lstrip("#").lower()


def _norm_mention(handle: str) -> str:
    return handle.strip().lstrip("@").rstrip(".").lower()


def _line_of(caption: str, offset: int) -> int:
    return caption.count("\n", 0, offset)


def _trailing_block_start(caption: str) -> int | None:
    """Where the run of 3+ hashtags (with mentions and punctuation between) that ends the caption starts."""
    start: int | None = None
    hashtags = 0
    for token in reversed(list(re.finditer(r"\S+", caption))):
        word = token.group().strip(".,;:!?·•|-–—()[]")
        if re.fullmatch(r"(#\w+)+", word):
            hashtags += word.count("#")
        elif word and not word.startswith("@"):  # mentions and separators sit inside tag clouds too
            break
        start = token.start()
    if start is None or hashtags < TRAILING_BLOCK_MIN:
        return None
    return start


def _phrase_hits(caption: str, phrases: Iterable[str]) -> list[_Hit]:
    hits: list[_Hit] = []
    for phrase in phrases:
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(word) for word in phrase.split()) + r"(?!\w)"
        hits += [
            _Hit(m.start(), m.end(), m.group())
            for m in re.finditer(pattern, caption, re.IGNORECASE)
            if not _NEGATED.search(caption[max(0, m.start() - 12) : m.start()])
        ]
    return hits


def check_caption(
    caption: str,
    *,
    platform: str,
    kind: str,
    required_hashtags: Iterable[str] = (),
    required_mentions: Iterable[str] = (),
    brand_handle: str | None = None,
    policy: DisclosurePolicySettings | None = None,
    content_type: str = "",
) -> DisclosureResult:
    """Check a caption for a clear, visible disclosure and the brief's hashtags and mentions.

    Finding codes: disclosure_missing, ambiguous_only, gift_only, after_truncation, in_hashtag_block,
    partnership_other_brand, ambiguous_with_disclosure, missing_hashtag, missing_mention,
    story_on_screen, disclosure_found.
    """
    policy = policy or DisclosurePolicySettings()
    rules = platform_rules(platform, policy)
    caption = caption or ""
    findings: list[Finding] = []

    extra_tags = {_norm_tag(t) for t in policy.extra_terms if t.startswith("#")}
    extra_phrases = [t for t in policy.extra_terms if not t.startswith("#")]
    clear_tags = DISCLOSURE_HASHTAGS | extra_tags
    ambiguous_tags = (AMBIGUOUS_HASHTAGS | {_norm_tag(t) for t in policy.extra_ambiguous_tags}) - clear_tags
    gift_tags = GIFT_HASHTAGS - clear_tags - ambiguous_tags

    hashtags = _hashtags(caption)
    disclosures = [_Hit(s, e, f"#{tag}") for s, e, tag in hashtags if tag.lower() in clear_tags]
    disclosures += _phrase_hits(caption, (*DISCLOSURE_PHRASES, *extra_phrases))
    if m := _AD_PREFIX.match(caption):
        disclosures.append(_Hit(m.start(), m.end(), m.group().strip()))
    disclosures += [_Hit(m.start(), m.end(), m.group()) for m in _AD_BRACKETS.finditer(caption)]
    disclosures.sort(key=lambda hit: hit.start)
    ambiguous = [f"#{tag}" for _s, _e, tag in hashtags if tag.lower() in ambiguous_tags]
    gifts = [f"#{tag}" for _s, _e, tag in hashtags if tag.lower() in gift_tags]
    suggestion = f"#ad or “Paid partnership with @{brand_handle.lstrip('@')}”" if brand_handle else "#ad"
    placement: Severity = "block" if policy.strict_placement else "warn"

    spoken = asks_for_spoken_disclosure(kind, content_type or _kind_media(kind))
    story_without_caption = kind == "story" and not caption.strip()

    if story_without_caption:
        findings.append(
            Finding(
                "story_on_screen",
                "info",
                "Stories have no caption to check: put #ad or “Paid partnership” on screen for the whole story.",
            )
        )
    elif not disclosures:
        if ambiguous:
            findings.append(
                Finding(
                    "ambiguous_only",
                    "block",
                    f"{', '.join(dict.fromkeys(ambiguous))} doesn't tell readers this is paid. "
                    f"Add {suggestion} at the start of the {rules.where}.",
                )
            )
        elif gifts:
            findings.append(
                Finding(
                    "gift_only",
                    "warn",
                    f"{gifts[0]} says the product was free, not that you were paid. "
                    f"If this is a paid partnership, add {suggestion} at the start of the {rules.where}.",
                )
            )
        else:
            findings.append(
                Finding(
                    "disclosure_missing",
                    "block",
                    f"Add {suggestion} at the start of the {rules.where}: readers must see it's an ad.",
                )
            )
    else:
        first = disclosures[0]
        visible = first.end <= rules.visible_chars and (
            rules.visible_lines is None or _line_of(caption, first.start) < rules.visible_lines
        )
        block_start = _trailing_block_start(caption)
        in_block = (
            block_start is not None
            and caption[:block_start].strip() != ""  # a caption that is only tags has nothing to skip to
            and all(hit.start >= block_start for hit in disclosures)
        )
        if rules.cuts and not visible:
            lines = f" ({rules.visible_lines} lines)" if rules.visible_lines else ""
            findings.append(
                Finding(
                    "after_truncation",
                    placement,
                    f"Move {first.text} into the first {rules.visible_chars} characters{lines} — "
                    f"{rules.label} cuts the {rules.where} there and people may not tap “more”.",
                )
            )
        elif in_block:
            findings.append(
                Finding(
                    "in_hashtag_block",
                    placement,
                    f"{first.text} is only in the hashtags at the end, which readers skip. "
                    f"Put it at the start of the {rules.where}.",
                )
            )
        else:
            findings.append(Finding("disclosure_found", "info", f"Disclosure found: {first.text}."))
        if brand_handle:
            named = [_norm_mention(m.group(1)) for m in _PARTNERSHIP_WITH.finditer(caption)]
            wanted = _norm_mention(brand_handle)
            if named and wanted not in named:
                findings.append(
                    Finding(
                        "partnership_other_brand",
                        "warn",
                        f"“Paid partnership with @{named[0]}” names another account; this deal is with @{wanted}.",
                    )
                )
        if ambiguous:
            findings.append(
                Finding(
                    "ambiguous_with_disclosure",
                    "info",
                    f"{', '.join(dict.fromkeys(ambiguous))} alone wouldn't be enough; your {first.text} covers it.",
                )
            )

    present_tags = {tag.lower() for _s, _e, tag in hashtags}
    present_mentions = {_norm_mention(m.group(1)) for m in _MENTION.finditer(caption)}
    missing: Severity = "block" if policy.missing_required_blocks else "warn"
    where = "on the story (text or sticker)" if story_without_caption else f"to the {rules.where}"
    # "Add #ad at the start" already asks for a required #ad: one line per problem, not two.
    asked = " ".join(f.message for f in findings if f.code in ("disclosure_missing", "ambiguous_only", "gift_only"))
    for tag in dict.fromkeys(required_hashtags):
        if _norm_tag(tag) in clear_tags and re.search(rf"#{re.escape(_norm_tag(tag))}\b", asked, re.IGNORECASE):
            continue
        if _norm_tag(tag) and _norm_tag(tag) not in present_tags:
            findings.append(
                Finding("missing_hashtag", missing, f"Add #{_norm_tag(tag)} {where}: the brief asks for it.")
            )
    for handle in dict.fromkeys(required_mentions):
        if _norm_mention(handle) and _norm_mention(handle) not in present_mentions:
            findings.append(
                Finding("missing_mention", missing, f"Mention @{_norm_mention(handle)} {where}: the brief asks for it.")
            )

    return DisclosureResult(_verdict_of(findings), tuple(findings), spoken, platform, kind)


def _kind_media(kind: str) -> str:
    """A deliverable that only takes video is a video, whatever file is finally uploaded."""
    if all(t.startswith("video/") for t in media_limits(kind).content_types):
        return "video/"
    return ""


# --- the rules in plain words (the settings page) --------------------------------------------------


@dataclass(frozen=True)
class RuleSummary:
    platform: str
    label: str
    sentences: tuple[str, ...]


def describe_rules(policy: DisclosurePolicySettings | None = None) -> list[RuleSummary]:
    """What each platform's check asks for, in plain words, with the brand's adjustments applied."""
    policy = policy or DisclosurePolicySettings()
    placement = "blocks" if policy.strict_placement else "is a warning"
    summaries = []
    for platform in PLATFORM_RULES:
        rules = platform_rules(platform, policy)
        lines = f" or {rules.visible_lines} lines" if rules.visible_lines else ""
        if rules.cuts:
            where = (
                f"{rules.label} shows about the first {rules.visible_chars} characters{lines} of the "
                f"{rules.where} before “more”: the disclosure must be there (otherwise it {placement})."
            )
        else:
            where = f"{rules.label} shows the whole {rules.where} (up to {rules.visible_chars} characters)."
        summaries.append(RuleSummary(platform, rules.label, (where,)))
    return summaries


def accepted_terms(policy: DisclosurePolicySettings | None = None) -> list[str]:
    """Every accepted disclosure term, for showing people (defaults then the brand's)."""
    policy = policy or DisclosurePolicySettings()
    defaults = [f"#{t}" for t in sorted(DISCLOSURE_HASHTAGS)] + [f"“{p}”" for p in DISCLOSURE_PHRASES]
    return [*defaults, "“Ad:” at the start", "[ad]", *policy.extra_terms]


def unclear_tags(policy: DisclosurePolicySettings | None = None) -> list[str]:
    policy = policy or DisclosurePolicySettings()
    return [f"#{t}" for t in sorted(AMBIGUOUS_HASHTAGS)] + list(policy.extra_ambiguous_tags)
