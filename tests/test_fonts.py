"""The web font subset covers every character of the shipped questionnaires and pages."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent


def test_the_web_subset_covers_the_shipped_text():
    spec = importlib.util.spec_from_file_location("build_fonts", ROOT / "scripts" / "build_fonts.py")
    build_fonts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_fonts)
    wanted = build_fonts.web_characters()
    full = set(TTFont(ROOT / "survey_app/static/fonts/NotoSansSC-Regular.woff2").getBestCmap())
    for style in ("Regular", "Bold"):
        have = set(TTFont(ROOT / f"survey_app/static/fonts/web/SanquSC-{style}.woff2").getBestCmap())
        missing = sorted(chr(u) for u in (wanted & full) - have)
        assert not missing, f"run scripts/build_fonts.py --web: {style} lacks {''.join(missing[:40])}"
        assert len(have) > 500
