"""Performance targets (绩效考核): the targets file, what was achieved, and the two compared.

``questionnaires/targets.yaml`` sets, for each round (by year), a ``default`` set of targets, an
optional ``programme`` set and per-county overrides keyed by the county code; the format is in
docs/questionnaire-format.md ("Performance targets").  It is checked with the questionnaires'
machinery (line numbers from the YAML nodes, schema errors worded alike) by ``questionnaires
check``.  What was achieved is computed by the dashboards' own SQL functions, and a figure that
rests on fewer than five respondents is None, so that "met" is None ("无法判断") rather than a
guess.  No Flask here.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, cast

import jsonschema
from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from .. import rounds
from ..analysis import activity as activity_sql
from ..analysis import overview
from ..analysis import satisfaction as satisfaction_sql
from ..analysis.figures import prepost
from ..database import DBSession
from ..findings.activity import SERVED_MEASURES
from ..models import County, Response, Round, Team
from ..place import Place
from ..questionnaires.check import TARGETS_FILE, FileProblem, file_problems, schema_problems
from ..questionnaires.yamlload import LDict, LList, YamlError, line_of, load_yaml
from .request import ReportRequest

__all__ = ["MEASURES", "TARGETS_FILE", "Achieved", "Measure", "TargetRow", "TargetTable", "Targets", "TargetsError", "achieved",
           "check_targets_file", "check_targets_text", "compare", "load_targets", "report_rows", "report_tables"]

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "questionnaires" / "targets.schema.json"
_CODE = re.compile(r"^[0-9]{6}$")
_R = cast(Table, Response.__table__)

#: why an achieved figure is missing
TOO_FEW = "样本不足"
NO_RECORDS = "尚无记录"


@dataclass(frozen=True)
class Measure:
    id: str
    label_zh: str
    unit: str
    #: a count adds up over counties (the programme's target is their sum); a level (a gain, a
    #: share) does not, and the programme's is the round's ``programme`` or ``default`` value
    count: bool


MEASURES = (
    Measure("awareness_gain", "社会工作认知指数提高", "分", count=False),
    Measure("satisfaction_share", "对服务总体满意的居民比例", "%", count=False),
    Measure("residents_served", "服务居民", "人次", count=True),
    Measure("trainings_held", "培训本地干部和社工", "场", count=True),
    Measure("sites_covered", "覆盖村（社区）", "个", count=True),
)
_BY_ID = {m.id: m for m in MEASURES}


class TargetsError(ValueError):
    """A targets file that cannot be used; ``problems`` as ``questionnaires check`` prints them."""

    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# -- the file -----------------------------------------------------------------------------

def _ordered(values: dict[str, float]) -> dict[str, float]:
    return {m.id: values[m.id] for m in MEASURES if m.id in values}


@dataclass(frozen=True)
class RoundTargets:
    year: int
    default: dict[str, float] = field(default_factory=dict)
    programme: dict[str, float] = field(default_factory=dict)
    counties: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Targets:
    rounds: dict[int, RoundTargets]

    def for_county(self, round_year: int, county_code: str) -> dict[str, float]:
        """The county's targets for the round: its own over the round's default; {} for a round
        the file does not list."""
        found = self.rounds.get(round_year)
        if found is None:
            return {}
        return _ordered({**found.default, **found.counties.get(county_code, {})})

    def for_programme(self, round_year: int, county_codes: list[str]) -> dict[str, float]:
        """The whole programme's targets: counts are the sum over ``county_codes`` (left out
        when a county has none, since a partial sum is no target), a gain or share the round's
        default; the round's ``programme`` set overrides both."""
        found = self.rounds.get(round_year)
        if found is None:
            return {}
        out: dict[str, float] = {}
        for measure in MEASURES:
            if measure.count:
                values = [self.for_county(round_year, code).get(measure.id) for code in county_codes]
                if values and all(v is not None for v in values):
                    out[measure.id] = sum(v for v in values if v is not None)
            elif measure.id in found.default:
                out[measure.id] = found.default[measure.id]
        return _ordered({**out, **found.programme})


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _describe(error: jsonschema.ValidationError, doc: LDict, path: list[Any], where: str) -> tuple[int | None, str] | None:
    """Targets' own wording of the errors a measure can have; others as for questionnaires."""
    if "awareness_gain" not in error.schema.get("properties", {}) and not (path and path[-1] in _BY_ID):
        return None
    inst = error.instance
    if error.validator == "additionalProperties" and isinstance(inst, LDict):
        extra = [k for k in inst if k not in _BY_ID]
        known = ", ".join(sorted(_BY_ID))
        return (inst.key_lines.get(extra[0]), f"unknown measure {extra[0]!r} in {where} (known: {known})")
    if error.validator == "minimum":
        return (None, f"{where}: a target cannot be negative ({inst})")
    if error.validator == "maximum" and path[-1] == "satisfaction_share":
        return (None, f"{where}: a share is a percent, at most 100 ({inst})")
    if error.validator == "maximum":
        return (None, f"{where}: a gain is in points on the 0-100 index, at most 100 ({inst})")
    return None


