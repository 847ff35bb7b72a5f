"""Reading a live post through its platform's API: does it exist, whose is it, what does its caption say now,
and its numbers. Instagram (Graph API with Instagram Login: GET /me/media, GET /{media-id}/insights), TikTok
(Display API: POST /v2/video/query/), YouTube (Data API v3: GET /youtube/v3/videos, /channels?mine=true),
X (oEmbed, publish.twitter.com/oembed: no token; the author and the text, no numbers) and Twitch (Helix
GET /helix/videos?id= or /helix/clips?id= with the creator's token and Rapport's Client-Id: the owner, the
title, the view count).

Where each API lives comes from the settings: RAPPORT_PLATFORM_API_BASE sends all of them to one place (the local
stand-in, shared.integrations.platform_simulator, in the demo and tests); otherwise RAPPORT_INSTAGRAM_GRAPH_BASE,
RAPPORT_TIKTOK_API_BASE, RAPPORT_YOUTUBE_API_BASE, RAPPORT_X_OEMBED_BASE and RAPPORT_TWITCH_API_BASE, else the
platforms' real addresses. Twitch needs RAPPORT_TWITCH_CLIENT_ID (without it Twitch posts are left to a person).

Every answer is a PostLookup: found (with the caption and numbers), not found, not the account's, or why the
platform could not be asked (a token to reconnect, a rate limit, an outage) — never an exception for those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import httpx

from shared.settings import Settings

INSTAGRAM_GRAPH_BASE = "https://graph.instagram.com"
TIKTOK_API_BASE = "https://open.tiktokapis.com"
YOUTUBE_API_BASE = "https://www.googleapis.com"
X_OEMBED_BASE = "https://publish.twitter.com"
TWITCH_API_BASE = "https://api.twitch.tv"
SIMULATOR_TWITCH_CLIENT_ID = "rapport-local"  # what the stand-in accepts when no client id is configured
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
READ_PLATFORMS = ("instagram", "tiktok", "youtube", "x", "twitch")
# Read without the creator's token (X's oEmbed is public): only the linked account's handle is needed.
TOKENLESS_PLATFORMS = ("x",)
INSTAGRAM_PAGES_MAX = 5  # /me/media pages (100 posts each) searched for the post

Outcome = Literal["found", "not_found", "wrong_owner", "reconnect", "rate_limited", "unreachable", "unsupported"]


@dataclass(frozen=True)
class PlatformApis:
    instagram_graph: str = INSTAGRAM_GRAPH_BASE
    tiktok_api: str = TIKTOK_API_BASE
    youtube_api: str = YOUTUBE_API_BASE
    x_oembed: str = X_OEMBED_BASE
    twitch_api: str = TWITCH_API_BASE
    twitch_client_id: str = ""  # Twitch's Helix needs one; without it Twitch posts are not read

    @classmethod
    def all_at(cls, base: str, twitch_client_id: str = SIMULATOR_TWITCH_CLIENT_ID) -> PlatformApis:
        """Every API at one address (the stand-in)."""
        return cls(base, base, base, base, base, twitch_client_id)


def platform_apis(settings: Settings) -> PlatformApis:
    extra = settings.extra
    one = (extra.get("RAPPORT_PLATFORM_API_BASE") or "").rstrip("/")
    client_id = extra.get("RAPPORT_TWITCH_CLIENT_ID") or ""
    if one:
        return PlatformApis.all_at(one, client_id or SIMULATOR_TWITCH_CLIENT_ID)
    return PlatformApis(
        (extra.get("RAPPORT_INSTAGRAM_GRAPH_BASE") or INSTAGRAM_GRAPH_BASE).rstrip("/"),
        (extra.get("RAPPORT_TIKTOK_API_BASE") or TIKTOK_API_BASE).rstrip("/"),
        (extra.get("RAPPORT_YOUTUBE_API_BASE") or YOUTUBE_API_BASE).rstrip("/"),
        (extra.get("RAPPORT_X_OEMBED_BASE") or X_OEMBED_BASE).rstrip("/"),
        (extra.get("RAPPORT_TWITCH_API_BASE") or TWITCH_API_BASE).rstrip("/"),
        client_id,
    )


@dataclass(frozen=True)
class PostNumbers:
    """What the platform gave; None where it gives nothing (shown as "not given by …", never 0)."""

    views: int | None = None
    reach: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None


@dataclass(frozen=True)
class PostLookup:
    outcome: Outcome
    source: str
    post_id: str = ""
    caption: str = ""
    owner: str = ""  # the account the platform says posted it, when it says
    numbers: PostNumbers = field(default_factory=PostNumbers)
    detail: str = ""  # the platform's own words when it refused


@dataclass(frozen=True)
class Account:
    """The creator's linked account on the post's platform, as Rapport holds it."""

    subject: str
    handle: str
    access_token: str


# --- the post's id, from the link the creator pasted ---------------------------------------------------

_IG_PATH = re.compile(r"^/(?:[\w.]+/)?(?:p|reel|reels|tv)/([\w-]{5,})")
_TIKTOK_PATH = re.compile(r"^/@([\w.]+)/(?:video|photo)/(\d{5,25})")
_YOUTUBE_ID = re.compile(r"^[\w-]{11}$")
_X_PATH = re.compile(r"^/(?:([A-Za-z0-9_]{1,15})|i/web|i)/status(?:es)?/(\d{5,25})")
_TWITCH_VIDEO = re.compile(r"^/videos/(\d{3,20})")
_TWITCH_CLIP = re.compile(r"^/([A-Za-z0-9_]{2,25})/clip/([\w-]{5,100})")
_CLIP_SLUG = re.compile(r"^/([\w-]{5,100})/?$")


@dataclass(frozen=True)
class PostRef:
    platform: str
    post_id: str  # Instagram: the shortcode; TikTok, YouTube, Twitch videos: the video id; X: the post's id
    handle: str = ""  # the account the link names (TikTok, X and Twitch clip links do)
    kind: str = ""  # Twitch: "video" or "clip"


def post_ref(platform: str, url: str) -> PostRef | None:
    """Which post a live link points to, or None when the link names no post we can look up."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if platform == "instagram" and (m := _IG_PATH.match(path)):
        return PostRef(platform, m.group(1))
    if platform == "tiktok" and (m := _TIKTOK_PATH.match(path)):
        return PostRef(platform, m.group(2), m.group(1).lower())
    if platform == "youtube":
        host = (parts.hostname or "").lower()
        candidates = []
        if host.endswith("youtu.be"):
            candidates.append(path.strip("/").split("/")[0])
        candidates += parse_qs(parts.query).get("v", [])
        if m := re.match(r"^/(?:shorts|live|embed)/([\w-]{11})", path):
            candidates.append(m.group(1))
        for candidate in candidates:
            if _YOUTUBE_ID.match(candidate):
                return PostRef(platform, candidate)
    if platform == "x" and (m := _X_PATH.match(path)):
        return PostRef(platform, m.group(2), (m.group(1) or "").lower())
    if platform == "twitch":
        host = (parts.hostname or "").lower()
        if host == "clips.twitch.tv" and (m := _CLIP_SLUG.match(path)):
            return PostRef(platform, m.group(1), kind="clip")
        if m := _TWITCH_CLIP.match(path):
            return PostRef(platform, m.group(2), m.group(1).lower(), kind="clip")
        if m := _TWITCH_VIDEO.match(path):
            return PostRef(platform, m.group(1), kind="video")
    return None


