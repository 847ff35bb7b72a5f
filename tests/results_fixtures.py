"""Results: the platforms' stand-in (shared.integrations.platform_simulator) on a real socket, settings pointing
at it, and live posts made through the real actions (a deal, a draft approved, the live link submitted)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from shared.audit.context import system_actor
from shared.content.actions import check_submit_live
from shared.content.review import check_decide
from shared.creators.actions import do_store_refreshed_tokens
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.identity.queries import get_staff_context
from shared.integrations.oauth import TokenSet
from shared.integrations.platform_simulator import PlatformSimulator, SimPost
from shared.integrations.stripe_simulator.server import serve_asgi
from shared.settings import Settings
from tests.conftest import Cast
from tests.review_helpers import CAPTION, REEL, acme_deliverables, matrix_storage, submitted_draft

ACTOR = system_actor("test")
ALICE_TOKEN = "IGQWRalice-live-token"
REEL_URL = "https://www.instagram.com/reel/DAliceTrail1/"
# A real (tiny) PNG: a 1×1 pixel, as a phone's screenshot would start.
PNG_SCREENSHOT = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d00"
    "00000049454e44ae426082"
)
ALICE_NUMBERS = {"views": 12_400, "reach": 9_800, "likes": 1_310, "comments": 88, "shares": 41, "saves": 120}


@dataclass
class Platforms:
    simulator: PlatformSimulator
    base_url: str

    def reset(self) -> None:
        self.simulator.state.posts.clear()
        self.simulator.state.tokens.clear()
        self.simulator.state.expired.clear()
        self.simulator.state.rate_limited.clear()
        self.simulator.state.down.clear()


@pytest.fixture(scope="session")
def platforms_server() -> Iterator[Platforms]:
    simulator = PlatformSimulator()
    with serve_asgi(simulator) as url:
        yield Platforms(simulator, url)


@pytest.fixture
def platforms(platforms_server: Platforms) -> Iterator[Platforms]:
    platforms_server.reset()
    yield platforms_server
    platforms_server.reset()


@pytest.fixture
def results_settings(settings: Settings, platforms: Platforms) -> Settings:
    return dataclasses.replace(settings, extra={**settings.extra, "RAPPORT_PLATFORM_API_BASE": platforms.base_url})


async def connect_alice(cast: Cast, settings: Settings, platforms: Platforms, token: str = ALICE_TOKEN) -> None:
    """Alice's Instagram account holds a token the stand-in knows as hers (as after signing in with Instagram)."""
    rows = await get_engine().fetch("SELECT id FROM social_identity WHERE creator = $1", cast.alice_id)
    tokens = TokenSet(token, token, None, "instagram_business_basic")
    await do_store_refreshed_tokens(ACTOR, int(rows[0]["id"]), tokens, Encryptor(settings.secret_key))
    platforms.simulator.grant(token, "instagram", "ig-alice")


def alice_post(caption: str = CAPTION, **changes: object) -> SimPost:
    post = SimPost(
        platform="instagram",
        post_id="17900000000000001",
        owner="ig-alice",
        handle="alice.outdoors",
        caption=caption,
        shortcode="DAliceTrail1",
        numbers=dict(ALICE_NUMBERS),
    )
    return dataclasses.replace(post, **changes)  # type: ignore[arg-type]


async def approved_reel(cast: Cast) -> int:
    """Alice's Instagram reel at Acme, its draft approved by Bob: ready to go live."""
    reel = (await acme_deliverables(cast))[REEL]
    draft = await submitted_draft(None, matrix_storage(), cast.alice_id, reel)
    bob = await get_staff_context(cast.bob_id)
    await check_decide(ACTOR, bob, cast.acme_id, draft, decision="approved", note="")
    return reel


async def live_reel(cast: Cast, url: str = REEL_URL) -> tuple[int, int]:
    """The approved reel, its live link submitted by Alice: (deliverable id, live post id)."""
    reel = await approved_reel(cast)
    await check_submit_live(ACTOR, cast.alice_id, reel, urls=[url])
    rows = await get_engine().fetch("SELECT id FROM live_post WHERE deliverable = $1", reel)
    return reel, int(rows[0]["id"])