def _semantic_problems(doc: LDict) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    rounds = doc.get("rounds")
    first_at: dict[int, int] = {}
    for ri, entry in enumerate(rounds if isinstance(rounds, LList) else []):
        if not isinstance(entry, LDict):
            continue
        year = entry.get("year")
        if isinstance(year, int):
            line = line_of(doc, ["rounds", ri, "year"])
            if year in first_at:
                out.append((line, f"round {year} is listed twice (first at line {first_at[year]})"))
            else:
                first_at[year] = line
        if not any(isinstance(entry.get(k), dict) and entry[k] for k in ("default", "programme", "counties")):
            name = f"round {year}" if isinstance(year, int) else f"rounds[{ri}]"
            out.append((line_of(doc, ["rounds", ri]), f"{name} sets no targets (give default, programme or counties)"))
        counties = entry.get("counties")
        if isinstance(counties, LDict):
            for code in counties:
                line = counties.key_lines.get(code, counties.line)
                if isinstance(code, int) and _CODE.match(str(code)):
                    out.append((line, f"county code {code} must be quoted: \"{code}\""))
                elif not (isinstance(code, str) and _CODE.match(code)):
                    out.append((line, f"county code {code!r} must be 6 digits (GB/T 2260)"))
    return out


def check_targets_text(text: str, shown: str) -> tuple[list[FileProblem], Targets | None]:
    """The problems of a targets file as ``PATH:LINE: message``, and the targets when none."""
    try:
        doc = load_yaml(text)
    except YamlError as exc:
        return [FileProblem(shown, exc.line, exc.message)], None
    if not isinstance(doc, LDict):
        return [FileProblem(shown, getattr(doc, "line", 1) or 1, "a targets file must be a mapping with rounds")], None
    problems = file_problems(shown, schema_problems(doc, _validator(), _describe) + _semantic_problems(doc))
    if problems:
        return problems, None
    return [], _build(doc)


def _measures(value: Any) -> dict[str, float]:
    return {k: float(v) for k, v in (value or {}).items()}


def _build(doc: LDict) -> Targets:
    rounds = {}
    for entry in doc["rounds"]:
        rounds[entry["year"]] = RoundTargets(
            year=entry["year"], default=_measures(entry.get("default")), programme=_measures(entry.get("programme")),
            counties={code: _measures(values) for code, values in (entry.get("counties") or {}).items()},
        )
    return Targets(rounds)


def check_targets_file(path: str | Path) -> list[FileProblem]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [FileProblem(str(path), 1, f"not UTF-8 text ({exc.reason})")]
    except OSError as exc:
        return [FileProblem(str(path), 1, f"cannot read file: {exc.strerror}")]
    return check_targets_text(text, str(path))[0]


