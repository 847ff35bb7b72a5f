"""Piccolo's configuration module (found through PICCOLO_CONF=piccolo_conf).

The engine is created unconnected: its address is set at start-up by
`shared.db.engine.configure_engine`, because the embedded PostgreSQL's socket is only known
once it has started.
"""

from piccolo.conf.apps import AppRegistry

from shared.db.engine import RapportEngine

DB = RapportEngine()

APP_REGISTRY = AppRegistry(apps=["shared.db.piccolo_app"])
