"""Plotly figures as SVG for the PDF reports, drawn by kaleido in one headless Chromium per process.

Chromium is Debian's (found on PATH or through BROWSER_PATH); nothing is ever downloaded.  It
starts on the first chart (about 2-3 s) and stays for the life of the process, so later charts
take about 0.15 s.  Without a usable Chromium, :func:`svg_of` returns None at once and the
report prints its tables in place of the charts.  No Flask here.
"""
from __future__ import annotations

import atexit
import base64
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from markupsafe import Markup

log = logging.getLogger(__name__)

#: the family report.css declares with @font-face; chart text must use it to use the embedded font
REPORT_FONT = "Sanqu Report SC"
#: kaleido's own limit for one image; a hung Chromium then frees its thread (and exit) in time
RENDER_TIMEOUT = 30.0
#: our limit for one call, start-up included
CALL_TIMEOUT = 60.0

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"


class ChartError(RuntimeError):
    """Charts cannot be drawn in this process any more (no Chromium, or it died or hung)."""


FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
  <alias binding="same"><family>{family}</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
</fontconfig>
"""


def _fonts_conf() -> str:
    """A fontconfig file that shows Chromium the report's font under the report's family name.
    Plotly measures every label in the browser (margins, positions), and with the system's fonts
    alone (none with Chinese here) it measured Chinese a third too narrow and cut long labels
    off.  Chromium's FreeType does not open WOFF2, so the two files are unpacked into a
    temporary folder (about 0.5 s each, once per process, when Chromium starts)."""
    from fontTools.ttLib import woff2

    folder = Path(tempfile.mkdtemp(prefix="sanqu-chart-fonts-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    (folder / "fonts").mkdir()
    for name in ("NotoSansSC-Regular", "NotoSansSC-Bold"):
        woff2.decompress(str(FONTS / f"{name}.woff2"), str(folder / "fonts" / f"{name}.otf"))
    conf = folder / "fonts.conf"
    conf.write_text(_FONTS_CONF.format(fonts=folder / "fonts", cache=folder / "cache", family=REPORT_FONT), encoding="utf-8")
    return str(conf)


def find_browser() -> str | None:
    """The Chromium kaleido would use: BROWSER_PATH when set, else the first on PATH; never a
    downloaded one."""
    from choreographer.browsers.chromium import Chromium

    path = Chromium.find_browser(skip_local=True)
    if path and Path(path).is_file() and os.access(path, os.X_OK):
        return str(path)
    return None


class _Chromium:
    """kaleido's sync server (one Chromium, one tab) behind a lock, with the guards it lacks:
    its calls block for ever once its thread has died (a Chromium that fails to start), and two
    threads calling at once could receive each other's images."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started = False
        self.broken: str | None = None

    def available(self) -> bool:
        return self.broken is None and (self.started or find_browser() is not None)

    def svg(self, figure: dict[str, Any], width: int, height: int) -> str | None:
        with self.lock:
            if self.broken:
                return None
            try:
                self._start()
                data = self._call(figure, {"format": "svg", "width": width, "height": height})
            except ChartError as exc:
                self.broken = str(exc)
                log.warning("charts left out of reports from now on: %s", exc)
                return None
            except Exception as exc:  # noqa: BLE001 - one figure kaleido cannot draw: its table stands in
                log.warning("kaleido could not draw a chart: %s: %s", type(exc).__name__, exc)
                return None
        return data.decode("utf-8") if isinstance(data, bytes) else str(data)

    def _start(self) -> None:
        if self.started:
            return
        browser = find_browser()
        if browser is None:
            raise ChartError(f"no Chromium found (BROWSER_PATH={os.environ.get('BROWSER_PATH', 'unset')}, PATH searched)")
        import kaleido
        from choreographer.browsers.chromium import Chromium

        fonts_conf = _fonts_conf()

        class ReportChromium(Chromium):
            def get_env(self) -> Any:
                return {**super().get_env(), "FONTCONFIG_FILE": fonts_conf}

        kaleido.start_sync_server(
            n=1, mathjax=False, silence_warnings=True, path=browser, browser_cls=ReportChromium, timeout=RENDER_TIMEOUT,
        )
        atexit.register(_stop)
        self.started = True

    def _call(self, figure: dict[str, Any], opts: dict[str, Any]) -> Any:
        import kaleido

        result: dict[str, Any] = {}

        def run() -> None:
            try:
                result["data"] = kaleido.calc_fig_sync(figure, opts=opts)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                result["error"] = exc

        # The call runs in a thread of its own so that a server that died (its queue then never
        # answers) or hung cannot hold the report for ever: the caller gives up on it instead.
        worker = threading.Thread(target=run, name="kaleido-call", daemon=True)
        worker.start()
        deadline = time.monotonic() + CALL_TIMEOUT
        while worker.is_alive():
            worker.join(0.05)
            if worker.is_alive() and not _server_alive():
                raise ChartError("Chromium stopped: it failed to start or crashed (see the log above)")
            if time.monotonic() > deadline:
                raise ChartError(f"no chart from Chromium within {CALL_TIMEOUT:.0f} s")
        if "error" in result:
            raise result["error"]
        return result["data"]


