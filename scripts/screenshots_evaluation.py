"""Screenshots of the evaluation pages of issue 12 into docs/screenshots/, on a fresh demo
database: the awareness dashboard of a county (its verdict, attrition and villages) at 1280x800,
the rounds page, and the pages of a county's PDF report rendered with pdftoppm.

    .venv/bin/python scripts/screenshots_evaluation.py"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from demo_server import OUT, ROOT, demo, logged_in

#: 凤凰县: the demo's county whose lost residents knew least (the caution shows)
FENGHUANG = "433123"


def main() -> None:
    with demo() as (base, browser):
        page = logged_in(browser, base, "admin", 1280, 800)
        page.goto(f"{base}/dashboard/awareness?county={FENGHUANG}")
        page.wait_for_selector("[data-chart='1'] .main-svg")
        page.screenshot(path=OUT / "dashboard-awareness-county-landscape.png", full_page=True)
        page.goto(f"{base}/admin/rounds")
        page.screenshot(path=OUT / "admin-rounds-landscape.png", full_page=True)
        page.close()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "report.pdf"
            # the CLI builds the same report as the page, on the demo's database (its environment)
            subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "report", "--scope", f"county:{FENGHUANG}",
                            "--out", str(path)], cwd=ROOT, check=True, capture_output=True)
            for old in OUT.glob("report-county-*.png"):
                old.unlink()
            subprocess.run(["pdftoppm", "-png", "-r", "80", str(path), str(OUT / "report-county")], check=True)  # noqa: S607
    print("\n".join(str(p.name) for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
