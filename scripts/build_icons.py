"""Draw the app's icons for the home screen (run by a developer; the PNGs are committed).

    .venv/bin/python scripts/build_icons.py

The mark is 三, the "three" of 三区 (the three-regions programme), drawn as its three strokes:
white bars on the header's green, nothing else, so that it reads at 48 px on a launcher.  The
colours come from app.css (``--accent``, through collect/app_manifest.theme_colours), the
shapes from Pillow alone: no font, no external asset.  Written to survey_app/static/icons/:

- ``icon-192.png``, ``icon-512.png`` (purpose ``any``): a rounded square on a transparent
  ground, as launchers show icons they do not mask;
- ``icon-maskable-192.png``, ``icon-maskable-512.png`` (purpose ``maskable``): the green fills
  the square and the mark keeps inside the central circle of 80 % (the safe zone), so any
  launcher mask (circle, squircle, teardrop) leaves it whole;
- ``apple-touch-icon.png`` (180 px, opaque: iOS rounds the corners itself).
"""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_app.collect.app_manifest import APPLE_TOUCH_ICON, ICONS, theme_colours  # noqa: E402

OUT = ROOT / "survey_app" / "static" / "icons"
SUPERSAMPLE = 4  # drawn large, then scaled down: smooth edges without antialiasing support
#: the three strokes of 三 in a unit square centred on the mark: (left, top, right, bottom);
#: the middle stroke shortest, the last the longest, as written with a brush
STROKES = (
    (0.16, 0.06, 0.84, 0.22),
    (0.26, 0.42, 0.74, 0.58),
    (0.02, 0.78, 0.98, 0.94),
)


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _capsule(pen: ImageDraw.ImageDraw, box: tuple[float, float, float, float]) -> None:
    """A bar with round ends (Pillow's rounded_rectangle bulges when the radius is half the height)."""
    x0, y0, x1, y1 = box
    r = (y1 - y0) / 2
    white = (255, 255, 255, 255)
    pen.rectangle((x0 + r, y0, x1 - r, y1), fill=white)
    pen.ellipse((x0, y0, x0 + 2 * r, y1), fill=white)
    pen.ellipse((x1 - 2 * r, y0, x1, y1), fill=white)


def draw(size: int, *, maskable: bool, opaque: bool = False) -> Image.Image:
    """One icon, ``size`` pixels square."""
    big = size * SUPERSAMPLE
    green = _rgb(theme_colours()["theme"])
    image = Image.new("RGBA", (big, big), (*green, 255) if maskable or opaque else (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable or opaque:
        mark = 0.50 if maskable else 0.58  # maskable: inside the 80 % circle, with room
    else:
        inset = round(big * 0.04)
        pen.rounded_rectangle((inset, inset, big - inset, big - inset), radius=round(big * 0.22), fill=(*green, 255))
        mark = 0.56
    side = big * mark
    left, top = (big - side) / 2, (big - side) / 2
    for x0, y0, x1, y1 in STROKES:
        _capsule(pen, (left + x0 * side, top + y0 * side, left + x1 * side, top + y1 * side))
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    return image.convert("RGB") if maskable or opaque else image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, purpose in ICONS:
        draw(size, maskable=purpose == "maskable").save(OUT / name, optimize=True)
        print(OUT / name)
    draw(180, maskable=False, opaque=True).save(OUT / APPLE_TOUCH_ICON, optimize=True)
    print(OUT / APPLE_TOUCH_ICON)


if __name__ == "__main__":
    main()
