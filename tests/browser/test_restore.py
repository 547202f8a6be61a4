"""The restore drill (issue 16): back up, collect more on a tablet, restore the backup, and the
tablet's next sync brings back what the restore took, each response exactly once."""
from __future__ import annotations

from sqlalchemy import select

from survey_app.models import Response

from .collecting import fill_and_submit, log_in, open_form, pending


def _delivered(page) -> None:
    page.wait_for_function("() => document.querySelector('#sync-indicator').dataset.pendingCount === '0'", timeout=60000)


def _stored(db) -> list[str]:
    db.session.rollback()
    return sorted(db.session.scalars(select(Response.respondent_code)))


def _cli(app, db, *args: str):
    db.session.remove()
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def test_what_a_restore_took_back_the_tablet_sends_again_once(context, server, app, programme, loaded, db, stamped, tmp_path):
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    fill_and_submit(page, "PJ-R001")
    page.click("#next-respondent")
    _delivered(page)
    backup = tmp_path / "before.sanqu-backup"
    _cli(app, db, "backup", "--out", str(backup))
    for code in ("PJ-R002", "PJ-R003"):
        fill_and_submit(page, code)
        page.click("#next-respondent")
    _delivered(page)
    assert _stored(db) == ["PJ-R001", "PJ-R002", "PJ-R003"]
    sent = page.evaluate("SanquStore.all('sent')")
    assert len(sent) == 3 and all(s.get("body") for s in sent)  # bodies kept after delivery

    # as docs/DEPLOYMENT.md says: the app server stops for the restore (no request holds a
    # connection of the pool the restore replaces), then starts again
    server.stop()
    _cli(app, db, "restore", str(backup), "--yes")
    assert _stored(db) == ["PJ-R001"]
    server.start()

    page.reload()  # the next morning: the app opens and syncs
    page.wait_for_selector("#collect[data-ready]")
    _delivered(page)
    for _ in range(100):
        if _stored(db) == ["PJ-R001", "PJ-R002", "PJ-R003"]:
            break
        page.wait_for_timeout(100)
    assert _stored(db) == ["PJ-R001", "PJ-R002", "PJ-R003"]
    # stored on the server does not mean acknowledged on the tablet yet: the reply may be on its way
    _delivered(page)
    assert pending(page) == 0
    sent = {s["respondent_code"]: s["status"] for s in page.evaluate("SanquStore.all('sent')")}
    assert sent == {"PJ-R001": "created", "PJ-R002": "created", "PJ-R003": "created"}  # sent again, stored anew
    # a later sync finds everything held and sends nothing more
    page.evaluate("SanquSync.run()")
    _delivered(page)
    assert _stored(db) == ["PJ-R001", "PJ-R002", "PJ-R003"]
