"""A local OpenID Connect provider ("Demo ID") for the demo and the tests: oidc-provider-mock on a thread.

It is a development dependency: `rapport demo` runs it when it is installed, so creators can
sign in through the real OAuth code path on a fresh machine without any outside account.
Its sign-in page lets you type any subject; the predefined ones are one click away.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.settings import OidcProvider

DEMO_PROVIDER_NAME = "demo"
DEMO_PROVIDER_LABEL = "Demo ID"
# Our base template and stylesheet for the provider's pages (its own load Pico CSS from a CDN).
LOOK_DIR = Path(__file__).resolve().parent / "demo_id_look"
STYLESHEET_PATH = "/demo-id.css"


@dataclass(frozen=True)
class DemoProvider:
    issuer: str
    port: int

    def settings(self, name: str = DEMO_PROVIDER_NAME, label: str = DEMO_PROVIDER_LABEL) -> OidcProvider:
        """The provider as settings: any client id and secret are accepted by the stand-in."""
        return OidcProvider(
            name=name,
            issuer=self.issuer,
            client_id="rapport-demo",
            client_secret="rapport-demo-secret",
            label=label,
            audience="creator",
        )


def is_available() -> bool:
    try:
        import oidc_provider_mock  # noqa: F401
    except ImportError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_demo_provider(
    users: Mapping[str, Mapping[str, Any]] | None = None, *, port: int = 0
) -> Iterator[DemoProvider]:
    """Serve the stand-in provider on 127.0.0.1 (a free port unless given) until the block ends.

    `users` maps a subject to its claims (email, name, ...), offered as one-click sign-ins.
    """
    import oidc_provider_mock
    import werkzeug.serving

    app = oidc_provider_mock.app(
        user_claims=[oidc_provider_mock.User(sub=sub, claims=dict(claims)) for sub, claims in (users or {}).items()]
    )
    _serve_look_locally(app)
    server = werkzeug.serving.make_server("127.0.0.1", port or _free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield DemoProvider(issuer=f"http://127.0.0.1:{server.server_port}", port=server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)


def _serve_look_locally(app: Any) -> None:
    """Render the provider's pages with our base template and serve their stylesheet from the provider itself,
    so the sign-in page looks the same with no network (its own templates link Pico CSS on a CDN)."""
    import flask
    import jinja2

    app.jinja_loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(LOOK_DIR), app.jinja_loader])

    def stylesheet() -> flask.Response:
        response = flask.send_from_directory(LOOK_DIR, "demo-id.css", mimetype="text/css", max_age=3600)
        return response

    app.add_url_rule(STYLESHEET_PATH, "demo_id_stylesheet", stylesheet)
