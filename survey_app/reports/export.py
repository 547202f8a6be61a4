"""Plotly figures as SVG for the PDF reports, and as PNG at print resolution for the Word reports,
drawn by kaleido in one headless Chromium per process.

Chromium is Debian's (found on PATH or through BROWSER_PATH); nothing is ever downloaded.  It
starts on the first chart (about 3 s, fonts included) and stays for the life of the process, so
later charts take about 0.04 s.  Without a usable Chromium, :func:`svg_of` returns None at once and the
report prints its tables in place of the charts.  No Flask here.
"""
from __future__ import annotations

import asyncio
import atexit
import base64
import logging
import os
import re
import shutil
import tempfile
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..analysis.charts.inert import inert

log = logging.getLogger(__name__)

#: the family report.css declares with @font-face; chart text must use it to use the embedded font
REPORT_FONT = "Sanqu Report SC"
#: kaleido's own limit for one image
RENDER_TIMEOUT = 30.0
#: our limits for one call and for starting Chromium; past them charts are given up in this process
CALL_TIMEOUT = 40.0
START_TIMEOUT = 60.0
#: figures drawn before kaleido's page is reloaded between two reports, and in mid-report
RELOAD_EVERY, RELOAD_AT_MOST = 25, 100

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
    """One kaleido (one Chromium, one tab) on an event loop in a thread of its own, started on
    first use.  Not ``kaleido.start_sync_server``: its calls wait for ever once its thread has
    died (a Chromium that fails to start), two threads calling at once can receive each other's
    images, and it cannot take the :func:`_kaleido_class` below.  Here a start that fails
    raises at once, every call has a time limit, and callers take turns."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.broken: str | None = None
        self.pid = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.kaleido: Any = None

    def available(self) -> bool:
        return self.broken is None and (self.kaleido is not None or find_browser() is not None)

    def image(self, figure: dict[str, Any], opts: dict[str, Any]) -> bytes | str | None:
        """The figure drawn with kaleido's ``opts`` (format, width, height, scale)."""
        with self.lock:
            if self.broken:
                return None
            try:
                self._start()
                data = self._run(self.kaleido.calc_fig(figure, opts=opts), CALL_TIMEOUT)
            except ChartError as exc:
                self._give_up(str(exc))
                return None
            except TimeoutError:
                self._give_up(f"no chart from Chromium within {CALL_TIMEOUT:.0f} s")
                return None
            except Exception as exc:  # noqa: BLE001 - one figure kaleido cannot draw: its table stands in
                log.warning("kaleido could not draw a chart: %s: %s", type(exc).__name__, exc)
                self._refresh()
                return None
        return data

    def _start(self) -> None:
        if self.kaleido is not None and self.pid == os.getpid():
            return
        # a child forked from a process that had started it has neither its thread nor its pipe
        self.kaleido = None
        browser = find_browser()
        if browser is None:
            raise ChartError(f"no Chromium found (BROWSER_PATH={os.environ.get('BROWSER_PATH', 'unset')}, PATH searched)")
        from choreographer.browsers.chromium import Chromium

        fonts_conf = _fonts_conf()

        class ReportChromium(Chromium):
            def get_env(self) -> Any:
                return {**super().get_env(), "FONTCONFIG_FILE": fonts_conf}

        async def open_kaleido() -> Any:
            k = _kaleido_class()(n=1, mathjax=False, path=browser, browser_cls=ReportChromium, timeout=RENDER_TIMEOUT)
            await k.open()
            return k

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="kaleido", daemon=True)
        self.thread.start()
        self.pid = os.getpid()
        atexit.register(self.stop)
        try:
            self.kaleido = self._run(open_kaleido(), START_TIMEOUT)
        except Exception as exc:
            raise ChartError(f"Chromium did not start: {type(exc).__name__}: {str(exc)[:300]}") from exc

    def _run(self, coroutine: Any, timeout: float) -> Any:
        assert self.loop is not None
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def _refresh(self) -> None:
        """Reload the page after a figure failed, in case it left it in a bad state."""
        if self.kaleido is not None:
            try:
                self._run(self.kaleido.refresh(), RENDER_TIMEOUT)
            except Exception as exc:  # noqa: BLE001 - the next chart will tell
                log.warning("kaleido's page could not be reloaded: %s", exc)

    def tidy(self) -> None:
        """Reload the page now if it is due, without waiting: called when a report is done, so
        that the reload happens while the PDF is laid out and not in the next report's path."""
        loop, kaleido = self.loop, self.kaleido
        if loop is None or kaleido is None or self.broken or self.pid != os.getpid():
            return
        future = asyncio.run_coroutine_threadsafe(kaleido.tidy(), loop)
        future.add_done_callback(_log_failure)

    def _give_up(self, reason: str) -> None:
        self.broken = reason
        log.warning("charts left out of reports from now on: %s", reason)
        self.stop()

    def stop(self) -> None:
        """Close Chromium and the loop; registered at exit, so that neither outlives the process."""
        loop, self.loop = self.loop, None
        if loop is None or self.pid != os.getpid():
            return
        if self.kaleido is not None:
            try:
                asyncio.run_coroutine_threadsafe(self.kaleido.close(), loop).result(10.0)
            except Exception as exc:  # noqa: BLE001 - closing as the process ends: report, go on
                log.warning("Chromium did not close cleanly: %s", exc)
            self.kaleido = None
        loop.call_soon_threadsafe(loop.stop)
        if self.thread is not None:
            self.thread.join(5.0)
        if not loop.is_running():
            loop.close()


