"""Free text is deleted after the retention period (PIPL); scores, choices and everything else
stay, and the purge is audited."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from survey_app.models import Answer, AuditEvent, IndexScore, Response


def counts(db, *where):
    db.session.rollback()
    return (
        db.session.scalar(select(func.count()).select_from(Answer).join(Response).where(Answer.question_id == "comments", *where)),
        db.session.scalar(select(func.count()).select_from(Answer).join(Response).where(Answer.question_id != "comments", *where)),
        db.session.scalar(select(func.count()).select_from(IndexScore).join(Response).where(*where)),
    )


def test_old_free_text_goes_and_the_rest_stays(app, db, programme):
    from survey_app.demo.seed import seed_responses

    seed_responses(db.session, 200, seed=3)
    db.session.commit()
    commented = list(db.session.scalars(select(Answer.response_id).where(Answer.question_id == "comments").order_by(Answer.response_id)))
    old_ids = commented[: len(commented) // 2]
    now = dt.datetime.now(dt.UTC)
    # the demo's receipts follow its fieldwork (2025-2026): the test sets them, old and recent
    db.session.execute(update(Response).where(Response.id.in_(old_ids)).values(received_at=now - dt.timedelta(days=400)))
    db.session.execute(update(Response).where(Response.id.not_in(old_ids)).values(received_at=now - dt.timedelta(days=3)))
    db.session.commit()
    old, new = Response.id.in_(old_ids), Response.id.not_in(old_ids)
    old_text, old_other, old_scores = counts(db, old)
    new_text, new_other, new_scores = counts(db, new)
    assert old_text > 0 and new_text > 0, "the demo should have comments in both"
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["purge-free-text"])
    assert refused.exit_code != 0 and "FREE_TEXT_RETENTION_DAYS" in refused.output
    done = runner.invoke(args=["purge-free-text", "--days", "365"])
    assert done.exit_code == 0, done.output
    assert counts(db, old) == (0, old_other, old_scores)
    assert counts(db, new) == (new_text, new_other, new_scores)
    assert all("comments" not in r.answers_json for r in db.session.scalars(select(Response).where(old)))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.purge"))
    assert event.detail["answers"] == old_text and event.detail["days"] == 365
    assert runner.invoke(args=["purge-free-text", "--days", "365"]).exit_code == 0  # again: nothing left to do
    assert counts(db, old) == (0, old_other, old_scores)


def test_the_setting_is_read_from_the_config(app, db, programme):
    app.config["FREE_TEXT_RETENTION_DAYS"] = 30
    result = app.test_cli_runner().invoke(args=["purge-free-text"])
    assert result.exit_code == 0 and "free text deleted from 0 responses" in result.output


def test_a_stored_report_that_quoted_purged_text_is_not_handed_out_again(app, db, programme, tmp_path, monkeypatch):
    """The report's data version reads no comments: without forgetting the stored PDFs, the same
    report asked for after the purge would be the stored one, quoting what was deleted."""
    import shutil
    import subprocess

    import pytest

    from survey_app.demo.seed import seed_responses
    from survey_app.models import ReportJob
    from survey_app.reports import export

    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) not installed")
    monkeypatch.setattr(export, "charts_available", lambda: False)  # tables only: faster, the text is what counts
    seed_responses(db.session, 200, seed=3)
    db.session.execute(update(Response).values(received_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=400)))
    db.session.commit()
    runner = app.test_cli_runner()

    def report_text(name: str) -> str:
        out = tmp_path / name
        made = runner.invoke(args=["report", "--scope", "programme", "--out", str(out)])
        assert made.exit_code == 0, made.output
        return subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607

    assert "居民意见（摘录）" in report_text("before.pdf")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ReportJob)) == 1
    done = runner.invoke(args=["purge-free-text", "--days", "365"])
    assert done.exit_code == 0 and "1 stored reports deleted" in done.output, done.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ReportJob)) == 0
    assert "居民意见（摘录）" not in report_text("after.pdf")
