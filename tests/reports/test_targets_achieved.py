"""What was achieved against the performance targets, on both engines: each measure equals the
same figure computed here from the rows as inserted; a round narrows it; a county's own target
overrides the default; below five respondents, or with no record, "met" is None."""
from __future__ import annotations

import datetime as dt
import statistics

import pytest
from sqlalchemy import select

from survey_app.analysis.queries import Place
from survey_app.models import County, Round, Site, Team
from survey_app.reports.request import ReportRequest
from survey_app.reports.targets import NO_RECORDS, TOO_FEW, Achieved, achieved, check_targets_text, compare, report_rows, report_tables
from tests.factories import add_record, add_response

T0 = dt.datetime(2025, 4, 1, 2, 0, tzinfo=dt.UTC)
SERVED = ("served_disaster", "served_community", "served_rural", "served_elderly", "served_veterans", "served_outreach")

TARGETS = """\
rounds:
  - year: 2025
    default: {awareness_gain: 8, satisfaction_share: 60, residents_served: 500, trainings_held: 3, sites_covered: 2}
    counties:
      "430626": {awareness_gain: 12, residents_served: 800}
  - year: 2026
    default: {awareness_gain: 5, residents_served: 100, sites_covered: 1}
"""


def day(n: int) -> dt.datetime:
    """The n-th day after the first baseline."""
    return T0 + dt.timedelta(days=n)


def targets():
    found, loaded = check_targets_text(TARGETS, "targets.yaml")
    assert not found and loaded is not None
    return loaded


@pytest.fixture
def data(db, programme):
    """Pingjiang (430626) with enough of everything in 2025 and a little in 2026; Fenghuang
    (433123) with three pairs and three satisfied residents only; what went in, returned."""
    rounds = {r.year: r.id for r in db.session.scalars(select(Round))}
    pj = db.session.scalar(select(County).where(County.code == "430626"))
    fh = db.session.scalar(select(County).where(County.code == "433123"))
    pj_sites = db.session.scalars(select(Site).where(Site.county_id == pj.id).order_by(Site.code)).all()
    fh_sites = db.session.scalars(select(Site).where(Site.county_id == fh.id).order_by(Site.code)).all()
    pj_team = db.session.scalar(select(Team).where(Team.county_id == pj.id))
    fh_team = db.session.scalar(select(Team).where(Team.county_id == fh.id))
    pre = [40.0, 50.0, 45.0, 60.0, 55.0, 35.0, 50.0, 42.5]
    gains = [10.0, 12.5, 8.0, 15.0, 9.0, 11.0, 10.0, 13.0]
    for i, (before, gain) in enumerate(zip(pre, gains, strict=True)):
        site = pj_sites[i % 2]  # two of Pingjiang's five sites
        add_response(db, "awareness", pj, team=pj_team, site=site, score=before, wave="pre", code=f"PJ-{i}",
                     round_id=rounds[2025], completed_at=day(0))
        add_response(db, "awareness", pj, team=pj_team, site=site, score=before + gain, wave="post", code=f"PJ-{i}",
                     round_id=rounds[2025], completed_at=day(300))
    add_response(db, "awareness", pj, team=pj_team, site=pj_sites[0], score=50.0, wave="pre", code="PJ-dropped",
                 round_id=rounds[2025], completed_at=day(0))
    # 2026: other people at a third site, and a fall
    for i in range(6):
        add_response(db, "awareness", pj, team=pj_team, site=pj_sites[2], score=60.0, wave="pre", code=f"PJ-b{i}",
                     round_id=rounds[2026], completed_at=day(500))
        add_response(db, "awareness", pj, team=pj_team, site=pj_sites[2], score=57.0 + i % 2, wave="post", code=f"PJ-b{i}",
                     round_id=rounds[2026], completed_at=day(560))
    for i in range(3):
        add_response(db, "awareness", fh, team=fh_team, site=fh_sites[0], score=50.0, wave="pre", code=f"FH-{i}",
                     round_id=rounds[2025], completed_at=day(0))
        add_response(db, "awareness", fh, team=fh_team, site=fh_sites[0], score=70.0 + i, wave="post", code=f"FH-{i}",
                     round_id=rounds[2025], completed_at=day(300))

    satisfaction = [80.0, 75.0, 60.0, 90.0, 74.9, 100.0]
    for score in satisfaction:
        add_response(db, "satisfaction", pj, team=pj_team, score=score, wave="post", round_id=rounds[2025], completed_at=day(300))
    # too few items: no score
    add_response(db, "satisfaction", pj, team=pj_team, score=None, wave="post", round_id=rounds[2025], completed_at=day(300))
    add_response(db, "satisfaction", pj, team=pj_team, score=100.0, wave="post", round_id=rounds[2025], completed_at=day(300),
                 excluded=True)
    for score in (90.0, 95.0, 100.0):
        add_response(db, "satisfaction", fh, team=fh_team, score=score, wave="post", round_id=rounds[2025], completed_at=day(300))

    records = [("2025-05", 2025, 1, {"served_elderly": 120, "served_disaster": 40}), ("2025-06", 2025, 2, {"served_rural": 300}),
               ("2025-07", 2025, 0, {"served_outreach": 250, "served_veterans": 10}), ("2026-08", 2026, 4, {"served_community": 90})]
    kept = []
    for month, year, trainings, served in records:
        values = {q: served.get(q, 0) for q in SERVED} | {"staff_trainings": trainings}
        add_record(db, pj_team, month, values, round_id=rounds[year])
        kept.append((year, trainings, sum(served.values())))
    add_record(db, pj_team, "2025-08", dict.fromkeys(SERVED, 999) | {"staff_trainings": 9}, round_id=rounds[2025], excluded=True)
    db.session.commit()
    return {"rounds": rounds, "pj": pj, "fh": fh, "pj_team": pj_team, "fh_team": fh_team, "pre": pre, "gains": gains,
            "satisfaction": satisfaction, "records": kept, "sites": (pj_sites, fh_sites)}


