"""A local stand-in for the platforms' post APIs (Instagram Graph, TikTok Display, YouTube Data, X oEmbed, Twitch
Helix), for the demo and the tests: a small ASGI app on a real socket, answering in each platform's own JSON
shapes and error forms, so shared.integrations.platform_posts talks to it exactly as it talks to the platforms
(RAPPORT_PLATFORM_API_BASE).

It holds posts (who posted them, the caption now, the numbers now) and access tokens (whose they are; expired
ones answer as the platform does). Switches: a platform rate-limited, a platform down (503). Tests change its
state in Python; the demo through POST /_sim/posts, /_sim/tokens and /_sim/switches (JSON). With `state_path`
the state survives restarts (the demo keeps it in var/).
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass
class SimPost:
    platform: str  # instagram | tiktok | youtube | x | twitch
    post_id: str  # Instagram: the media id; TikTok, YouTube, Twitch videos: the video id; X: the post id; clip slug
    owner: str  # the account's subject (Instagram user id, TikTok open_id, Google subject, X or Twitch user id)
    handle: str
    caption: str
    shortcode: str = ""  # Instagram: what the link shows (instagram.com/p/<shortcode>/)
    numbers: dict[str, int] = field(default_factory=dict)  # views, reach, likes, comments, shares, saves
    timestamp: str = "2026-11-01T12:00:00+0000"
    kind: str = ""  # Twitch: "video" (the default) or "clip"


@dataclass
class SimState:
    posts: dict[str, SimPost] = field(default_factory=dict)  # "<platform>:<post_id>"
    tokens: dict[str, str] = field(default_factory=dict)  # token -> "<platform>:<subject>"
    expired: set[str] = field(default_factory=set)
    rate_limited: set[str] = field(default_factory=set)  # platforms answering "too many requests"
    down: set[str] = field(default_factory=set)  # platforms answering 503


def channel_id(subject: str) -> str:
    """The YouTube channel id the stand-in gives an account (channels?mine=true)."""
    return f"UC{subject}"[:24]


class PlatformSimulator:
    def __init__(self, *, state_path: Path | None = None) -> None:
        self.state = SimState()
        self.state_path = state_path
        self._lock = threading.Lock()
        if state_path is not None and state_path.exists():
            self._load(json.loads(state_path.read_text()))

    # -- state --------------------------------------------------------------------------------------------
    def add_post(self, post: SimPost) -> SimPost:
        with self._lock:
            self.state.posts[f"{post.platform}:{post.post_id}"] = post
        self._save()
        return post

    def post(self, platform: str, post_id: str) -> SimPost | None:
        return self.state.posts.get(f"{platform}:{post_id}")

    def remove_post(self, platform: str, post_id: str) -> None:
        with self._lock:
            self.state.posts.pop(f"{platform}:{post_id}", None)
        self._save()

    def grant(self, token: str, platform: str, subject: str) -> None:
        with self._lock:
            self.state.tokens[token] = f"{platform}:{subject}"
            self.state.expired.discard(token)
        self._save()

    def _save(self) -> None:
        if self.state_path is None:
            return
        data = {
            "posts": [asdict(p) for p in self.state.posts.values()],
            "tokens": self.state.tokens,
            "expired": sorted(self.state.expired),
        }
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        self.state_path.write_text(json.dumps(data))

    def _load(self, data: dict[str, Any]) -> None:
        for raw in data.get("posts") or ():
            post = SimPost(**raw)
            self.state.posts[f"{post.platform}:{post.post_id}"] = post
        self.state.tokens.update(data.get("tokens") or {})
        self.state.expired.update(data.get("expired") or ())

    def _whose(self, token: str, platform: str) -> str | None:
        owner = self.state.tokens.get(token, "")
        return owner.split(":", 1)[1] if owner.startswith(f"{platform}:") else None

    # -- ASGI ---------------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = {k: v[0] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        bearer = headers.get("authorization", "").removeprefix("Bearer ").strip()
        status, answer = self.answer(
            scope["method"], scope["path"], query, bearer, body, client_id=headers.get("client-id", "")
        )
        payload = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json; charset=UTF-8")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def answer(
        self, method: str, path: str, query: dict[str, str], bearer: str, body: bytes, *, client_id: str = ""
    ) -> tuple[int, Any]:
        if path.startswith("/_sim/") and method == "POST":
            return self._control(path, json.loads(body or b"{}"))
        if path == "/oembed" and method == "GET":
            return self._x_oembed(query)
        if path.startswith("/helix/") and method == "GET":
            return self._twitch(path, query, bearer, client_id)
        if path.startswith("/youtube/v3/"):
            return self._youtube(path, query, bearer)
        if path.startswith("/v2/video/query"):
            return self._tiktok(query, bearer, body)
        if method == "GET":
            return self._instagram(path, query)
        return 404, {"error": "not found"}

    # -- controls (the demo) ------------------------------------------------------------------------------
    def _control(self, path: str, data: dict[str, Any]) -> tuple[int, Any]:
        if path == "/_sim/posts":
            self.add_post(SimPost(**data))
        elif path == "/_sim/posts/remove":
            self.remove_post(str(data["platform"]), str(data["post_id"]))
        elif path == "/_sim/tokens":
            self.grant(str(data["token"]), str(data["platform"]), str(data["subject"]))
        elif path == "/_sim/switches":
            for name in ("rate_limited", "down"):
                if name in data:
                    setattr(self.state, name, set(data[name]))
        else:
            return 404, {"error": "no such control"}
        return 200, {"ok": True}

    # -- Instagram Graph (graph.instagram.com) ------------------------------------------------------------
    @staticmethod
    def _graph_error(message: str, code: int, status: int = 400, subcode: int | None = None) -> tuple[int, Any]:
        error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AsimTrace"}
        if subcode is not None:
            error["error_subcode"] = subcode
        return status, {"error": error}

    def _instagram(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        if "instagram" in self.state.down:
            return 503, {"error": {"message": "Service temporarily unavailable", "code": 2}}
        if "instagram" in self.state.rate_limited:
            return self._graph_error("Application request limit reached", 4, 403)
        token = query.get("access_token", "")
        if token in self.state.expired:
            return self._graph_error("Error validating access token: Session has expired.", 190, 400, 463)
        subject = self._whose(token, "instagram")
        if subject is None:
            return self._graph_error("Invalid OAuth access token - Cannot parse access token", 190)
        parts = [p for p in path.split("/") if p and not p.startswith("v")]
        if parts == ["me", "media"]:
            mine = [p for p in self.state.posts.values() if p.platform == "instagram" and p.owner == subject]
            data = [
                {
                    "id": p.post_id,
                    "caption": p.caption,
                    "permalink": f"https://www.instagram.com/p/{p.shortcode}/",
                    "username": p.handle,
                    "timestamp": p.timestamp,
                    **({"like_count": p.numbers["likes"]} if "likes" in p.numbers else {}),
                    **({"comments_count": p.numbers["comments"]} if "comments" in p.numbers else {}),
                }
                for p in mine
            ]
            return 200, {"data": data, "paging": {"cursors": {"before": "QVFIU0", "after": "QVFIU1"}}}
        if len(parts) == 2 and parts[1] == "insights":
            post = self.post("instagram", parts[0])
            if post is None or post.owner != subject:
                return self._graph_error(
                    f"Unsupported get request. Object with ID '{parts[0]}' does not exist, cannot be loaded due to "
                    "missing permissions, or does not support this operation.",
                    100,
                    400,
                    33,
                )
            names = {"views": "views", "reach": "reach", "saved": "saves", "shares": "shares"}
            data = [
                {
                    "name": metric,
                    "period": "lifetime",
                    "values": [{"value": post.numbers[ours]}],
                    "title": metric.title(),
                    "id": f"{post.post_id}/insights/{metric}/lifetime",
                }
                for metric in query.get("metric", "").split(",")
                if (ours := names.get(metric)) and ours in post.numbers
            ]
            return 200, {"data": data}
        return self._graph_error("Unsupported get request.", 100, 400, 33)

    # -- TikTok Display API (open.tiktokapis.com) ---------------------------------------------------------
    @staticmethod
    def _tiktok_error(code: str, message: str, status: int) -> tuple[int, Any]:
        return status, {"data": {}, "error": {"code": code, "message": message, "log_id": "20261129SIM"}}

    def _tiktok(self, query: dict[str, str], bearer: str, body: bytes) -> tuple[int, Any]:
        if "tiktok" in self.state.down:
            return 503, {"error": {"code": "internal_error", "message": "Service unavailable", "log_id": "SIM"}}
        if "tiktok" in self.state.rate_limited:
            return self._tiktok_error("rate_limit_exceeded", "Too many requests, please retry later.", 429)
        subject = self._whose(bearer, "tiktok")
        if subject is None or bearer in self.state.expired:
            return self._tiktok_error(
                "access_token_invalid", "The access token is invalid or not found in the request.", 401
            )
        filters = (json.loads(body or b"{}").get("filters") or {}) if body else {}
        ids = [str(i) for i in filters.get("video_ids") or ()][:20]
        fields = set(query.get("fields", "").split(","))
        videos = []
        for video_id in ids:
            post = self.post("tiktok", video_id)
            if post is None or post.owner != subject:
                continue  # the query answers only for the token's own videos
            full = {
                "id": post.post_id,
                "video_description": post.caption,
                "share_url": f"https://www.tiktok.com/@{post.handle}/video/{post.post_id}",
                "create_time": 1764000000,
                **{f"{name[:-1] if name.endswith('s') else name}_count": value for name, value in post.numbers.items()
                   if name in ("views", "likes", "comments", "shares")},
            }  # fmt: skip
            videos.append({k: v for k, v in full.items() if k in fields or k == "id"})
        return 200, {
            "data": {"videos": videos, "cursor": 0, "has_more": False},
            "error": {"code": "ok", "message": "", "log_id": "20261129SIM"},
        }

    # -- YouTube Data API v3 (www.googleapis.com) ---------------------------------------------------------
    @staticmethod
    def _google_error(status: int, reason: str, message: str, domain: str = "global") -> tuple[int, Any]:
        return status, {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": domain, "reason": reason}],
            }
        }

    def _youtube(self, path: str, query: dict[str, str], bearer: str) -> tuple[int, Any]:
        if "youtube" in self.state.down:
            return self._google_error(503, "backendError", "Backend Error")
        if "youtube" in self.state.rate_limited:
            return self._google_error(
                403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.",
                "youtube.quota",
            )  # fmt: skip
        subject = self._whose(bearer, "youtube")
        if subject is None or bearer in self.state.expired:
            return self._google_error(401, "authError", "Request had invalid authentication credentials.")
        if path == "/youtube/v3/channels" and query.get("mine") == "true":
            return 200, {
                "kind": "youtube#channelListResponse",
                "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
                "items": [{"kind": "youtube#channel", "id": channel_id(subject)}],
            }
        if path == "/youtube/v3/videos":
            items = []
            for video_id in query.get("id", "").split(","):
                post = self.post("youtube", video_id)
                if post is None:
                    continue
                title, _, description = post.caption.partition("\n")
                statistics = {
                    key: str(post.numbers[ours])
                    for key, ours in (("viewCount", "views"), ("likeCount", "likes"), ("commentCount", "comments"))
                    if ours in post.numbers
                }
                items.append(
                    {
                        "kind": "youtube#video",
                        "id": post.post_id,
                        "snippet": {
                            "publishedAt": post.timestamp.replace("+0000", "Z"),
                            "channelId": channel_id(post.owner),
                            "title": title,
                            "description": description,
                            "channelTitle": post.handle,
                        },
                        "statistics": {**statistics, "favoriteCount": "0"},
                    }
                )
            return 200, {
                "kind": "youtube#videoListResponse",
                "items": items,
                "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
            }
        return self._google_error(404, "notFound", "Not Found")

    # -- X oEmbed (publish.twitter.com/oembed): public posts only, no token, no numbers ------------------------
    _STATUS = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:[A-Za-z0-9_]{1,15}|i/web|i)/status/(\d+)")

    @staticmethod
    def tweet_html(post: SimPost) -> str:
        """The blockquote oEmbed gives: the text with hashtags and mentions as links, then the author and date."""

        def linked(word: str) -> str:
            if word.startswith("#") and len(word) > 1:
                tag = html.escape(word[1:])
                return f'<a href="https://twitter.com/hashtag/{tag}?src=hash&amp;ref_src=twsrc%5Etfw">{html.escape(word)}</a>'
            if word.startswith("@") and len(word) > 1:
                return (
                    f'<a href="https://twitter.com/{html.escape(word[1:])}?ref_src=twsrc%5Etfw">{html.escape(word)}</a>'
                )
            return html.escape(word)

        lines = [" ".join(linked(w) for w in line.split(" ")) for line in post.caption.split("\n")]
        return (
            f'<blockquote class="twitter-tweet"><p lang="en" dir="ltr">{"<br>".join(lines)}</p>&mdash; '
            f"{html.escape(post.handle)} (@{html.escape(post.handle)}) "
            f'<a href="https://twitter.com/{post.handle}/status/{post.post_id}?ref_src=twsrc%5Etfw">'
            "November 1, 2026</a></blockquote>\n"
        )

    def _x_oembed(self, query: dict[str, str]) -> tuple[int, Any]:
        if "x" in self.state.down:
            return 503, ""
        if "x" in self.state.rate_limited:
            return 429, {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}
        match = self._STATUS.match(query.get("url", ""))
        post = self.post("x", match.group(1)) if match else None
        if post is None:
            return 404, ""  # oEmbed answers a deleted or unknown post with an empty 404
        return 200, {
            "url": f"https://twitter.com/{post.handle}/status/{post.post_id}",
            "author_name": post.handle,
            "author_url": f"https://twitter.com/{post.handle}",
            "html": self.tweet_html(post),
            "width": 550,
            "height": None,
            "type": "rich",
            "cache_age": "3153600000",
            "provider_name": "Twitter",
            "provider_url": "https://twitter.com",
            "version": "1.0",
        }

    # -- Twitch Helix (api.twitch.tv/helix): videos and clips, with a user token and the app's Client-Id -------
    @staticmethod
    def _helix_error(status: int, error: str, message: str) -> tuple[int, Any]:
        return status, {"error": error, "status": status, "message": message}

    def _twitch(self, path: str, query: dict[str, str], bearer: str, client_id: str) -> tuple[int, Any]:
        if "twitch" in self.state.down:
            return self._helix_error(503, "Service Unavailable", "")
        if "twitch" in self.state.rate_limited:
            return self._helix_error(429, "Too Many Requests", "")
        if not client_id:
            return self._helix_error(401, "Unauthorized", "Client-Id header required")
        if self._whose(bearer, "twitch") is None or bearer in self.state.expired:
            return self._helix_error(401, "Unauthorized", "Invalid OAuth token")
        wanted = query.get("id", "")
        post = self.post("twitch", wanted)
        if path == "/helix/videos":
            if post is None or post.kind == "clip":
                return self._helix_error(404, "Not Found", "Not Found")
            return 200, {
                "data": [
                    {
                        "id": post.post_id,
                        "stream_id": None,
                        "user_id": post.owner,
                        "user_login": post.handle.lower(),
                        "user_name": post.handle,
                        "title": post.caption.partition("\n")[0],
                        "description": post.caption.partition("\n")[2],
                        "created_at": post.timestamp.replace("+0000", "Z"),
                        "published_at": post.timestamp.replace("+0000", "Z"),
                        "url": f"https://www.twitch.tv/videos/{post.post_id}",
                        "thumbnail_url": "",
                        "viewable": "public",
                        **({"view_count": post.numbers["views"]} if "views" in post.numbers else {}),
                        "language": "en",
                        "type": "archive",
                        "duration": "1h2m3s",
                        "muted_segments": None,
                    }
                ],
                "pagination": {},
            }
        if path == "/helix/clips":
            if post is None or post.kind != "clip":
                return 200, {"data": [], "pagination": {}}
            return 200, {
                "data": [
                    {
                        "id": post.post_id,
                        "url": f"https://clips.twitch.tv/{post.post_id}",
                        "embed_url": f"https://clips.twitch.tv/embed?clip={post.post_id}",
                        "broadcaster_id": post.owner,
                        "broadcaster_name": post.handle,
                        "creator_id": post.owner,
                        "creator_name": post.handle,
                        "video_id": "",
                        "game_id": "509658",
                        "language": "en",
                        "title": post.caption,
                        **({"view_count": post.numbers["views"]} if "views" in post.numbers else {}),
                        "created_at": post.timestamp.replace("+0000", "Z"),
                        "thumbnail_url": "",
                        "duration": 28.5,
                        "vod_offset": None,
                        "is_featured": False,
                    }
                ],
                "pagination": {},
            }
        return self._helix_error(404, "Not Found", "Not Found")


# --- driving a running stand-in over HTTP (the demo's seed) -----------------------------------------------


async def control(base_url: str, path: str, data: dict[str, Any]) -> None:
    """POST one control (/_sim/posts, /_sim/posts/remove, /_sim/tokens, /_sim/switches) to a running stand-in."""
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(f"{base_url.rstrip('/')}/_sim/{path.strip('/')}", json=data)
        response.raise_for_status()


async def put_post(base_url: str, post: SimPost) -> None:
    await control(base_url, "posts", asdict(post))


async def grant_token(base_url: str, token: str, platform: str, subject: str) -> None:
    await control(base_url, "tokens", {"token": token, "platform": platform, "subject": subject})