# --- HTTP -----------------------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, outcome: Outcome, detail: str) -> None:
        super().__init__(detail)
        self.outcome: Outcome = outcome
        self.detail = detail


async def _call(method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            response = await http.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise _Refused("unreachable", f"no answer ({type(exc).__name__})") from exc
    if response.status_code >= 500:
        raise _Refused("unreachable", f"HTTP {response.status_code}")
    try:
        return response.status_code, response.json()
    except ValueError as exc:
        raise _Refused("unreachable", f"HTTP {response.status_code}, not JSON") from exc


def _count(value: object) -> int | None:
    """A count as the APIs give it (an int, or YouTube's string of digits); None when absent."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


# --- Instagram ------------------------------------------------------------------------------------------

_IG_MEDIA_FIELDS = "id,caption,permalink,username,timestamp,like_count,comments_count"
_IG_INSIGHTS = "views,reach,saved,shares"


def _graph_error(status: int, body: Any) -> None:
    error = body.get("error") if isinstance(body, dict) else None
    if status == 200 and error is None:
        return
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    message = str(error.get("message") or f"HTTP {status}")
    if code == 190 or (error.get("type") == "OAuthException" and status == 401):
        raise _Refused("reconnect", message)
    if code in (4, 17, 32, 613):
        raise _Refused("rate_limited", message)
    raise _Refused("unreachable", message)


async def _instagram(apis: PlatformApis, ref: PostRef, account: Account) -> PostLookup:
    source = "Instagram Graph API"
    url: str | None = f"{apis.instagram_graph}/me/media"
    params: dict[str, str] | None = {"fields": _IG_MEDIA_FIELDS, "limit": "100", "access_token": account.access_token}
    media: dict[str, Any] | None = None
    for _ in range(INSTAGRAM_PAGES_MAX):
        if url is None:
            break
        status, body = await _call("GET", url, params=params)
        _graph_error(status, body)
        for item in body.get("data") or ():
            permalink = str(item.get("permalink", "")) if isinstance(item, dict) else ""
            if (m := _IG_PATH.match(urlsplit(permalink).path)) and m.group(1) == ref.post_id:
                media = item
                break
        if media is not None:
            break
        paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
        url, params = (paging.get("next") if isinstance(paging.get("next"), str) else None), None
    if media is None:
        return PostLookup("not_found", source)
    insights: dict[str, int | None] = {}
    status, body = await _call(
        "GET",
        f"{apis.instagram_graph}/{media['id']}/insights",
        params={"metric": _IG_INSIGHTS, "access_token": account.access_token},
    )
    if status == 200 and isinstance(body, dict):
        for metric in body.get("data") or ():
            values = metric.get("values") if isinstance(metric, dict) else None
            if isinstance(values, list) and values and isinstance(values[0], dict):
                insights[str(metric.get("name"))] = _count(values[0].get("value"))
    else:
        _graph_error(status, body)
    numbers = PostNumbers(
        views=insights.get("views"),
        reach=insights.get("reach"),
        likes=_count(media.get("like_count")),
        comments=_count(media.get("comments_count")),
        shares=insights.get("shares"),
        saves=insights.get("saved"),
    )
    return PostLookup(
        "found",
        source,
        post_id=str(media["id"]),
        caption=str(media.get("caption") or ""),
        owner=str(media.get("username") or ""),
        numbers=numbers,
    )


# --- TikTok ---------------------------------------------------------------------------------------------

_TIKTOK_FIELDS = "id,video_description,share_url,create_time,view_count,like_count,comment_count,share_count"


async def _tiktok(apis: PlatformApis, ref: PostRef, account: Account) -> PostLookup:
    source = "TikTok Display API"
    status, body = await _call(
        "POST",
        f"{apis.tiktok_api}/v2/video/query/",
        params={"fields": _TIKTOK_FIELDS},
        json={"filters": {"video_ids": [ref.post_id]}},
        headers={"authorization": f"Bearer {account.access_token}"},
    )
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    message = str(error.get("message") or "") if isinstance(error, dict) else ""
    if code in ("access_token_invalid", "scope_not_authorized") or status == 401:
        raise _Refused("reconnect", message or f"HTTP {status}")
    if code == "rate_limit_exceeded" or status == 429:
        raise _Refused("rate_limited", message or f"HTTP {status}")
    if status != 200 or code not in ("ok", None):
        raise _Refused("unreachable", message or f"HTTP {status}")
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    videos = [v for v in data.get("videos") or () if isinstance(v, dict) and str(v.get("id")) == ref.post_id]
    if not videos:
        # The query answers only for the token's own videos: a link naming someone else is theirs.
        if ref.handle and ref.handle != account.handle.lower().lstrip("@"):
            return PostLookup("wrong_owner", source, post_id=ref.post_id, owner=ref.handle)
        return PostLookup("not_found", source)
    video = videos[0]
    numbers = PostNumbers(
        views=_count(video.get("view_count")),
        likes=_count(video.get("like_count")),
        comments=_count(video.get("comment_count")),
        shares=_count(video.get("share_count")),
    )
    return PostLookup(
        "found",
        source,
        post_id=ref.post_id,
        caption=str(video.get("video_description") or ""),
        owner=account.handle,
        numbers=numbers,
    )


# --- YouTube --------------------------------------------------------------------------------------------


def _google_error(status: int, body: Any) -> None:
    if status == 200:
        return
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    reasons = {str(e.get("reason")) for e in error.get("errors") or () if isinstance(e, dict)}
    message = str(error.get("message") or f"HTTP {status}")
    if status == 401 or "authError" in reasons:
        raise _Refused("reconnect", message)
    if reasons & {"quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded"} or status == 429:
        raise _Refused("rate_limited", message)
    raise _Refused("unreachable", message)


async def _youtube(apis: PlatformApis, ref: PostRef, account: Account) -> PostLookup:
    source = "YouTube Data API"
    auth = {"authorization": f"Bearer {account.access_token}"}
    status, body = await _call(
        "GET", f"{apis.youtube_api}/youtube/v3/videos", params={"part": "snippet,statistics", "id": ref.post_id},
        headers=auth,
    )  # fmt: skip
    _google_error(status, body)
    items = [i for i in body.get("items") or () if isinstance(i, dict)]
    if not items:
        return PostLookup("not_found", source)
    video = items[0]
    snippet: dict[str, Any] = video["snippet"] if isinstance(video.get("snippet"), dict) else {}
    statistics: dict[str, Any] = video["statistics"] if isinstance(video.get("statistics"), dict) else {}
    status, mine = await _call(
        "GET", f"{apis.youtube_api}/youtube/v3/channels", params={"part": "id", "mine": "true"}, headers=auth
    )
    _google_error(status, mine)
    channels = {str(c.get("id")) for c in mine.get("items") or () if isinstance(c, dict)}
    owner = str(snippet.get("channelTitle") or snippet.get("channelId") or "")
    if str(snippet.get("channelId")) not in channels:
        return PostLookup("wrong_owner", source, post_id=ref.post_id, owner=owner)
    numbers = PostNumbers(
        views=_count(statistics.get("viewCount")),
        likes=_count(statistics.get("likeCount")),
        comments=_count(statistics.get("commentCount")),
    )
    caption = "\n".join(s for s in (str(snippet.get("title") or ""), str(snippet.get("description") or "")) if s)
    return PostLookup("found", source, post_id=ref.post_id, caption=caption, owner=owner, numbers=numbers)


# --- X (oEmbed: publish.twitter.com/oembed) ---------------------------------------------------------------


class _TweetText(HTMLParser):
    """The post's text from oEmbed's html: the <p> inside the blockquote, its links' text kept (#ad, @acme)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._depth = 0
        self._done = False
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p" and not self._done:
            self._depth += 1
        elif tag == "br" and self._depth:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._depth:
            self._depth -= 1
            self._done = self._depth == 0

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.parts.append(data)


def tweet_text(html: str) -> str:
    parser = _TweetText()
    parser.feed(html)
    parser.close()
    return unescape("".join(parser.parts)).strip()


def _x_handle(author_url: str) -> str:
    path = urlsplit(author_url).path.strip("/")
    return path.split("/")[0].lower() if path else ""


async def _x(apis: PlatformApis, ref: PostRef, account: Account) -> PostLookup:
    """oEmbed answers for public posts only: 404 for a deleted (or never existing) post, 403 for a protected
    account's. It gives the author and the text, no numbers: every count stays "not available"."""
    source = "X oEmbed"
    canonical = f"https://twitter.com/{ref.handle or 'i'}/status/{ref.post_id}"
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            response = await http.get(
                f"{apis.x_oembed}/oembed",
                params={"url": canonical, "omit_script": "true", "dnt": "true", "hide_thread": "true"},
            )
    except httpx.HTTPError as exc:
        raise _Refused("unreachable", f"no answer ({type(exc).__name__})") from exc
    if response.status_code == 429:
        raise _Refused("rate_limited", "HTTP 429")
    if response.status_code in (403, 404):
        return PostLookup("not_found", source, detail=f"HTTP {response.status_code}")
    if response.status_code != 200:
        raise _Refused("unreachable", f"HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError as exc:
        raise _Refused("unreachable", "HTTP 200, not JSON") from exc
    if not isinstance(body, dict):
        raise _Refused("unreachable", "HTTP 200, not an oEmbed object")
    author = _x_handle(str(body.get("author_url") or ""))
    caption = tweet_text(str(body.get("html") or ""))
    if author and author != account.handle.lower().lstrip("@"):
        return PostLookup("wrong_owner", source, post_id=ref.post_id, owner=author)
    return PostLookup("found", source, post_id=ref.post_id, caption=caption, owner=author)


# --- Twitch (Helix: GET /helix/videos?id=, GET /helix/clips?id=) ------------------------------------------


def _helix_error(status: int, body: Any) -> None:
    if status == 200:
        return
    message = str(body.get("message") or body.get("error") or "") if isinstance(body, dict) else ""
    message = message or f"HTTP {status}"
    if status == 401:
        raise _Refused("reconnect", message)
    if status == 429:
        raise _Refused("rate_limited", message)
    raise _Refused("unreachable", message)


async def _twitch(apis: PlatformApis, ref: PostRef, account: Account) -> PostLookup:
    """A video (VOD, highlight, upload) or a clip, read with the creator's token: the owner is the video's
    user_id (the clip's broadcaster_id) against the linked account's id; only view_count is given."""
    source = "Twitch Helix API"
    path = "clips" if ref.kind == "clip" else "videos"
    status, body = await _call(
        "GET",
        f"{apis.twitch_api}/helix/{path}",
        params={"id": ref.post_id},
        headers={"authorization": f"Bearer {account.access_token}", "client-id": apis.twitch_client_id},
    )
    if status == 404 or (status == 400 and ref.kind != "clip"):
        return PostLookup("not_found", source, detail=str(body.get("message") if isinstance(body, dict) else ""))
    _helix_error(status, body)
    items = [i for i in body.get("data") or () if isinstance(i, dict) and str(i.get("id")) == ref.post_id]
    if not items:
        return PostLookup("not_found", source)
    item = items[0]
    owner_id = str(item.get("broadcaster_id") if ref.kind == "clip" else item.get("user_id"))
    owner = str((item.get("broadcaster_name") if ref.kind == "clip" else item.get("user_login")) or owner_id)
    if owner_id != account.subject:
        return PostLookup("wrong_owner", source, post_id=ref.post_id, owner=owner)
    caption = "\n".join(s for s in (str(item.get("title") or ""), str(item.get("description") or "")) if s)
    numbers = PostNumbers(views=_count(item.get("view_count")))
    return PostLookup("found", source, post_id=ref.post_id, caption=caption, owner=owner, numbers=numbers)


# --- the one entry point --------------------------------------------------------------------------------


async def look_up_post(apis: PlatformApis, platform: str, url: str, account: Account | None) -> PostLookup:
    """The live post behind `url`, read with the creator's linked account (None: there is none to read with)."""
    if platform not in READ_PLATFORMS or (platform == "twitch" and not apis.twitch_client_id):
        return PostLookup("unsupported", "")
    ref = post_ref(platform, url)
    if ref is None:
        return PostLookup("not_found", "", detail="the link names no post")
    if account is None:
        return PostLookup("reconnect", "", detail="no connected account")
    if not account.access_token and platform not in TOKENLESS_PLATFORMS:
        return PostLookup("reconnect", "", detail="no token")
    reader = {"instagram": _instagram, "tiktok": _tiktok, "youtube": _youtube, "x": _x, "twitch": _twitch}[platform]
    try:
        return await reader(apis, ref, account)
    except _Refused as refused:
        return PostLookup(refused.outcome, reader.__name__.strip("_"), detail=refused.detail)
