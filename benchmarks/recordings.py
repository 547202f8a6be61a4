"""Recordings: what one questionnaire's prompts weigh in one dialect, recorded as the studio
records them, against the goal (issue 13: under 1.5 MB for the awareness survey), and what
they add to the form's first visit (only the list of their addresses: the audio itself is
fetched by the service worker afterwards, never during that visit).

    .venv/bin/python benchmarks/recordings.py [--write-docs]

Chromium's MediaRecorder records its fake microphone twice (1 s and 5 s) exactly as
static/js/studio.js does (Opus in WebM, 24 kbit/s, constant bitrate: a tone weighs what a
voice does), which gives the container's fixed cost and the bytes a second.  Each prompt's
length is then its Chinese text read at 4 characters a second plus 0.8 s of start and stop
around it (a slow reader, shy of the microphone, takes longer: see the 2x column)."""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from ingest import ROOT, machine_facts, replace_section

GOAL_BYTES = 1.5 * 1024 * 1024
CHARS_PER_SECOND, MARGIN_S = 4.0, 0.8


def calibrate() -> tuple[float, float]:
    """(fixed bytes, bytes a second) of the studio's recordings, from two real takes."""
    from build_demo_recording import record

    short, long = len(record(1.0)), len(record(5.0))
    rate = (long - short) / 4.0
    return short - rate * 1.0, rate


def prompt_sets() -> dict[str, list[tuple[str, str]]]:
    sys.path.insert(0, str(ROOT))
    from survey_app.audio.prompts import prompts
    from survey_app.questionnaires import check_folder

    catalogue = check_folder(ROOT / "questionnaires")
    return {qid: [(p.key, p.text.zh) for p in prompts(c.questionnaire)] for qid, c in sorted(catalogue.files.items())
            if c.questionnaire is not None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from survey_app.audio.service import BITRATE, BUDGET_BYTES, MAX_DURATION_MS

    fixed, rate = calibrate()
    rows = []
    for qid, ps in prompt_sets().items():
        seconds = [len(text) / CHARS_PER_SECOND + MARGIN_S for _k, text in ps]
        sizes = [fixed + rate * s for s in seconds]
        slow = [fixed + rate * (2 * s) for s in seconds]
        # what the form page embeds for a full set: one address per prompt (ids and digests of that length)
        listing = {"dialects": {"fh-xx": {"name": "凤凰湘西话", "prompts": {k: f"/collect/recordings/{1000 + i}-{'0123456789abcdef'}.webm"
                                                                       for i, (k, _t) in enumerate(ps)}}}}
        embedded = len(gzip.compress(json.dumps(listing, ensure_ascii=False).encode()))
        rows.append((qid, len(ps), sum(seconds), sum(sizes), max(sizes), sum(slow), embedded))
    lines = [
        f"Command: `benchmarks/recordings.py`. Studio settings: Opus in WebM at {BITRATE // 1000} kbit/s (constant), "
        f"at most {BUDGET_BYTES // 1024} KB and {MAX_DURATION_MS // 1000} s a prompt. Calibrated from two Chromium "
        f"MediaRecorder takes: {fixed:.0f} bytes of container + {rate:.0f} bytes a second.",
        "",
        "| Questionnaire | Prompts | Spoken (s) | One dialect | Largest prompt | Read at half speed "
        "| Added to the form page (gzip) | Goal |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for qid, n, seconds, total, largest, slow, embedded in rows:
        goal = ("1.5 MB: " + ("met" if total <= GOAL_BYTES else "NOT met")) if qid == "awareness" else ""
        lines.append(f"| {qid} | {n} | {seconds:.0f} | {total / 1024:.0f} KB | {largest / 1024:.1f} KB | {slow / 1024:.0f} KB "
                     f"| {embedded / 1024:.1f} KB | {goal} |")
    lines += ["", "The audio is not part of the form's first visit (`benchmarks/form_weight.py`): the service worker "
              "fetches it from `/collect/manifest.json`'s `recordings` after the page has loaded online.", "", *machine_facts(), ""]
    block = "\n".join(lines)
    print(block)
    if args.write_docs:
        replace_section("recordings", "Recordings: one questionnaire in one dialect (issue 13)", block)


if __name__ == "__main__":
    main()
