"""Build the app's Chinese font files (run once by a developer; the outputs are committed).

Source: Noto Sans CJK (SIL Open Font License 1.1), the variable collection shipped by the PyPI
package `manimgx-fonts-cjk`.  The Simplified Chinese face is instantiated at weights 400 and
700 and subset to what Simplified Chinese text needs (Latin, punctuation, CJK symbols, CJK
Unified Ideographs and Extension A, full-width forms), then written as WOFF2: one file per
weight serves the browser (cached offline by the tablets) and WeasyPrint (which embeds a
subset of it in every PDF).  Nothing is fetched at run time.

    .venv/bin/pip download --no-deps manimgx-fonts-cjk==2026.9.26.post1 -d /tmp/fonts
    .venv/bin/python scripts/build_fonts.py /tmp/fonts/manimgx_fonts_cjk-*.whl

The pages use the tablet's own Chinese font first (every Android tablet sold in China has one);
for a device without one they fall back to a small web subset, cut from the files above to the
characters the shipped questionnaires, templates and scripts use (a test checks that it covers
them; run this again, with --web, after changing their text):

    .venv/bin/python scripts/build_fonts.py --web
"""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection
from fontTools.varLib import instancer

OUT = Path(__file__).resolve().parent.parent / "survey_app" / "static" / "fonts"
RANGES = [
    # Greek and the mathematical operators carry what the reports print: α, −, ≥, ±, ≤
    (0x0020, 0x007E), (0x00A0, 0x00FF), (0x0370, 0x03FF), (0x2000, 0x206F), (0x2200, 0x22FF), (0x2100, 0x218F), (0x2190, 0x21FF),
    (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x3000, 0x303F),
    (0x3100, 0x312F), (0x31A0, 0x31BF), (0x3200, 0x32FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
]


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".ttc"))
        collection = TTCollection(io.BytesIO(zf.read(name)))
    face = next(f for f in collection.fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    OUT.mkdir(parents=True, exist_ok=True)
    unicodes = [u for lo, hi in RANGES for u in range(lo, hi + 1)]
    for weight, style in ((400, "Regular"), (700, "Bold")):
        static = instancer.instantiateVariableFont(face, {"wght": weight}, inplace=False, updateFontNames=True)
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(static)
        path = OUT / f"NotoSansSC-{style}.woff2"
        static.flavor = "woff2"
        static.save(path)
        to_cff(path)
        print(f"{path.relative_to(OUT.parent.parent.parent)}: {path.stat().st_size / 1e6:.1f} MB")


def to_cff(path: Path) -> None:
    """Rewrite a font's CFF2 outlines (what a variable font's instance keeps) as CFF: PDF
    defines embedded OpenType fonts with TrueType or CFF outlines only, and readers may refuse
    CFF2 (poppler warns).  The instancer's own ``downgradeCFF2`` fails on this font; converting
    the saved instance works once its charstrings have been read."""
    from fontTools.cffLib.CFF2ToCFF import convertCFF2ToCFF
    from fontTools.ttLib import TTFont

    font = TTFont(path, recalcBBoxes=False)  # hhea's recalculation looks for glyph names a CID font lacks
    font["CFF2"].cff.topDictIndex[0].CharStrings  # noqa: B018 - decompiled before the conversion
    convertCFF2ToCFF(font)
    font.flavor = "woff2"
    font.save(path)


ROOT = OUT.parent.parent.parent
WEB_TEXT = ("questionnaires/*.yaml", "templates/**/*.html", "survey_app/**/*.py", "survey_app/static/js/*.js")


def web_characters() -> set[int]:
    """Every non-ASCII character the pages may show from the shipped text, plus printable ASCII."""
    found = set(range(0x20, 0x7F))
    for pattern in WEB_TEXT:
        for path in sorted(ROOT.glob(pattern)):
            found |= {ord(c) for c in path.read_text(encoding="utf-8") if ord(c) >= 0x2000}
    return found


def web_subset() -> None:
    from fontTools.ttLib import TTFont

    wanted = web_characters()
    for style in ("Regular", "Bold"):
        font = TTFont(OUT / f"NotoSansSC-{style}.woff2")
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["kern", "liga", "locl", "palt", "vert", "vrt2"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted)
        subsetter.subset(font)
        path = OUT / "web" / f"SanquSC-{style}.woff2"
        path.parent.mkdir(exist_ok=True)
        font.flavor = "woff2"
        font.save(path)
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB, {len(wanted)} characters")


if __name__ == "__main__":
    if sys.argv[1:] == ["--web"]:
        web_subset()
    else:
        main(sys.argv[1])