def load_targets(path: str | Path) -> Targets:
    """The targets of a file; TargetsError (with every problem) when it has any."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetsError([FileProblem(str(path), 1, f"cannot read file: {exc}")]) from exc
    problems, targets = _checked(text, str(path))
    if targets is None:
        raise TargetsError(list(problems))
    return targets


@lru_cache(maxsize=4)
def _checked(text: str, name: str) -> tuple[tuple[FileProblem, ...], Targets | None]:
    """The file's check, once per content: every report reads the file (an edit shows in the
    next report), and parsing and validating it was a tenth of a county report's gathering."""
    problems, targets = check_targets_text(text, name)
    return tuple(problems), targets


# -- what was achieved --------------------------------------------------------------------

@dataclass(frozen=True)
class Achieved:
    """A measure as achieved: ``value`` None when it cannot be told, ``reason`` says why.
    ``n`` is what it rests on: pairs (gain), scored residents (share), activity records
    (residents served, trainings) or awareness responses (sites)."""

    value: float | None
    n: int
    ci95: tuple[float, float] | None = None
    reason: str | None = None


def _missing(n: int) -> str:
    return NO_RECORDS if n == 0 else TOO_FEW


def achieved(connection: Connection, place: Place, measures: tuple[str, ...] | None = None) -> dict[str, Achieved]:
    """Each measure (default: all) for the responses ``place`` picks (county, team, round),
    from the same SQL as the dashboards."""
    wanted = set(measures if measures is not None else _BY_ID)
    out: dict[str, Achieved] = {}
    if "awareness_gain" in wanted:
        figures = prepost(connection, "awareness", "awareness", place)
        n, diff = figures["n_pairs"], figures["mean_diff"]
        ci = (float(figures["ci95"][0]), float(figures["ci95"][1])) if figures["ci95"] is not None else None
        out["awareness_gain"] = Achieved(diff, n, ci) if diff is not None else Achieved(None, n, reason=_missing(n))
    if "satisfaction_share" in wanted:
        cell = satisfaction_sql.overall(connection, "satisfaction", "satisfaction", place)
        share = cell.share_satisfied
        out["satisfaction_share"] = (Achieved(share * 100, cell.n) if share is not None
                                     else Achieved(None, cell.n, reason=_missing(cell.n)))
    if wanted & {"residents_served", "trainings_held"}:
        # Team records are counts, not residents' answers: no small-cell rule, but no record
        # at all is "not yet known" rather than zero.
        totals = activity_sql.activity_totals(connection, place.but(site_id=None, wave=None),
                                              (*SERVED_MEASURES, "staff_trainings"), "county")
        records = totals.overall.n
        for measure, value in (("residents_served", sum(totals.overall.sums.get(q, 0.0) for q in SERVED_MEASURES)),
                               ("trainings_held", totals.overall.sums.get("staff_trainings", 0.0))):
            if measure in wanted:
                out[measure] = Achieved(value, records) if records else Achieved(None, 0, reason=NO_RECORDS)
    if "sites_covered" in wanted:
        sites = overview.coverage(connection, "awareness", place.but(wave=None))
        responses = sum(s.pre + s.post + s.other for s in sites)
        reached = sum(1 for s in sites if s.pre + s.post + s.other)
        out["sites_covered"] = Achieved(float(reached), responses) if responses else Achieved(None, 0, reason=NO_RECORDS)
    return {m.id: out[m.id] for m in MEASURES if m.id in out}


@dataclass(frozen=True)
class TargetRow:
    measure: str
    label_zh: str
    unit: str
    target: float
    achieved: float | None
    n: int
    #: None: cannot be told (``reason``), never a guess
    met: bool | None
    reason: str | None = None
    ci95: tuple[float, float] | None = None


def compare(targets: dict[str, float], achieved: dict[str, Achieved]) -> list[TargetRow]:
    """One row per targeted measure, in the order of ``MEASURES``.  A figure is compared as
    printed (one decimal), so that a table never shows "10.0" against a target of 10 as
    missed."""
    rows = []
    for measure in MEASURES:
        if measure.id not in targets:
            continue
        got = achieved.get(measure.id) or Achieved(None, 0, reason=NO_RECORDS)
        met = None if got.value is None else round(got.value, 1) >= targets[measure.id]
        rows.append(TargetRow(measure.id, measure.label_zh, measure.unit, targets[measure.id], got.value, got.n, met,
                              got.reason, got.ci95))
    return rows


