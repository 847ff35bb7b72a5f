"""Fill a database with a realistic large data set for the query benchmarks (bench/query_bench.py).

Run from the repository root:

    uv run python bench/generate_data.py                       # 100,000 creators, 1,000,000 deliverables
    uv run python bench/generate_data.py --creators 20000 --deliverables 200000 --seed 7
    uv run python bench/generate_data.py --database-url postgresql://... --replace

Without --database-url it starts a dedicated embedded PostgreSQL with its data in ./var/bench-pgdata
(database `rapport_bench`, never the demo's var/pgdata), applies the migrations, empties the tables
and fills them. Everything is set-based SQL (INSERT … SELECT over generate_series) drawing from
random() after setseed(), so the same --seed gives the same data on the same day (dates are placed
around today so that "overdue" and "this month" mean something). A progress line is printed per stage.

What it makes (shares are of the creators, "big" is the brand holding most of the data):

- 3 brands (Northwind Outdoor is the big one) with staff: owners, managers, a reviewer, finance, a viewer;
  password for all of them: rapport-bench-2026 (owners also need TOTP, so sign in as a manager).
- creators: names from 100 first and 100 last names, skewed so some are common and some rare; 80%
  signed up (95% of those onboarded, 90% open to offers), 20% prospects a brand added; 0.5% deleted;
  countries and niches from skewed lists;
- social identities: one primary platform per creator (Instagram 45%, TikTok 28%, YouTube 15%, X 8%,
  Twitch 4%) plus others with some probability; log-normal follower counts (a creator-wide popularity
  plus a per-account spread) and engagement per post falling with size; 3% hide their count;
- the search projection (followers_total, tier, engagement_bp, platforms, search_text) computed in
  one UPDATE with the same meaning as shared.creators.projection;
- relationships: the big brand knows 45% of creators, the others 12% and 3%; every prospect belongs to
  a brand; stages, owners (or unassigned) and 0–3 tags spread;
- campaigns (~400 at full size) spread over the last two years and the next months, each with
  1–3 published brief versions (5% drafts with an unpublished brief and no offers);
- collaborations: unique per campaign × creator, drawn from the brand's relationships (active and
  alumni creators get more), statuses by the campaign's phase; terms, agreed terms, offer revisions and
  the shipment an accepted offer creates;
- deliverables (exactly --deliverables): 1–5 per agreed collaboration, statuses by the collaboration's,
  draft/go-live dates inside the campaign window, due_on by shared.collaborations.rules.deliverable_due_on
  (so live and verified ones have none), overdue ones where the dates passed.

Then VACUUM ANALYZE, so the planner and the visibility map look like a database that has been running.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `shared` and `piccolo_conf` live at the repository root

BENCH_PGDATA = ROOT / "var" / "bench-pgdata"
BENCH_DATABASE = "rapport_bench"
BENCH_PASSWORD = "rapport-bench-2026"
BIG_BRAND_SLUG = "northwind"

# (id, name, slug, currency, share of creators it has a relationship with, share of collaborations)
BRANDS = [
    (1, "Northwind Outdoor", BIG_BRAND_SLUG, "USD", 0.45, 0.85),
    (2, "Globex Beauty", "globex-beauty", "EUR", 0.12, 0.12),
    (3, "Initech Games", "initech-games", "GBP", 0.03, 0.03),
]
# (brand id, local part, name, role)
STAFF = [
    (1, "olivia", "Olivia Owner", "owner"),
    (1, "bob", "Bob Manager", "manager"),
    (1, "maya", "Maya Manager", "manager"),
    (1, "tom", "Tom Manager", "manager"),
    (1, "ines", "Ines Manager", "manager"),
    (1, "kofi", "Kofi Manager", "manager"),
    (1, "rhea", "Rhea Reviewer", "reviewer"),
    (1, "fran", "Fran Finance", "finance"),
    (1, "vic", "Vic Viewer", "viewer"),
    (2, "gaia", "Gaia Owner", "owner"),
    (2, "lou", "Lou Manager", "manager"),
    (2, "sam", "Sam Manager", "manager"),
    (2, "remy", "Remy Reviewer", "reviewer"),
    (3, "ivan", "Ivan Owner", "owner"),
    (3, "noor", "Noor Manager", "manager"),
]

# Earlier names are picked more often (the picks are skewed towards the start of each list).
FIRST_NAMES = (  # noqa: SIM905 (a word list reads better as text)
    "Anna Maria Emma Sofia Mia Olivia Lena Laura Sara Julia Chloe Lucas Noah Liam Leo Max Luca Adam Ben "
    "Tom Daniel David James Alex Sam Nina Eva Lea Zoe Ella Ava Isla Grace Ruby Lily Hannah Joanna Marta "
    "Elena Ines Carlos Diego Mateo Pablo Hugo Louis Arthur Jules Felix Oscar Theo Ethan Ryan Jack Harry "
    "Mohammed Omar Ali Yusuf Amir Aisha Fatima Layla Noor Priya Ananya Rohan Arjun Kavya Mei Yuki Hana "
    "Sora Haruto Min Jisoo Seo Wei Lin Chen Thanh Linh Kwame Ama Kofi Zanele Thabo Amara Chidi Ngozi Ola "
    "Ingrid Astrid Freya Sven Bjorn Oskar Xiomara Quentin Zbigniew"
).split()
LAST_NAMES = (  # noqa: SIM905 (a word list reads better as text)
    "Smith Garcia Martin Muller Rossi Silva Nguyen Kim Lee Brown Johnson Williams Jones Miller Davis "
    "Lopez Gonzalez Wilson Anderson Taylor Thomas Moore Jackson White Harris Clark Lewis Walker Hall "
    "Young Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Schmidt Schneider Fischer "
    "Weber Meyer Wagner Becker Dubois Bernard Petit Durand Leroy Moreau Laurent Ferrari Esposito Bianchi "
    "Romano Costa Santos Oliveira Pereira Almeida Fernandes Kowalski Nowak Wisniewski Jansen Visser "
    "Bakker Larsen Nielsen Hansen Johansson Andersson Tanaka Suzuki Takahashi Sato Park Choi Wang Zhang "
    "Liu Singh Patel Sharma Khan Ahmed Hassan Mensah Okafor Adeyemi Mwangi Dlamini Novak Horvat "
    "Papadopoulos Yilmaz Kuznetsov Quispe Zbikowski"
).split()
COUNTRIES = (  # noqa: SIM905 (a word list reads better as text)
    "US GB DE FR BR IN CA ES IT MX AU NL JP PL SE TR KR ID PH NG ZA AR CO PT BE AT CH IE NO DK"
).split()
NICHES = (  # noqa: SIM905 (a word list reads better as text)
    "beauty fashion fitness food travel gaming tech parenting outdoors lifestyle wellness home diy music "
    "comedy finance education pets cars sports photography books art sustainability skincare vegan "
    "running cycling hiking esports"
).split()
TAGS = (  # noqa: SIM905 (a word list reads better as text)
    "priority summer-launch gifting ugc ambassador long-term video-first high-roi needs-contract eu "
    "holiday launch fitness-push bilingual pet-friendly repeat agency-managed outdoors-q3 do-not-contact "
    "vip"
).split()
CAMPAIGN_THEMES = (  # noqa: SIM905 (a word list reads better as text)
    "Trail Launch,Summer Gear,Winter Layers,Back to School,Holiday Gifting,Spring Refresh,"
    "Festival Season,Black Friday,New Year Goals,Earth Day,Product Drop,Ambassador Program,"
    "Creator Collective,Road Trip,Camp Kitchen,Rain Ready,City Explorer,Family Weekend,Peak Season,"
    "Always On"
).split(",")
DELIVERABLE_TITLES = (  # noqa: SIM905 (a word list reads better as text)
    "Unboxing,First impressions,Tutorial,Day in the life,Review,Get ready with me,Behind the scenes,"
    "Challenge,Q&A,Outfit of the day,Haul,Live demo,Travel diary,Top 5,Before and after"
).split(",")

# Share of collaborations by status for campaigns that ended, and for current or future ones.
# The first group has no deliverables (nothing was agreed), the second froze terms and owes deliverables.
PAST_STATUSES = [
    ("declined", 0.08),
    ("withdrawn", 0.04),
    ("completed", 0.80),
    ("cancelled", 0.05),
    ("in_progress", 0.03),
]
CURRENT_STATUSES = [
    ("invited", 0.12),
    ("countered", 0.06),
    ("declined", 0.06),
    ("withdrawn", 0.02),
    ("accepted", 0.14),
    ("contracted", 0.12),
    ("in_progress", 0.45),
    ("cancelled", 0.03),
]
AGREED = ("accepted", "contracted", "in_progress", "completed", "cancelled")
# Mean deliverables per agreed collaboration with the 1-5 spread drawn below (30/30/20/12/8 %).
MEAN_DELIVERABLES = 2.38


@dataclass(frozen=True)
class Params:
    creators: int = 100_000
    deliverables: int = 1_000_000
    campaigns: int | None = None  # default: from the deliverables (400 at full size, at least 40)
    seed: int = 42

    @property
    def campaign_count(self) -> int:
        return self.campaigns or max(40, min(400, self.deliverables // 2500))


Progress = Callable[[str], None]


def _cases(column: str, weights: list[tuple[str, float]]) -> str:
    """SQL CASE picking a label by cumulative weight from a uniform random `column`."""
    total = sum(w for _, w in weights)
    parts, edge = [], 0.0
    for label, weight in weights[:-1]:
        edge += weight / total
        parts.append(f"WHEN {column} < {edge:.6f} THEN '{label}'")
    return f"CASE {' '.join(parts)} ELSE '{weights[-1][0]}' END"


def _status_case() -> str:
    return f"CASE WHEN p.past THEN {_cases('u_status', PAST_STATUSES)} ELSE {_cases('u_status', CURRENT_STATUSES)} END"


# Pick element 1..n of an array, skewed towards the start when the exponent is above 1.
PICK = "(1 + floor(power({u}, {skew}) * cardinality({arr}))::int)"


def pick(arr: str, u: str, skew: float = 1.0) -> str:
    return f"({arr})[{PICK.format(u=u, skew=skew, arr=arr)}]"


# A standard normal variate from two uniforms (Box–Muller).
def normal(u1: str, u2: str) -> str:
    return f"(sqrt(-2 * ln(1 - {u1})) * cos(2 * pi() * {u2}))"


SQL_CREATORS = f"""
CREATE TEMP TABLE g_creator AS
SELECT i, random() AS u_src, random() AS u_open, random() AS u_onb, random() AS u_del, random() AS u_first,
       random() AS u_last, random() AS u_country, random() AS u_n1, random() AS u_n2, random() AS u_n3,
       random() AS u_nn, random() AS u_digits, random() AS u_sep, random() AS u_created, random() AS u_rate,
       random() AS u_wants, random() AS u_primary, random() AS u_pop1, random() AS u_pop2, random() AS u_brand,
       random() AS u_b1, random() AS u_b2, random() AS u_b3