def _log_failure(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("kaleido's page could not be reloaded: %s", future.exception())


def _kaleido_class() -> type:
    import kaleido

    class ReportKaleido(kaleido.Kaleido):
        """kaleido reloads its page after every figure: 0.2 s of the 0.25 s a chart took here.
        Plotly's ``toImage`` already draws each figure in an element of its own and purges it,
        so the page is reloaded only when a report is done and ``RELOAD_EVERY`` figures were
        drawn since the last reload (:meth:`tidy`, off the report's path: a reload in mid-report
        held its next chart 0.4 s), inline after ``RELOAD_AT_MOST`` (one very long report), and
        after a failure; a chart then takes about 0.04 s.  (A private method of kaleido 1.5:
        should it be renamed, this is not called and every figure reloads, as before.)"""

        renders = 0  # since the page was last reloaded

        async def _return_kaleido_tab(self, tab: Any) -> None:
            self.renders += 1
            if self.renders < RELOAD_AT_MOST:
                await self.tabs_ready.put(tab)
            else:
                self.renders = 0
                await super()._return_kaleido_tab(tab)

        async def refresh(self) -> None:
            tab = await self._get_kaleido_tab()
            self.renders = 0
            await super()._return_kaleido_tab(tab)

        async def tidy(self) -> None:
            if self.renders >= RELOAD_EVERY:
                await self.refresh()

    return ReportKaleido


_chromium = _Chromium()


def charts_available() -> bool:
    """Whether charts can be drawn: a Chromium is there and has not failed (it is not started)."""
    return _chromium.available()


class Drawing:
    """Charts drawn one after another in a worker thread while the caller goes on gathering the
    rest of the report: Chromium draws in its own process, so a chart costs the report little
    more than the Python around it.  Without a usable Chromium nothing is started and every
    chart is None.  ``draw``: :func:`svg_of` (the PDF's) or ``chart_png.print_png`` (the Word file's)."""

    def __init__(self, draw: Callable[[Any, int, int], Any] | None = None) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="report-charts") if charts_available() else None
        self.draw = draw or svg_of
        self.futures: list[Future[Any]] = []

    def submit(self, figure: Callable[[], Any], width: int, height: int) -> Future[Any]:
        """Draw the figure ``figure()`` makes (made in the worker too: Plotly's checks cost the
        report 0.1 s, and nothing when there is no Chromium to draw it)."""
        future: Future[Any] = Future()
        if self.pool is None:
            future.set_result(None)
        else:
            draw = self.draw
            future = self.pool.submit(lambda: draw(figure(), width, height))
        self.futures.append(future)
        return future

    def close(self) -> None:
        """Stop: charts not started are dropped (a report that failed does not wait for them)."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            _chromium.tidy()

    def __enter__(self) -> Drawing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _report_figure(fig: Any) -> dict[str, Any]:
    """The figure as kaleido is given it: inert (no links, no scripts), its text in the report's font."""
    figure = inert(fig.to_dict() if hasattr(fig, "to_dict") else dict(fig))
    layout = figure.setdefault("layout", {})
    layout["font"] = {**layout.get("font", {}), "family": REPORT_FONT}
    return figure


def image_of(fig: Any, opts: dict[str, Any]) -> bytes | str | None:
    """A Plotly figure drawn by kaleido with ``opts`` (format, width, height, scale), its text in
    the report's font; None when no Chromium can be used or kaleido fails (logged).  Safe from
    any thread."""
    return _chromium.image(_report_figure(fig), opts)


def svg_of(fig: Any, width: int, height: int) -> str | None:
    """The SVG of a Plotly figure at ``width`` x ``height`` CSS pixels, its text in the report's
    font; None when no Chromium can be used or kaleido fails (logged).  Safe from any thread."""
    data = image_of(fig, {"format": "svg", "width": width, "height": height})
    if data is None:
        return None
    try:
        return _cleaned(data.decode("utf-8") if isinstance(data, bytes) else str(data))
    except (ET.ParseError, ValueError, UnicodeDecodeError) as exc:
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


#: what WeasyPrint shows where a chart's image could not be had (its table follows)
NOT_DRAWN = "（图表未能生成，见下表。）"


def chart_img(url: str) -> Markup:
    """An ``<img>`` for a chart WeasyPrint fetches by ``url`` when it lays the page out."""
    return Markup('<img class="chart" alt="{}" src="{}">').format(NOT_DRAWN, url)


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
