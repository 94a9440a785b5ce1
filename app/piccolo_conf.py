"""Piccolo's configuration module (PICCOLO_CONF=app.piccolo_conf). The engine comes from settings."""

from piccolo.conf.apps import AppRegistry

from app.db import APP_MODULES, initial_engine

DB = initial_engine()

APP_REGISTRY = AppRegistry(apps=list(APP_MODULES))
