"""Piccolo's configuration module (PICCOLO_CONF=app.platform.piccolo_conf).

``DB`` is read when Piccolo asks for it, so it is always the engine that ``db.use_engine`` set: the db module
never needs to import this one.
"""

from piccolo.conf.apps import AppRegistry

from app.platform.db import APP_MODULES, engine

APP_REGISTRY = AppRegistry(apps=list(APP_MODULES))


def __getattr__(name: str):
    if name == "DB":
        return engine()
    raise AttributeError(name)
