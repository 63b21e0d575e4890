"""The platforms the desk can connect to, by disputes.models.Platform value. Each module is
imported only when a connection of its platform is used."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from ..base import Platform

PLATFORMS: dict[str, str] = {
    "amazon": "connectors.platforms.amazon.Amazon",
    "ebay": "connectors.platforms.ebay.Ebay",
    "ozon": "connectors.platforms.ozon.Ozon",
}


def available(platform: str) -> bool:
    return platform_class(platform) is not None


def platform_class(platform: str) -> type[Platform] | None:
    path = PLATFORMS.get(platform)
    if path is None:
        return None
    # A platform whose module is not there is not offered; one that fails to import is a bug.
    if importlib.util.find_spec(path.rsplit(".", 1)[0]) is None:
        return None
    return import_string(path)