def connect(db):
    return db.engine.connect()


def test_each_measure_equals_the_data(db, data):
    gains = data["gains"]
    with connect(db) as connection:
        got = achieved(connection, Place(county_id=data["pj"].id, round_id=data["rounds"][2025]))
    assert list(got) == ["awareness_gain", "satisfaction_share", "residents_served", "trainings_held", "sites_covered"]
    gain = got["awareness_gain"]
    assert gain.value == pytest.approx(statistics.mean(gains)) and gain.n == 8 and gain.reason is None
    half = 2.365 * statistics.stdev(gains) / 8 ** 0.5  # t(0.975, 7)
    assert gain.ci95 == pytest.approx((statistics.mean(gains) - half, statistics.mean(gains) + half), abs=0.01)
    share = sum(s >= 75 for s in data["satisfaction"]) / len(data["satisfaction"]) * 100
    assert got["satisfaction_share"] == Achieved(pytest.approx(share), 6)
    in_2025 = [r for r in data["records"] if r[0] == 2025]
    assert got["residents_served"] == Achieved(sum(r[2] for r in in_2025), 3)
    assert got["trainings_held"] == Achieved(sum(r[1] for r in in_2025), 3)
    assert got["sites_covered"] == Achieved(2, 17)  # 8 pairs and a drop-out, at two sites


def test_a_round_narrows_every_measure(db, data):
    with connect(db) as connection:
        got = achieved(connection, Place(county_id=data["pj"].id, round_id=data["rounds"][2026]))
        everything = achieved(connection, Place(county_id=data["pj"].id), ("residents_served", "sites_covered", "awareness_gain"))
    assert got["awareness_gain"].value == pytest.approx(statistics.mean([57.0 + i % 2 - 60.0 for i in range(6)]))
    assert got["awareness_gain"].n == 6
    assert got["satisfaction_share"] == Achieved(None, 0, reason=NO_RECORDS)
    assert got["residents_served"] == Achieved(90, 1) and got["trainings_held"] == Achieved(4, 1)
    assert got["sites_covered"] == Achieved(1, 12)
    assert list(everything) == ["awareness_gain", "residents_served", "sites_covered"]
    assert everything["residents_served"] == Achieved(sum(r[2] for r in data["records"]), 4)
    assert everything["sites_covered"] == Achieved(3, 29)
    assert everything["awareness_gain"].n == 14


def test_fewer_than_five_respondents_or_no_record_cannot_be_judged(db, data):
    with connect(db) as connection:
        got = achieved(connection, Place(county_id=data["fh"].id, round_id=data["rounds"][2025]))
    assert got["awareness_gain"] == Achieved(None, 3, reason=TOO_FEW)
    assert got["satisfaction_share"] == Achieved(None, 3, reason=TOO_FEW)
    assert got["residents_served"] == Achieved(None, 0, reason=NO_RECORDS)
    assert got["trainings_held"] == Achieved(None, 0, reason=NO_RECORDS)
    assert got["sites_covered"] == Achieved(1, 6)  # counts of questionnaires, not answers: no suppression
    rows = compare(targets().for_county(2025, "433123"), got)
    assert [(r.measure, r.target, r.achieved, r.met, r.reason) for r in rows] == [
        ("awareness_gain", 8, None, None, TOO_FEW), ("satisfaction_share", 60, None, None, TOO_FEW),
        ("residents_served", 500, None, None, NO_RECORDS), ("trainings_held", 3, None, None, NO_RECORDS),
        ("sites_covered", 2, 1, False, None),
    ]


