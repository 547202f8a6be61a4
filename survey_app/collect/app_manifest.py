"""The web app manifest of the collection pages: what makes them installable on a tablet's home
screen, opening full screen like an app (issue 13).

Not to be confused with ``/collect/manifest.json`` (offline.py), the service worker's list of
what to keep offline.  This one is public: browsers fetch a manifest without cookies, and it
holds nothing but names, colours and icons.

``display: standalone`` rather than ``fullscreen``: the browser's address bar goes, but the
tablet's status bar stays, and a social worker in a village needs its clock, battery and
signal (whether the queue can sync now).  The kiosk mode (a respondent holding the tablet) is
the page's own (``body.kiosk``) and does not depend on how the app was opened.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask import Response, current_app, json, url_for

from . import bp

NAME = "三区社工调查"
SHORT_NAME = "社工调查"
DESCRIPTION = "三区计划社会工作服务调查：在村里离线填写问卷，有网络时自动上传。"
#: (file under static/icons/, size in pixels, purpose); scripts/build_icons.py draws them
ICONS = (
    ("icon-192.png", 192, "any"),
    ("icon-512.png", 512, "any"),
    ("icon-maskable-192.png", 192, "maskable"),
    ("icon-maskable-512.png", 512, "maskable"),
)
#: the icon iOS and some Android launchers take from ``<link rel=apple-touch-icon>``
APPLE_TOUCH_ICON = "apple-touch-icon.png"
ICON_FILES = (*(f"icons/{name}" for name, _size, _purpose in ICONS), f"icons/{APPLE_TOUCH_ICON}")

_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "app.css"


@lru_cache(maxsize=1)
def theme_colours(css_file: Path = _CSS) -> dict[str, str]:
    """The page colours from app.css's ``:root`` (one owner): ``theme`` is the header's
    ``--accent`` (the title and status bar of the installed app), ``background`` the page's
    ``--bg`` (the splash screen while it opens)."""
    root = re.search(r":root\s*\{([^}]*)\}", css_file.read_text(encoding="utf-8"))
    found = dict(re.findall(r"--([\w-]+)\s*:\s*(#[0-9a-fA-F]{3,8})\s*;", root.group(1) if root else ""))
    return {"theme": found["accent"], "background": found["bg"]}


def manifest_data() -> dict[str, object]:
    colours = theme_colours()
    home = url_for("collect.index")
    return {
        "id": home,
        "name": NAME,
        "short_name": SHORT_NAME,
        "description": DESCRIPTION,
        "lang": "zh-CN",
        "dir": "ltr",
        "start_url": home,
        "scope": home,
        "display": "standalone",
        "orientation": "any",
        "theme_color": colours["theme"],
        "background_color": colours["background"],
        "icons": [
            {"src": url_for("static", filename=f"icons/{name}"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}
            for name, size, purpose in ICONS
        ],
    }


@bp.get("/app.webmanifest")
def app_manifest() -> Response:
    """The web app manifest (public, like any manifest); the tablet keeps it offline."""
    response = current_app.response_class(json.dumps(manifest_data(), ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.app_context_processor
def _install_links() -> dict[str, object]:
    """What base.html's collection pages link: the manifest, the theme colour, the touch icon."""
    return {"app_theme_colour": theme_colours()["theme"], "apple_touch_icon": f"icons/{APPLE_TOUCH_ICON}"}
