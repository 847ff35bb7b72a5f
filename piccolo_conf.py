"""Piccolo's configuration module (found through PICCOLO_CONF=piccolo_conf).

The engine is `shared.db.engine.DB`, created unconnected: its address is set at start-up by
`shared.db.engine.configure_database`, because the embedded PostgreSQL's socket is only known
once it has started. This module imports the engine; the engine never imports this module.
"""

from piccolo.conf.apps import AppRegistry

from shared.db.engine import DB

__all__ = ["APP_REGISTRY", "DB"]

APP_REGISTRY = AppRegistry(apps=["shared.db.piccolo_app"])