def test_met_and_not_met_with_the_county_override_over_the_default(db, data):
    with connect(db) as connection:
        got = achieved(connection, Place(county_id=data["pj"].id, round_id=data["rounds"][2025]))
    own = targets().for_county(2025, "430626")
    default = targets().for_county(2025, "433124")  # a county without its own targets
    assert own["awareness_gain"] == 12 and default["awareness_gain"] == 8
    rows = {r.measure: r for r in compare(own, got)}
    # gain 11.06: below Pingjiang's own 12, above the default 8
    assert (rows["awareness_gain"].target, rows["awareness_gain"].met) == (12, False)
    assert {r.measure: r.met for r in compare(default, got)}["awareness_gain"] is True
    assert (rows["satisfaction_share"].achieved, rows["satisfaction_share"].met) == (pytest.approx(200 / 3), True)
    assert (rows["residents_served"].target, rows["residents_served"].achieved, rows["residents_served"].met) == (800, 720, False)
    assert {r.measure: r.met for r in compare(default, got)}["residents_served"] is True
    assert (rows["trainings_held"].achieved, rows["trainings_held"].met) == (3, True)  # reached exactly: met
    assert (rows["sites_covered"].achieved, rows["sites_covered"].met) == (2, True)
    assert rows["awareness_gain"].label_zh == "社会工作认知指数提高" and rows["awareness_gain"].unit == "分"
    assert rows["awareness_gain"].ci95 is not None and rows["awareness_gain"].n == 8


def test_compared_as_printed_and_only_for_targeted_measures():
    got = {"awareness_gain": Achieved(9.96, 40), "satisfaction_share": Achieved(59.94, 40)}
    rows = compare({"awareness_gain": 10, "satisfaction_share": 60, "sites_covered": 3}, got)
    assert [(r.measure, r.met) for r in rows] == [("awareness_gain", True), ("satisfaction_share", False), ("sites_covered", None)]
    assert rows[2].reason == NO_RECORDS and rows[2].n == 0
    assert compare({}, got) == []


def test_report_rows_for_a_county_a_team_and_the_programme(db, data):
    loaded = targets()
    pj = data["pj"]
    with connect(db) as connection:
        county, note = report_rows(db.session, connection, loaded, ReportRequest("county", "430626", 2025), Place(county_id=pj.id),
                                   today=dt.date(2026, 11, 26))
        assert note is None  # the 2025 round is over
        assert [(r.measure, r.target, r.met) for r in county] == [
            ("awareness_gain", 12, False), ("satisfaction_share", 60, True), ("residents_served", 800, False),
            ("trainings_held", 3, True), ("sites_covered", 2, True)]

        team, note = report_rows(db.session, connection, loaded, ReportRequest("team", data["pj_team"].code, 2025),
                                 Place(county_id=pj.id, team_id=data["pj_team"].id), today=dt.date(2026, 11, 26))
        assert note == "工作队报告按所在县的指标比较。"
        assert [r.target for r in team] == [r.target for r in county]

        # every round: a table per round with targets and data, each against its own round only;
        # a round still running says so
        tables, note = report_tables(db.session, connection, loaded, ReportRequest("county", "430626"), Place(county_id=pj.id),
                                     today=dt.date(2026, 11, 26))
        assert note == "绩效指标按期设定、按期考核：每一期只与本期的数据比较。"
        assert [t.round_year for t in tables] == [2025, 2026]
        assert tables[0].rows == county and tables[0].note is None
        latest = tables[1]
        assert latest.note == "本期到 2027 年 06 月 30 日 结束，完成情况是截至目前的数据。"
        assert latest.dates == "2026 年 7 月 1 日至 2027 年 6 月 30 日"
        assert [(r.measure, r.target, r.achieved, r.met) for r in latest.rows] == [
            ("awareness_gain", 5, pytest.approx(-2.5), False), ("residents_served", 100, 90, False), ("sites_covered", 1, 1, True)]

        programme, note = report_rows(db.session, connection, loaded, ReportRequest("programme", None, 2025), Place(),
                                      today=dt.date(2026, 11, 26))
        assert note is None
        rows = {r.measure: r for r in programme}
        # counts: the sum over the ten demo counties (Pingjiang's own 800 and nine defaults of 500)
        assert rows["residents_served"].target == 800 + 9 * 500 and rows["residents_served"].achieved == 720
        assert rows["sites_covered"].target == 10 * 2 and rows["sites_covered"].achieved == 3
        # a gain or share: the default; figures over every county (8 + 3 pairs)
        assert rows["awareness_gain"].target == 8 and rows["awareness_gain"].n == 11
        assert rows["satisfaction_share"].achieved == pytest.approx(700 / 9) and rows["satisfaction_share"].met is True


def test_report_rows_without_targets_for_the_round_or_with_unknown_counties(db, data):
    with connect(db) as connection:
        loaded = targets()
        rows, note = report_rows(db.session, connection, loaded, ReportRequest("county", "433124", 2031), Place(county_id=1))
        assert (rows, note) == ([], "没有为2031年度设定绩效指标。")
        found, odd = check_targets_text(TARGETS + '    counties:\n      "999999": {awareness_gain: 1}\n', "targets.yaml")
        assert not found
        rows, note = report_rows(db.session, connection, odd, ReportRequest("county", "430626", 2026),
                                 Place(county_id=data["pj"].id), today=dt.date(2027, 7, 1))
        assert note == "指标文件中的县代码 999999 在系统中不存在，已忽略。" and len(rows) == 3
        empty = db.session.scalar(select(County).where(County.code == "433124"))
        tables, note = report_tables(db.session, connection, loaded, ReportRequest("county", "433124"), Place(county_id=empty.id))
        assert (tables, note) == ([], "还没有设定了绩效指标、又有数据的一期，无法比较绩效指标。")