FROM generate_series(1, $1::int) AS i;

INSERT INTO creator (id, display_name, email, country, niches, bio, open_to_offers, created_at, onboarded_at,
                     rate_minor, rate_currency, wants, content_preferences, deleted_at, source)
SELECT i,
       CASE WHEN u_del < 0.005 THEN 'Deleted creator' ELSE first || ' ' || last END,
       CASE WHEN u_src < 0.8 AND u_del >= 0.005 THEN 'creator' || i || '@bench.test' END,
       CASE WHEN u_country < 0.97 THEN {pick("$2::text[]", "u_country", 2.2)} END,
       array_remove(ARRAY[n1, CASE WHEN u_nn < 0.6 AND n2 <> n1 THEN n2 END,
                              CASE WHEN u_nn < 0.25 AND n3 <> n1 AND n3 <> n2 THEN n3 END], NULL),
       CASE WHEN u_src < 0.8 THEN 'Creating about ' || n1 || ' since ' || (2012
           + floor(u_created * 12))::int ELSE '' END,
       u_open < 0.9,
       created,
       CASE WHEN u_src < 0.8 AND u_onb < 0.95 THEN created + interval '20 minutes' END,
       CASE WHEN u_src < 0.8 AND u_rate < 0.7 THEN (50 + floor(u_rate * 3000))::int * 100 END,
       'USD',
       CASE WHEN u_src >= 0.8 THEN '{{}}'::varchar[]
            WHEN u_wants < 0.5 THEN ARRAY['money']::varchar[]
            WHEN u_wants < 0.8 THEN ARRAY['money', 'product']::varchar[]
            ELSE ARRAY['money', 'product', 'exposure']::varchar[] END,
       '',
       CASE WHEN u_del < 0.005 THEN created + interval '200 days' END,
       CASE WHEN u_src < 0.8 THEN 'signup' ELSE 'prospect' END
