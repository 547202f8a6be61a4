"""Report benchmark: how long an assessment report takes, request to PDF.

    .venv/bin/python benchmarks/report.py [--responses 20000] [--repeat 7] [--write-docs]

A fresh SQLite demo database with N seeded responses (`seed-demo --responses N`: about N/10 a
county, so 20,000 gives a county report over some 2,000 responses), then, in one process as a
report job runs it: the 平江县 report cold (the first in the process: Chromium for the charts
starts, fonts are read), the same report warm (median of R), the programme report for the ten
counties (median of R), and, in the same run, WeasyPrint alone on the county report's final
HTML (median of R); then the county report as a Word document (median of R), every county's
report as PDF and Word for the all-counties ZIP with none stored (median of B), and the same
ZIP as a job run by the command, in a process of its own as a worker's (cold: Chromium starts).
Goals: county report <= 4 s warm and <= 1.3x the WeasyPrint-only time (issue 5); the Word
report <= 3 s warm and the all-counties ZIP of the demo's ten counties <= 60 s warm (issue 19).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import ROOT, app_env, flask, machine_facts, replace_section

sys.path.insert(0, str(ROOT))

GOAL_S, GOAL_RATIO = 4.0, 1.3
GOAL_DOCX_S, GOAL_ZIP_S = 3.0, 60.0
WORD_ROW, ZIP_ROW = "county report as Word (平江县), warm", "all counties, PDF and Word (10 counties), warm"


def timed(call, repeat: int) -> tuple[float, float, object]:
    """Median and worst seconds of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times), result


def page_count(pdf: bytes) -> int:
    """Pages, as poppler's pdfinfo reads them (0 when it is not installed)."""
    if not shutil.which("pdfinfo"):
        return 0
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True, check=False).stdout  # noqa: S603,S607
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(match.group(1)) if match else 0


def forget_stored(db) -> None:
    """Delete every stored report (the ZIP takes a county's stored report of unchanged data)."""
    from survey_app.models import ReportFile, ReportJob

    db.session.execute(ReportFile.__table__.delete())
    db.session.execute(ReportJob.__table__.delete())
    db.session.commit()


def zip_names(data: bytes) -> list[str]:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch-repeat", type=int, default=3, help="runs of the all-counties ZIP (each makes 20 files)")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sanqu-report-") as tmp:
        workdir = Path(tmp)
        env = app_env(f"sqlite:///{workdir / 'report.db'}", workdir)
        print(f"seeding {args.responses} responses", flush=True)
        for command in (["db", "upgrade"], ["questionnaires", "load"], ["seed-demo", "--responses", str(args.responses)]):
            flask(env, *command)
        os.environ.update(env)
        from sqlalchemy import func, select

        from survey_app import create_app
        from survey_app.auth.scope import Scope
        from survey_app.extensions import db
        from survey_app.models import County, Response, User
        from survey_app.reports import batch, build, export, render, word
        from survey_app.reports.request import ReportRequest

        app = create_app()
        with app.app_context():
            admin = Scope.of(db.session.scalar(select(User).where(User.username == "admin")))
            county = ReportRequest.parse("county:430626")
            in_county = db.session.scalar(select(func.count()).select_from(Response).join(County).where(
                County.code == "430626", Response.questionnaire_id != "activity"))
            pages: dict[str, int] = {}

            def report(request: ReportRequest):
                def call():
                    pdf = build.report_pdf(db.session, request, admin)
                    pages[request.text] = page_count(pdf)
                    return pdf
                return call

            t0 = time.perf_counter()
            report(county)()
            cold = time.perf_counter() - t0
            rows = {"county report (平江县), cold": (cold, cold)}
            html = build.report_html(db.session, county, admin)
            warm, alone = [], []
            for _ in range(args.repeat):
                warm.append(timed(report(county), 1)[0])
                alone.append(timed(lambda: render.render_pdf(html, render.SafeFetcher()), 1)[0])
            rows["county report (平江县), warm"] = (statistics.median(warm), max(warm))
            ratio = statistics.median(w / a for w, a in zip(warm, alone, strict=True))
            median, worst, _ = timed(report(ReportRequest.parse("programme")), args.repeat)
            rows["programme report (10 counties), warm"] = (median, worst)
            rows["WeasyPrint alone, county report's HTML"] = (statistics.median(alone), max(alone))
            median, worst, docx = timed(lambda: word.report_docx(db.session, ReportRequest.parse("county:430626", None, "docx"),
                                                                   admin), args.repeat)
            rows[WORD_ROW] = (median, worst)
            every = ReportRequest.parse("all-counties")

            def zip_all() -> bytes:
                forget_stored(db)  # every county's report made, none taken from an earlier run
                return batch.report_zip(db.session, every, admin, lambda fraction, step: None, build.report_file)

            median, worst, made = timed(zip_all, args.batch_repeat)
            rows[ZIP_ROW] = (median, worst)
            charts = export.charts_available()
            forget_stored(db)
        zip_files = len(zip_names(made))
        t0 = time.perf_counter()
        flask(env, "report", "--scope", "all-counties", "--out", str(workdir / "all.zip"))
        command = time.perf_counter() - t0
        rows["all counties via `report --scope all-counties` (its own process), cold"] = (command, command)
    weasy = rows["WeasyPrint alone, county report's HTML"][0]
    lines = [
        f"Command: `benchmarks/report.py --responses {args.responses} --repeat {args.repeat} --batch-repeat {args.batch_repeat}`"
        f" (SQLite, in process, one report at a time); 平江县: {in_county} responses, {pages.get('county:430626', 0)} pages;"
        f" programme: {pages.get('programme', 0)} pages; the Word report {len(docx) / 1e6:.1f} MB; the ZIP {zip_files} files,"
        f" {len(made) / 1e6:.1f} MB; charts {'drawn by kaleido (Debian Chromium)' if charts else 'NOT drawn (no Chromium)'}.",
        "",
        "| Run | median | worst | x WeasyPrint alone | Goal |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for label, (median, worst) in rows.items():
        verdict, times = "", f"{median / weasy:.2f}"
        if label.endswith("warm") and label.startswith("county report ("):
            times = f"{ratio:.2f} (median of {args.repeat} pairs)"
            verdict = "met" if median <= GOAL_S and ratio <= GOAL_RATIO else "not met"
        elif label in (WORD_ROW, ZIP_ROW):
            goal = GOAL_DOCX_S if label == WORD_ROW else GOAL_ZIP_S
            times, verdict = "", f"<= {goal:.0f} s: {'met' if median <= goal else 'not met'}"
        elif "cold" in label and "all counties" in label:
            times = ""
        lines.append(f"| {label} | {median:.2f} s | {worst:.2f} s | {times} | {verdict} |")
    lines += ["", *machine_facts()]
    block = "\n".join(lines) + "\n"
    print(block)
    if args.write_docs:
        replace_section("report", "Reports (`benchmarks/report.py`)", block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