# -- for a report -------------------------------------------------------------------------

def _rounds_with_data(session: DBSession, place: Place) -> list[int]:
    """The years of the rounds that hold responses in the place, oldest first."""
    conditions: list[Any] = [_R.c.excluded.is_(False)]
    for column, value in ((_R.c.county_id, place.county_id), (_R.c.team_id, place.team_id)):
        if value is not None:
            conditions.append(column == value)
    return list(session.scalars(
        select(Round.year).where(select(_R.c.id).where(_R.c.round_id == Round.id, *conditions).exists()).order_by(Round.year)
    ))


@dataclass(frozen=True)
class TargetTable:
    """One round's targets against that round's own data."""

    round_year: int
    round_name: str
    #: the round's dates, as the report prints them
    dates: str
    rows: list[TargetRow]
    note: str | None


def report_tables(
    session: DBSession, connection: Connection, targets: Targets, request: ReportRequest, place: Place,
    today: dt.date | None = None,
) -> tuple[list[TargetTable], str | None]:
    """The report's targets tables and a note for the reader (or None).

    Targets are set per round and assessed per round: a report of one round has that round's
    table; a report of every round has one table per round that the targets file lists and the
    place holds data for, oldest first, each against its own round's data only.
    """
    if request.round_year is not None:
        years = [request.round_year]
    else:
        years = [year for year in _rounds_with_data(session, place) if year in targets.rounds]
        if not years:
            return [], "还没有设定了绩效指标、又有数据的一期，无法比较绩效指标。"
    tables = []
    for year in years:
        rows, note = report_rows(session, connection, targets, request, place, today, year=year)
        the_round = session.scalar(select(Round).where(Round.year == year))
        if the_round is None:
            return [], note
        tables.append(TargetTable(year, the_round.name, rounds.dates_text(the_round.starts_on, the_round.ends_on), rows, note))
    general = "绩效指标按期设定、按期考核：每一期只与本期的数据比较。" if request.round_year is None else None
    return tables, general


def report_rows(
    session: DBSession, connection: Connection, targets: Targets, request: ReportRequest, place: Place,
    today: dt.date | None = None, year: int | None = None,
) -> tuple[list[TargetRow], str | None]:
    """The rows of one round's targets table (``year``, else the request's round) and a note
    for the reader (or None).

    A county report uses the county's targets, a team report its county's (a county with several
    teams sets one target for them all), the programme report the programme's.  County codes in
    the file that the database does not know are named in the note: the file check cannot know
    them.
    """
    notes = []
    year = year if year is not None else request.round_year
    if year is None:
        raise ValueError("report_rows needs a round: report_tables covers every round")
    the_round = session.scalar(select(Round).where(Round.year == year))
    if the_round is None or year not in targets.rounds:
        return [], f"没有为{year}年度设定绩效指标。"
    codes = list(session.scalars(select(County.code).order_by(County.code)))
    unknown = sorted(set(targets.rounds[year].counties) - set(codes))
    if request.kind == "programme":
        wanted = targets.for_programme(year, codes)
    else:
        code = request.code
        if request.kind == "team":
            code = session.scalar(select(County.code).join(Team, Team.county_id == County.id).where(Team.code == request.code))
            notes.append("工作队报告按所在县的指标比较。")
        wanted = targets.for_county(year, code or "")
    if unknown:
        notes.append("指标文件中的县代码 " + "、".join(unknown) + " 在系统中不存在，已忽略。")
    today = today or dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    if the_round.ends_on and today <= the_round.ends_on:
        notes.append(f"本期到 {the_round.ends_on:%Y 年 %m 月 %d 日} 结束，完成情况是截至目前的数据。")
    rows = compare(wanted, achieved(connection, place.but(round_id=the_round.id), tuple(wanted)))
    return rows, "".join(notes) or None