FROM (
    SELECT g.*,
           {pick("$3::text[]", "u_first", 1.8)} AS first,
           {pick("$4::text[]", "u_last", 1.6)} AS last,
           {pick("$5::text[]", "u_n1", 1.5)} AS n1,
           {pick("$5::text[]", "u_n2", 1.5)} AS n2,
           {pick("$5::text[]", "u_n3", 1.5)} AS n3,
           now() - (u_created * 1100) * interval '1 day' AS created
    FROM g_creator g
) named;
"""

# Primary platform by share; any other platform is added with its own probability.
PLATFORM_MIX = [
    # provider, primary share, extra probability, follower factor
    ("instagram", 0.45, 0.35, 1.0),
    ("tiktok", 0.28, 0.30, 1.3),
    ("youtube", 0.15, 0.20, 0.6),
    ("x", 0.08, 0.15, 0.5),
    ("twitch", 0.04, 0.05, 0.25),
]


def _platform_values() -> str:
    rows, low = [], 0.0
    for provider, share, extra, factor in PLATFORM_MIX:
        rows.append(f"('{provider}', {low:.4f}, {low + share:.4f}, {extra}, {factor})")
        low += share
    return ", ".join(rows)


SQL_IDENTITIES = f"""
INSERT INTO social_identity (creator, provider, subject, handle, followers, followers_read_at, followers_source,
                             engagements_per_post, created_at, profile_url, scopes, status, last_refreshed_at)
SELECT creator, provider, provider || '-bench-' || creator,
       left(base_handle || CASE WHEN u_suffix < 0.15 THEN '.' || provider WHEN u_suffix < 0.2
           THEN '_official' ELSE '' END, 100),
       followers, now() - u_read * interval '30 days', provider,
       CASE WHEN followers IS NULL OR u_eng_null < 0.08 THEN NULL
            ELSE greatest(0, round(followers * least(0.3, greatest(0.001,
                 exp(ln(0.035) - 0.12 * ln(followers / 1000.0 + 1) + 0.5 * {normal("u_e1", "u_e2")})))))::int END,
       created, 'https://' || provider || '.example/' || base_handle, 'profile', CASE WHEN u_status < 0.03
           THEN 'reconnect_needed' ELSE 'active' END,
       now() - u_read * interval '30 days'
FROM (
    SELECT r.*,
           CASE WHEN u_hidden < 0.03 THEN NULL
                ELSE least(2000000000, greatest(0, round(factor * exp(ln(5000) + 1.85 * pop
                    + 0.75 * {normal("u_f1", "u_f2")}))))::int
           END AS followers
    FROM (
        SELECT c.id AS creator, c.created_at AS created, p.provider, p.factor,
               lower(replace(split_part(c.display_name, ' ', 1), ' ', ''))
                   || (ARRAY['.', '_', '', '.the.'])[1 + floor(g.u_sep * 4)::int]
                   || lower(split_part(c.display_name, ' ', 2))
                   || CASE WHEN g.u_digits < 0.55 THEN (floor(g.u_digits * 1800)
                       + 1)::int::text ELSE '' END AS base_handle,
               {normal("g.u_pop1", "g.u_pop2")} AS pop,
               random() AS u_inc, random() AS u_suffix, random() AS u_hidden, random() AS u_f1, random() AS u_f2,
               random() AS u_eng_null, random() AS u_e1, random() AS u_e2, random() AS u_read, random() AS u_status,
               (g.u_primary >= p.low AND g.u_primary < p.high) AS is_primary, p.extra
        FROM creator c
        JOIN g_creator g ON g.i = c.id
        CROSS JOIN (VALUES {_platform_values()}) AS p(provider, low, high, extra, factor)
        ORDER BY c.id, p.provider
        OFFSET 0
    ) r
    WHERE is_primary OR u_inc < extra
    OFFSET 0
) x;
"""

# The projection of shared.creators.projection, for every creator at once.
SQL_PROJECTION = """
UPDATE creator c SET
    followers_total = agg.followers,
    engagement_bp = agg.engagement_bp,
    platforms = agg.platforms,
    tier = CASE
        WHEN agg.followers >= 1000000 THEN 'mega'
        WHEN agg.followers >= 100000 THEN 'macro'
        WHEN agg.followers >= 10000 THEN 'micro'
        WHEN agg.followers >= 1000 THEN 'nano'
        ELSE '' END,
    search_text = lower(c.display_name || ' ' || agg.handles)
