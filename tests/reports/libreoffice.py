"""Word files to PDF with LibreOffice (Debian's libreoffice-writer-nogui), as a reader's machine
would: its own profile per call, so that parallel runs never share one, and a Chinese font.

This machine has no Chinese system font, which an office's Windows or WPS always has; fontconfig
is shown the app's Noto Sans SC under the names the document asks for (仿宋, 黑体 and their
English names), as Word substitutes a font it lacks."""
from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FONTS = Path(__file__).resolve().parents[2] / "survey_app" / "static" / "fonts"
_ASKED_FOR = ("仿宋", "黑体", "FangSong", "SimHei")


@functools.cache
def fonts_conf() -> Path:
    from fontTools.ttLib import woff2

    folder = Path(tempfile.mkdtemp(prefix="sanqu-office-fonts-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    (folder / "fonts").mkdir()
    for name in ("NotoSansSC-Regular", "NotoSansSC-Bold"):
        woff2.decompress(str(FONTS / f"{name}.woff2"), str(folder / "fonts" / f"{name}.otf"))
    aliases = "".join(f"<alias binding=\"same\"><family>{name}</family><prefer><family>Noto Sans SC</family></prefer></alias>"
                      for name in _ASKED_FOR)
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd"><fontconfig>'
                    f'<include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>{folder / "fonts"}</dir>'
                    f'<cachedir>{folder / "cache"}</cachedir>{aliases}</fontconfig>', encoding="utf-8")
    return conf


def to_pdf(source: Path, out_dir: Path, timeout: float = 180) -> Path:
    """``source`` converted by ``soffice --headless --convert-to pdf``; fails with LibreOffice's
    own words when it does not make the PDF."""
    profile = Path(tempfile.mkdtemp(prefix="sanqu-soffice-"))
    try:
        env = {**os.environ, "FONTCONFIG_FILE": str(fonts_conf())}
        done = subprocess.run(  # noqa: S603 - our own file, Debian's soffice
            [shutil.which("soffice") or "soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(out_dir), str(source)],
            capture_output=True, text=True, timeout=timeout, env=env, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    made = out_dir / (source.stem + ".pdf")
    assert done.returncode == 0 and made.is_file(), f"soffice exited {done.returncode}: {done.stdout}\n{done.stderr}"
    assert "Error" not in done.stderr, done.stderr
    return made