def _server_alive() -> bool:
    import kaleido

    thread = getattr(kaleido._global_server, "_thread", None)  # private: kaleido offers no way to ask
    return thread is None or thread.is_alive()


def _stop() -> None:
    """Close Chromium before the interpreter goes (kaleido registers the same; this one also
    runs when it is our handler that comes first)."""
    import kaleido

    if _server_alive():
        kaleido.stop_sync_server(silence_warnings=True)


_chromium = _Chromium()


def charts_available() -> bool:
    """Whether charts can be drawn: a Chromium is there and has not failed (it is not started)."""
    return _chromium.available()


def svg_of(fig: Any, width: int, height: int) -> str | None:
    """The SVG of a Plotly figure at ``width`` x ``height`` CSS pixels, its text in the report's
    font; None when no Chromium can be used or kaleido fails (logged).  Safe from any thread."""
    figure = fig.to_dict() if hasattr(fig, "to_dict") else dict(fig)
    layout = figure.setdefault("layout", {})
    layout["font"] = {**layout.get("font", {}), "family": REPORT_FONT}
    svg = _chromium.svg(figure, width, height)
    if svg is None:
        return None
    try:
        return _cleaned(svg)
    except (ET.ParseError, ValueError) as exc:
        log.warning("kaleido's SVG could not be read: %s", exc)
        return None


_FONT_FAMILY = re.compile(r"font-family\s*:[^;]*;?")
_DROPPED = {"script", "foreignObject", "image", "style"}


def svg_block(svg: str) -> Markup:
    """HTML that puts a chart from :func:`svg_of` in the report: an ``<img>`` with the SVG as a
    ``data:`` URL.  WeasyPrint draws it as vectors with the document's fonts and keeps its text
    searchable, as inline ``<svg>`` does, but in about a quarter of the time (measured: 8 charts,
    0.15 s against 0.55 s), and whatever the SVG holds (labels carry user text), the HTML
    around it stays well formed: base64 has no character HTML could read as markup."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return Markup('<img class="chart" alt="" src="data:image/svg+xml;base64,{}">').format(data)


def _cleaned(svg: str) -> str:
    """kaleido's SVG with every text in the report's font, nothing that links or loads, and text after
    a nested ``<tspan>`` (Plotly's ``<b>`` or ``<sub>`` in mid-label) wrapped in a ``<tspan>``
    of its own: WeasyPrint 70 drops such text otherwise."""
    if "<!DOCTYPE" in svg or "<!ENTITY" in svg:
        raise ValueError("an SVG with a DOCTYPE is not a chart from kaleido")
    root = ET.fromstring(svg)  # noqa: S314 - kaleido's output, checked above for entity tricks
    # Plain names (xlink:href as it is written) serialise without the global prefix registry,
    # which other libraries rewrite (WeasyPrint's PDF metadata does).
    for element in root.iter():
        element.tag = _local(element.tag)
        for name in [n for n in element.attrib if n.startswith("{")]:
            value = element.attrib.pop(name)
            element.set(("xlink:" if name.startswith(f"{{{XLINK_NS}}}") else "") + _local(name), value)
    for parent in root.iter():
        for child in list(parent):
            if child.tag in _DROPPED:
                parent.remove(child)
    for element in root.iter():
        for name in list(element.attrib):
            if name.startswith("on") or (name in ("href", "xlink:href") and not element.attrib[name].startswith("#")):
                del element.attrib[name]
        if element.tag in ("text", "tspan"):
            style = _FONT_FAMILY.sub("", element.get("style", "")).strip()
            element.set("style", f"font-family: '{REPORT_FONT}'; {style}".strip())
            element.attrib.pop("font-family", None)
    for line in list(root.iter("tspan")):
        for index, child in reversed(list(enumerate(line))):
            if child.tag == "tspan" and child.tail:
                tail = ET.Element("tspan")
                tail.text, child.tail = child.tail, None
                line.insert(index + 1, tail)
    root.set("xmlns", SVG_NS)
    root.set("xmlns:xlink", XLINK_NS)
    return ET.tostring(root, encoding="unicode")


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]