FROM (
    SELECT c2.id,
           COALESCE(sum(s.followers), 0) AS followers,
           CASE WHEN sum(s.followers) FILTER (WHERE s.engagements_per_post IS NOT NULL) > 0
                THEN (sum(s.engagements_per_post) FILTER (WHERE s.followers IS NOT NULL) * 10000
                      / sum(s.followers) FILTER (WHERE s.engagements_per_post IS NOT NULL))::int
           END AS engagement_bp,
           COALESCE(array_agg(DISTINCT s.provider) FILTER (WHERE s.provider IS NOT NULL), '{}') AS platforms,
           COALESCE(string_agg(s.handle, ' '), '') AS handles
    FROM creator c2 LEFT JOIN social_identity s ON s.creator = c2.id
    GROUP BY c2.id
) agg
WHERE c.id = agg.id
"""

STAGE_WEIGHTS = [
    ("prospect", 0.35),
    ("contacted", 0.18),
    ("negotiating", 0.10),
    ("active", 0.22),
    ("alumni", 0.10),
    ("paused", 0.05),
]
# How much more often a creator at this stage is in a campaign than an average one.
STAGE_CAMPAIGN_WEIGHT = (
    "CASE stage WHEN 'active' THEN 3.0 WHEN 'alumni' THEN 2.0 WHEN 'negotiating' THEN 1.0 "
    "WHEN 'paused' THEN 0.5 WHEN 'contacted' THEN 0.3 ELSE 0.05 END"
)

SQL_RELATIONSHIPS = f"""
INSERT INTO relationship (brand, creator, stage, owner, tags, created_at, last_interaction_at)
SELECT $1::int, id,
       CASE WHEN source = 'prospect' THEN CASE WHEN u_stage < 0.7 THEN 'prospect' ELSE 'contacted' END
            ELSE {_cases("u_stage", STAGE_WEIGHTS)} END,
       CASE WHEN u_owner < 0.3 THEN NULL ELSE {pick("$3::int[]", "u_owner2", 1.3)} END,
       array_remove(ARRAY[CASE WHEN u_tags < 0.55 THEN t1 END,
                          CASE WHEN u_tags < 0.25 AND t2 <> t1 THEN t2 END,
                          CASE WHEN u_tags < 0.08 AND t3 <> t1 AND t3 <> t2 THEN t3 END], NULL)::varchar[],
       rel_created, rel_created + u_last * (now() - rel_created)
FROM (
    SELECT c.id, c.source, random() AS u_stage, random() AS u_owner, random() AS u_owner2, random() AS u_tags,
           random() AS u_last,
           {pick("$4::text[]", "random()", 1.7)} AS t1, {pick("$4::text[]", "random()", 1.7)} AS t2,
           {pick("$4::text[]", "random()", 1.7)} AS t3,
           c.created_at + random() * (now() - c.created_at) AS rel_created
    FROM creator c JOIN g_creator g ON g.i = c.id
    WHERE (CASE $1::int WHEN 1 THEN g.u_b1 WHEN 2 THEN g.u_b2 ELSE g.u_b3 END) < $2::float8
       OR (c.source = 'prospect' AND (CASE WHEN g.u_brand < 0.8 THEN 1 WHEN g.u_brand < 0.95
           THEN 2 ELSE 3 END) = $1::int)
    ORDER BY c.id
    OFFSET 0
) x;
"""

SQL_CAMPAIGNS = """
CREATE TEMP TABLE g_campaign AS
SELECT id, brand, starts_on, starts_on + duration AS ends_on, draft,
       (starts_on + duration) < current_date AS past,
       exp(0.7 * sqrt(-2 * ln(1 - u_s1)) * cos(2 * pi() * u_s2)) AS size_weight,
       u_name, u_budget, u_versions, u_creator
FROM (
    SELECT id, brand, u_draft < 0.05 AS draft,
           CASE WHEN u_draft < 0.05 THEN current_date + (10 + floor(u_start * 90))::int
                ELSE current_date - 730 + floor(u_start * 850)::int END AS starts_on,
           (21 + floor(u_dur * 130))::int AS duration,
           u_s1, u_s2, u_name, u_budget, u_versions, u_creator
    FROM (
        SELECT i AS id,
               CASE WHEN i <= $2::int THEN 1 WHEN i <= $3::int THEN 2 ELSE 3 END AS brand,
               random() AS u_draft, random() AS u_start, random() AS u_dur, random() AS u_s1, random() AS u_s2,
               random() AS u_name, random() AS u_budget, random() AS u_versions, random() AS u_creator
        FROM generate_series(1, $1::int) AS i
        OFFSET 0
    ) r
) s;

INSERT INTO campaign (id, brand, name, objective, budget_minor, currency, starts_on, ends_on, status,
    created_by, created_at)
SELECT k.id, k.brand,
       ($4::text[])[1 + floor(k.u_name * cardinality($4::text[]))::int] || ' '
           || extract(year FROM k.starts_on) || ' #' || k.id,
       'Reach and sales for the season',
       (5000 + floor(k.u_budget * 495000))::bigint * 100,
       b.default_currency, k.starts_on, k.ends_on,
       CASE WHEN k.draft THEN 'draft'
            WHEN k.ends_on < current_date - 365 AND k.u_budget < 0.5 THEN 'archived'
            WHEN k.ends_on < current_date - 30 THEN 'completed'
            ELSE 'active' END,
       (SELECT m.staff FROM membership m WHERE m.brand = k.brand AND m.role IN ('owner', 'manager')
        ORDER BY m.staff OFFSET floor(k.u_creator * 2)::int LIMIT 1),
       k.starts_on - interval '21 days'
FROM g_campaign k JOIN brand b ON b.id = k.brand;

INSERT INTO brief_version (campaign, number, content, created_by, created_at, published_at)
SELECT k.id, v.n,
       jsonb_build_object(
           'objectives', 'Show the range in real use, version ' || v.n,
           'audience', 'People who ' || (ARRAY['hike', 'cook', 'train', 'travel', 'game'])[1 + (k.id % 5)] || ', 18-45',
           'key_messages', jsonb_build_array('Built to last', 'Made responsibly'),
           'dos', jsonb_build_array('Show the product in use', 'Tag us'),
           'donts', jsonb_build_array('No competitor products in shot'),
           'hashtags', jsonb_build_array('#ad', '#northwind'),
           'mentions', jsonb_build_array('@northwind'),
           'disclosure', 'Start the caption with #ad or use the platform''s paid-partnership label.',
           'timeline', 'Drafts a week before go-live',
           'assets', jsonb_build_array('https://assets.example/brand-kit'),
           'deliverables', jsonb_build_array(
               jsonb_build_object('kind', 'reel', 'platform', 'instagram', 'description', 'A 30-second reel'),
               jsonb_build_object('kind', 'video', 'platform', 'youtube', 'description', 'An honest review'))),
       c.created_by, k.starts_on - interval '20 days' + v.n * interval '2 days',
       CASE WHEN k.draft THEN NULL ELSE k.starts_on - interval '19 days' + v.n * interval '2 days' END
FROM g_campaign k
JOIN campaign c ON c.id = k.id
CROSS JOIN LATERAL generate_series(1, CASE WHEN k.draft THEN 1 ELSE 1 + floor(k.u_versions * 3)::int END) AS v(n);
"""

# Candidate pairs: every non-draft campaign × every live relationship of its brand, kept with a
# probability that gives about `target` collaborations per brand, more for big campaigns and for
# active or alumni creators. The caller trims the agreed ones down to exactly the deliverables asked for.
SQL_PAIRS = f"""
CREATE TEMP TABLE g_pair AS
WITH cw AS (
    SELECT id, brand, past, starts_on, ends_on, size_weight / sum(size_weight) OVER (PARTITION BY brand) AS share
    FROM g_campaign WHERE NOT draft
), rw AS (
    SELECT r.brand, r.creator, w / sum(w) OVER (PARTITION BY r.brand) AS share
    FROM (SELECT brand, creator, {STAGE_CAMPAIGN_WEIGHT} AS w FROM relationship) r
    JOIN creator c ON c.id = r.creator AND c.deleted_at IS NULL
), target AS (
    SELECT * FROM unnest($1::int[], $2::float8[]) AS t(brand, n)
)
SELECT cw.id AS campaign, cw.brand, rw.creator, cw.past, cw.starts_on, cw.ends_on
FROM cw JOIN rw ON rw.brand = cw.brand JOIN target t ON t.brand = cw.brand
WHERE random() < t.n * cw.share * rw.share
ORDER BY cw.id, rw.creator;

CREATE TEMP TABLE g_collab_all AS
SELECT campaign, brand, creator, past, starts_on, ends_on, status,
       CASE WHEN status IN {AGREED} OR status IN ('invited', 'countered', 'declined', 'withdrawn') THEN
           CASE WHEN u_n < 0.30 THEN 1 WHEN u_n < 0.60 THEN 2 WHEN u_n < 0.80 THEN 3 WHEN u_n < 0.92 THEN 4 ELSE 5 END
       END AS n_deliv,
       status IN {AGREED} AS agreed, u_order, u_fee, u_created, u_product
FROM (
    SELECT p.*, {_status_case()} AS status
    FROM (SELECT p.*, random() AS u_status, random() AS u_n, random() AS u_order, random() AS u_fee,
                 random() AS u_created, random() AS u_product
          FROM g_pair p ORDER BY campaign, creator OFFSET 0) p
) s;
"""

# Keep agreed collaborations (in a random order) until their deliverables add up to exactly $1 (the
# last one kept may get fewer), and the same share of the others, so the status spread stays the same.
SQL_TRIM = """
CREATE TEMP TABLE g_collab AS
WITH cum AS (
    SELECT a.*,
           COALESCE(sum(n_deliv) FILTER (WHERE agreed) OVER (
               ORDER BY u_order, campaign, creator ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
    FROM g_collab_all a
), cut AS (
    SELECT max(u_order) AS edge FROM cum WHERE agreed AND before < $1::int
)
SELECT row_number() OVER (ORDER BY campaign, creator)::int AS id, campaign, brand, creator, past, starts_on, ends_on,
       status, agreed, u_fee, u_created, u_product,
       (CASE WHEN agreed THEN least(n_deliv, $1::int - before) ELSE n_deliv END)::int AS n_deliv
FROM cum, cut
WHERE (agreed AND before < $1::int) OR (NOT agreed AND u_order <= cut.edge);
CREATE UNIQUE INDEX ON g_collab (id);
ANALYZE g_collab;
"""

# Deliverables of work in progress due around now (two weeks either side).
IN_PROGRESS_NOW = [
    ("pending", 0.25),
    ("draft_submitted", 0.2),
    ("changes_requested", 0.1),
    ("approved", 0.2),
    ("live", 0.15),
    ("verified", 0.1),
]

# The deliverables every collaboration's terms list (agreed ones become Deliverable rows).
SQL_PLAN = f"""
CREATE TEMP TABLE g_deliv AS
SELECT collaboration, brand, campaign, creator, position, agreed, collab_status, platform,
       CASE platform
           WHEN 'instagram' THEN (ARRAY['reel', 'post', 'story'])[1 + floor(u_kind * 3)::int]
           WHEN 'tiktok' THEN (ARRAY['short', 'video'])[1 + floor(u_kind * 2)::int]
           WHEN 'youtube' THEN (ARRAY['video', 'short'])[1 + floor(u_kind * 2)::int]
           WHEN 'twitch' THEN 'stream'
           ELSE 'post' END AS kind,
       title, draft_due, live_due, status,
       CASE WHEN status IN ('pending', 'draft_submitted', 'changes_requested') THEN COALESCE(draft_due, live_due)
            WHEN status = 'approved' THEN live_due END AS due_on
FROM (
    SELECT y.*,
           CASE WHEN u_draft < 0.2 THEN NULL ELSE live_due - (3 + floor(u_gap * 12))::int END AS draft_due,
           CASE
               WHEN NOT agreed THEN 'pending'
               WHEN collab_status = 'completed' THEN CASE WHEN u_stat < 0.85 THEN 'verified' ELSE 'live' END
               WHEN collab_status IN ('accepted', 'contracted') THEN
                   CASE WHEN u_stat < 0.80 THEN 'pending' WHEN u_stat < 0.95
                       THEN 'draft_submitted' ELSE 'changes_requested' END
               WHEN collab_status = 'cancelled' THEN
                   CASE WHEN u_stat < 0.60 THEN 'pending' WHEN u_stat < 0.80 THEN 'draft_submitted' ELSE 'approved' END
               -- in progress: what is long past is mostly done, what is far off mostly not started
               WHEN live_due < current_date - 14 THEN
                   CASE WHEN u_stat < 0.45 THEN 'verified' WHEN u_stat < 0.75 THEN 'live'
                       WHEN u_stat < 0.85 THEN 'approved'
                        WHEN u_stat < 0.93 THEN 'pending' WHEN u_stat < 0.97
                            THEN 'draft_submitted' ELSE 'changes_requested' END
               WHEN live_due > current_date + 14 THEN
                   CASE WHEN u_stat < 0.70 THEN 'pending' WHEN u_stat < 0.85 THEN 'draft_submitted'
                        WHEN u_stat < 0.92 THEN 'changes_requested' ELSE 'approved' END
               ELSE {_cases("u_stat", IN_PROGRESS_NOW)}
           END AS status
    FROM (
        SELECT x.*,
               {pick("x.platforms", "x.u_plat")} AS platform,
               x.starts_on + floor(x.u_live * greatest(1, x.ends_on - x.starts_on))::int
                   + (x.position - 1) * 3 AS live_due,
               {pick("$1::text[]", "x.u_title", 1.3)} AS title
        FROM (
            SELECT g.id AS collaboration, g.brand, g.campaign, g.creator, s.position, g.agreed,
                g.status AS collab_status,
                   g.starts_on, g.ends_on, CASE WHEN cardinality(c.platforms) > 0
                       THEN c.platforms ELSE ARRAY['instagram']::varchar[] END AS platforms,
                   random() AS u_plat, random() AS u_kind, random() AS u_live, random() AS u_draft, random() AS u_gap,
                   random() AS u_stat, random() AS u_title
            FROM g_collab g
            JOIN creator c ON c.id = g.creator
            CROSS JOIN LATERAL generate_series(1, g.n_deliv) AS s(position)
            ORDER BY g.id, s.position
            OFFSET 0
        ) x
    ) y
) z;
"""

# Terms as shared.collaborations.rules.Terms.to_json writes them; agreed collaborations froze theirs.
SQL_COLLABORATIONS = """
CREATE TEMP TABLE g_terms AS
SELECT g.id, g.fee_minor, b.default_currency AS currency,
       jsonb_build_object(
           'deliverables', d.items,
           'fee_minor', g.fee_minor,
           'currency', b.default_currency,
           'payments', jsonb_build_array(
               jsonb_build_object('milestone', 'signing', 'amount_minor', g.fee_minor / 2, 'condition', ''),
               jsonb_build_object('milestone', 'go_live', 'amount_minor', g.fee_minor - g.fee_minor / 2,
                   'condition', '')),
           'split', jsonb_build_array(50, 0, 50),
           'product', CASE WHEN g.u_product < 0.4 THEN 'Trail jacket, size M' ELSE '' END,
           'usage_rights', CASE WHEN g.u_product < 0.7 THEN 'Organic repost for 6 months' ELSE '' END,
           'exclusivity', '',
           'revision_rounds', 2,
           'review_days', 3) AS terms
FROM (
    SELECT g.*, (least(5000000, greatest(5000, round(c.followers_total * (0.6 + 0.8 * g.u_fee))))::bigint
                 * greatest(g.n_deliv, 1)) AS fee_minor
    FROM g_collab g JOIN creator c ON c.id = g.creator
) g
JOIN brand b ON b.id = g.brand
JOIN (
    SELECT collaboration, jsonb_agg(jsonb_build_object(
               'kind', kind, 'platform', platform, 'title', title,
               'draft_due', to_char(draft_due, 'YYYY-MM-DD'), 'live_due', to_char(live_due, 'YYYY-MM-DD'))
           ORDER BY position) AS items
    FROM g_deliv GROUP BY collaboration
) d ON d.collaboration = g.id;
CREATE UNIQUE INDEX ON g_terms (id);

INSERT INTO collaboration (id, brand, campaign, creator, status, brief_version, terms, terms_by, fee_minor, currency,
                           agreed_terms, agreed_at, decline_reason, created_by, created_at, updated_at)
SELECT g.id, g.brand, g.campaign, g.creator, g.status,
       (SELECT max(v.id) FROM brief_version v WHERE v.campaign = g.campaign AND v.published_at IS NOT NULL),
       t.terms, CASE WHEN g.status = 'countered' THEN 'creator' ELSE 'brand' END,
       t.fee_minor, t.currency,
       CASE WHEN g.agreed THEN t.terms END,
       CASE WHEN g.agreed THEN offered + interval '3 days' END,
       CASE WHEN g.status = 'declined' THEN 'Fully booked this season' ELSE '' END,
       k.created_by, offered, offered + interval '3 days'
FROM (SELECT g.*, g.starts_on - interval '14 days' + g.u_created * interval '10 days' AS offered FROM g_collab g) g
JOIN g_terms t ON t.id = g.id
JOIN campaign k ON k.id = g.campaign;
"""

# Every offer starts as the brand's revision 1; a counter-offer is the creator's revision 2.
SQL_REVISIONS_AND_SHIPMENTS = """
INSERT INTO offer_revision (collaboration, number, proposed_by, proposer_label, terms, note, created_at)
SELECT c.id, 1, 'brand', 'Brand team', c.terms, '', c.created_at FROM collaboration c;
INSERT INTO offer_revision (collaboration, number, proposed_by, proposer_label, terms, note, created_at)
SELECT c.id, 2, 'creator', 'Creator', c.terms, 'Could we do it for a little more?', c.created_at + interval '1 day'
FROM collaboration c WHERE c.status = 'countered';

-- Accepting an offer creates its shipment (product '' when nothing is seeded).
INSERT INTO shipment (collaboration, product, carrier, tracking_number, shipped_at, received_at)
SELECT c.id, c.agreed_terms->>'product',
       CASE WHEN c.agreed_terms->>'product' <> '' AND c.status IN ('in_progress', 'completed') THEN 'DHL' ELSE '' END,
       CASE WHEN c.agreed_terms->>'product' <> '' AND c.status IN ('in_progress', 'completed') THEN 'BENCH'
           || c.id ELSE '' END,
       CASE WHEN c.agreed_terms->>'product' <> '' AND c.status IN ('in_progress', 'completed')
           THEN c.agreed_at + interval '2 days' END,
       CASE WHEN c.agreed_terms->>'product' <> '' AND c.status = 'completed' THEN c.agreed_at + interval '5 days' END
FROM collaboration c WHERE c.agreed_terms IS NOT NULL;
"""

SQL_DELIVERABLES = """
INSERT INTO deliverable (collaboration, brand, campaign, creator, position, kind, platform, title, draft_due, live_due,
                         due_on, status, live_url, created_at, updated_at)
SELECT d.collaboration, d.brand, d.campaign, d.creator, d.position, d.kind, d.platform, d.title, d.draft_due,
    d.live_due,
       d.due_on, d.status,
       CASE WHEN d.status IN ('live', 'verified') THEN 'https://' || d.platform || '.example/p/'
           || d.collaboration || '-' || d.position ELSE '' END,
       c.agreed_at, c.agreed_at
FROM g_deliv d JOIN collaboration c ON c.id = d.collaboration
WHERE d.agreed
ORDER BY d.collaboration, d.position;
"""


async def _scalar(conn: asyncpg.Connection, sql: str, *args: object) -> int:
    value = await conn.fetchval(sql, *args)
    return int(value or 0)


async def _reset(conn: asyncpg.Connection) -> None:
    """Empty every table (the bench database holds nothing else), ids from 1 again."""
    from shared.db.piccolo_app import APP_CONFIG

    tables = [table._meta.tablename for table in APP_CONFIG.table_classes]
    jobs = await conn.fetch("SELECT tablename FROM pg_tables WHERE tablename LIKE 'procrastinate_%'")
    tables += [row["tablename"] for row in jobs]
    await conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


async def _stage(progress: Progress, name: str, run: Awaitable[str | None]) -> None:
    started = time.perf_counter()
    detail = await run
    progress(f"  {name:<28} {time.perf_counter() - started:7.1f} s  {detail or ''}".rstrip())


async def generate(dsn: str, params: Params, progress: Progress = print) -> dict[str, int]:
    """Empty the database at `dsn` and fill it with the data set; return the row count per table."""
    from shared.identity.passwords import hash_password

    conn = await asyncpg.connect(dsn)
    try:
        # One session, no parallel workers: random() then follows setseed() in a fixed order.
        await conn.execute(
            "SET synchronous_commit = off; SET max_parallel_workers_per_gather = 0; "
            "SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'; SET jit = off"
        )
        seed_step = iter(range(1, 1000))

        async def run(sql: str, *args: object, seed: bool = False) -> None:
            if seed:
                # A seed per stage keeps each stage's data the same even if an earlier stage changes.
                value = ((params.seed * 7919 + next(seed_step)) % 2000) / 1000 - 1
                await conn.execute(f"SELECT setseed({value})")
            for text, values in _statements(sql, args):
                await conn.execute(text, *values)

        async def reset() -> str:
            await _reset(conn)
            return ""

        async def brands_and_staff() -> str:
            await conn.executemany(
                "INSERT INTO brand (id, name, slug, default_currency, created_at) "
                "VALUES ($1, $2, $3, $4, now() - interval '3 years')",
                [(b[0], b[1], b[2], b[3]) for b in BRANDS],
            )
            password = hash_password(BENCH_PASSWORD)
            slugs = {b[0]: b[2] for b in BRANDS}
            for index, (brand, local, name, role) in enumerate(STAFF, start=1):
                await conn.execute(
                    "INSERT INTO staff_user (id, email, name, password_hash, created_at) "
                    "VALUES ($1, $2, $3, $4, now() - interval '3 years')",
                    index,
                    f"{local}@{slugs[brand]}.bench",
                    name,
                    password,
                )
                await conn.execute(
                    "INSERT INTO membership (staff, brand, role) VALUES ($1, $2, $3)", index, brand, role
                )
            return f"{len(BRANDS)} brands, {len(STAFF)} staff"

        async def creators() -> str:
            await run(SQL_CREATORS, params.creators, COUNTRIES, FIRST_NAMES, LAST_NAMES, NICHES, seed=True)
            return f"{await _scalar(conn, 'SELECT count(*) FROM creator'):,} creators"

        async def identities() -> str:
            await run(SQL_IDENTITIES, seed=True)
            return f"{await _scalar(conn, 'SELECT count(*) FROM social_identity'):,} social identities"

        async def projection() -> str:
            await conn.execute(SQL_PROJECTION)
            rows = await conn.fetch("SELECT tier, count(*) AS n FROM creator GROUP BY tier ORDER BY n DESC")
            return ", ".join(f"{row['tier'] or 'under 1k'} {row['n']:,}" for row in rows)

        async def relationships() -> str:
            for brand_id, _name, _slug, _currency, share, _collab_share in BRANDS:
                owners = [i for i, s in enumerate(STAFF, start=1) if s[0] == brand_id and s[3] in ("owner", "manager")]
                await run(SQL_RELATIONSHIPS, brand_id, share, owners, TAGS, seed=True)
            rows = await conn.fetch("SELECT brand, count(*) AS n FROM relationship GROUP BY brand ORDER BY brand")
            return ", ".join(f"brand {row['brand']}: {row['n']:,}" for row in rows)

        async def campaigns() -> str:
            total = params.campaign_count
            big = max(2, round(total * 0.75))
            second = big + max(2, round(total * 0.20))
            await run(SQL_CAMPAIGNS, total, big, second, CAMPAIGN_THEMES, seed=True)
            versions = await _scalar(conn, "SELECT count(*) FROM brief_version")
            return f"{total:,} campaigns, {versions:,} brief versions"

        async def offers() -> str:
            # About 80% of collaborations end up agreed; draw half as many again as needed and trim.
            # Small data sets saturate (a pair is drawn at most once): draw more until enough fit.
            factor = 1.5
            for _attempt in range(5):
                target = params.deliverables / MEAN_DELIVERABLES / 0.8 * factor
                await conn.execute("DROP TABLE IF EXISTS g_pair, g_collab_all")
                await run(SQL_PAIRS, [b[0] for b in BRANDS], [target * b[5] for b in BRANDS], seed=True)
                capacity = await _scalar(conn, "SELECT sum(n_deliv) FROM g_collab_all WHERE agreed")
                if capacity >= params.deliverables:
                    break
                factor *= 2
            else:
                raise RuntimeError(
                    f"Only {capacity:,} deliverables fit in the collaborations drawn; "
                    "use more --creators or --campaigns for this many --deliverables."
                )
            await run(SQL_TRIM, params.deliverables)
            await run(SQL_PLAN, DELIVERABLE_TITLES, seed=True)
            return f"{await _scalar(conn, 'SELECT count(*) FROM g_collab'):,} offers drawn"

        async def collaborations() -> str:
            await run(SQL_COLLABORATIONS)
            rows = await conn.fetch("SELECT status, count(*) AS n FROM collaboration GROUP BY status ORDER BY n DESC")
            return ", ".join(f"{row['status']} {row['n']:,}" for row in rows)

        async def revisions_and_shipments() -> str:
            await run(SQL_REVISIONS_AND_SHIPMENTS)
            revisions = await _scalar(conn, "SELECT count(*) FROM offer_revision")
            shipments = await _scalar(conn, "SELECT count(*) FROM shipment")
            return f"{revisions:,} offer revisions, {shipments:,} shipments"

        async def deliverables() -> str:
            await conn.execute(SQL_DELIVERABLES)
            rows = await conn.fetch("SELECT status, count(*) AS n FROM deliverable GROUP BY status ORDER BY n DESC")
            return ", ".join(f"{row['status']} {row['n']:,}" for row in rows)

        async def finish() -> str:
            # Ids were given explicitly in places: move every sequence past the highest id.
            from shared.db.piccolo_app import APP_CONFIG

            for table in APP_CONFIG.table_classes:
                name = table._meta.tablename
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {name}), 0) + 1, false)"
                )
            await conn.execute(
                "DROP TABLE IF EXISTS g_creator, g_campaign, g_pair, g_collab_all, g_collab, g_deliv, g_terms"
            )
            await conn.execute("VACUUM (ANALYZE)")
            return ""

        progress(
            f"Generating {params.creators:,} creators and {params.deliverables:,} deliverables (seed {params.seed})"
        )
        started = time.perf_counter()
        for name, stage in [
            ("emptying the tables", reset),
            ("brands and staff", brands_and_staff),
            ("creators", creators),
            ("social identities", identities),
            ("search projection", projection),
            ("relationships", relationships),
            ("campaigns and briefs", campaigns),
            ("offers drawn, terms planned", offers),
            ("collaborations", collaborations),
            ("offer revisions, shipments", revisions_and_shipments),
            ("deliverables", deliverables),
            ("sequences, VACUUM ANALYZE", finish),
        ]:
            await _stage(progress, name, stage())
        progress(f"Done in {time.perf_counter() - started:.1f} s")
        return await row_counts(conn)
    finally:
        await conn.close()


def _statements(sql: str, args: tuple[object, ...]) -> list[tuple[str, list[object]]]:
    """Split a script into statements, each numbering only the parameters it uses ($1, $2, ... again).

    asyncpg runs one statement per call with parameters, and refuses a parameter a statement never uses.
    """
    result: list[tuple[str, list[object]]] = []
    for statement in (part.strip() for part in sql.split(";\n")):
        if not statement:
            continue
        used = sorted({int(number) for number in re.findall(r"\$(\d+)", statement)})
        renumber = {old: new for new, old in enumerate(used, start=1)}

        def placeholder(match: re.Match[str], renumber: dict[int, int] = renumber) -> str:
            return f"${renumber[int(match.group(1))]}"

        result.append((re.sub(r"\$(\d+)", placeholder, statement), [args[old - 1] for old in used]))
    return result


async def row_counts(conn: asyncpg.Connection) -> dict[str, int]:
    counts = {}
    for table in (
        "brand",
        "staff_user",
        "creator",
        "social_identity",
        "relationship",
        "campaign",
        "brief_version",
        "collaboration",
        "offer_revision",
        "shipment",
        "deliverable",
    ):
        counts[table] = await _scalar(conn, f"SELECT count(*) FROM {table}")
    return counts


def bench_database_url(database_url: str | None) -> str:
    """The given URL, or the dedicated embedded PostgreSQL in ./var/bench-pgdata (started if needed)."""
    if database_url:
        return database_url
    from shared.db.embedded import start_embedded_postgres

    return start_embedded_postgres(BENCH_PGDATA, BENCH_DATABASE)


async def prepare_schema(dsn: str) -> None:
    """Bring the schema up to date through the app's own migrations."""
    from shared.db.engine import configure_database
    from shared.db.migrate import apply_migrations

    await apply_migrations(configure_database(dsn))


async def _main(args: argparse.Namespace) -> None:
    dsn = bench_database_url(args.database_url)
    await prepare_schema(dsn)
    params = Params(creators=args.creators, deliverables=args.deliverables, campaigns=args.campaigns, seed=args.seed)
    conn = await asyncpg.connect(dsn)
    try:
        existing = await row_counts(conn)
    finally:
        await conn.close()
    if existing["creator"] or existing["deliverable"]:
        if (
            existing["creator"] == params.creators
            and existing["deliverable"] == params.deliverables
            and not args.replace
        ):
            print(
                f"The database already holds {params.creators:,} creators and {params.deliverables:,} deliverables; "
                "nothing to do (--replace generates them again)."
            )
            return
        if not args.replace:
            sys.exit(
                f"The database already holds data ({existing['creator']:,} creators, {existing['deliverable']:,} "
                "deliverables). Pass --replace to empty it and generate again."
            )
    counts = await generate(dsn, params)
    width = max(len(name) for name in counts)
    for name, count in counts.items():
        print(f"  {name:<{width}} {count:>12,}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate the large benchmark data set (see the module docstring).")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: embedded server in ./var/bench-pgdata)")
    parser.add_argument("--creators", type=int, default=Params.creators)
    parser.add_argument("--deliverables", type=int, default=Params.deliverables)
    parser.add_argument("--campaigns", type=int, default=None, help="default: 400 at full size, at least 40")
    parser.add_argument("--seed", type=int, default=Params.seed)
    parser.add_argument("--replace", action="store_true", help="empty a database that already holds data")
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
