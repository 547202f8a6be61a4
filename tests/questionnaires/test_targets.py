"""The performance targets file: checked like the questionnaires (every problem as
PATH:LINE: message), never taken for a questionnaire, and read into per-county and programme
targets."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from survey_app.questionnaires import check_folder
from survey_app.questionnaires.check import TARGETS_FILE, questionnaire_paths
from survey_app.reports.targets import MEASURES, TargetsError, check_targets_file, check_targets_text, load_targets

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "questionnaires" / TARGETS_FILE
KNOWN = "known: awareness_gain, residents_served, satisfaction_share, sites_covered, trainings_held"


def problems(text: str) -> list[str]:
    return [str(p) for p in check_targets_text(textwrap.dedent(text), "targets.yaml")[0]]


def targets(text: str):
    found, loaded = check_targets_text(textwrap.dedent(text), "targets.yaml")
    assert not found, [str(p) for p in found]
    return loaded


GOOD = """\
rounds:
  - year: 2025
    default: {awareness_gain: 8, satisfaction_share: 55, residents_served: 3000, trainings_held: 12, sites_covered: 4}
    counties:
      "430626": {residents_served: 4000, sites_covered: 6}
      "433123": {awareness_gain: 10.5}
  - year: 2026
    counties:
      "430626": {trainings_held: 20}
"""


def test_the_shipped_file_is_valid_and_covers_the_demo_rounds_and_counties():
    from survey_app.demo.places import COUNTIES
    from survey_app.demo.seed import ROUNDS

    assert check_targets_file(SHIPPED) == []
    loaded = load_targets(SHIPPED)
    assert sorted(loaded.rounds) == [year for year, *_ in ROUNDS]
    codes = {c[0] for c in COUNTIES}
    for year in loaded.rounds:
        assert set(loaded.rounds[year].counties) <= codes
        for code in codes:
            assert set(loaded.for_county(year, code)) == {m.id for m in MEASURES}


def test_a_good_file_reads_into_targets():
    loaded = targets(GOOD)
    assert loaded.for_county(2025, "430626") == {"awareness_gain": 8.0, "satisfaction_share": 55.0, "residents_served": 4000.0,
                                                 "trainings_held": 12.0, "sites_covered": 6.0}
    assert loaded.for_county(2025, "433123")["awareness_gain"] == 10.5
    assert loaded.for_county(2025, "433124") == {"awareness_gain": 8.0, "satisfaction_share": 55.0, "residents_served": 3000.0,
                                                 "trainings_held": 12.0, "sites_covered": 4.0}
    assert loaded.for_county(2026, "430626") == {"trainings_held": 20.0}
    assert loaded.for_county(2026, "433123") == {}
    assert loaded.for_county(2031, "430626") == {}


def test_programme_targets_sum_counts_and_take_the_default_gain_and_share():
    loaded = targets(GOOD)
    three = ["430626", "433123", "433124"]
    assert loaded.for_programme(2025, three) == {"awareness_gain": 8.0, "satisfaction_share": 55.0,
                                                 "residents_served": 4000.0 + 3000 + 3000, "trainings_held": 36.0,
                                                 "sites_covered": 6.0 + 4 + 4}
    # A count that some county lacks has no programme target (a partial sum is none).
    assert loaded.for_programme(2026, three) == {}
    assert loaded.for_programme(2026, ["430626"]) == {"trainings_held": 20.0}
    with_programme = targets(GOOD.replace("    counties:\n      \"430626\": {residents",
                                          "    programme: {awareness_gain: 10, residents_served: 9000}\n"
                                          "    counties:\n      \"430626\": {residents", 1))
    assert with_programme.for_programme(2025, three)["awareness_gain"] == 10.0
    assert with_programme.for_programme(2025, three)["residents_served"] == 9000.0


def test_schema_and_meaning_problems_each_on_their_line():
    text = """\
    rounds:
      - year: 2025
        default:
          awareness_gain: -3
          satisfaction_share: 120
          residents_served: 300.5
          trainings: 4
        counties:
          430626: {sites_covered: 5}
          "43062": {sites_covered: 5}
          "433123": {satisfaction_share: 50, bogus: 1}
      - year: 2025
        default: {awareness_gain: 101}
      - year: 2026
        colour: red
    """
    assert problems(text) == [
        "targets.yaml:4: rounds[0].default.awareness_gain: a target cannot be negative (-3)",
        "targets.yaml:5: rounds[0].default.satisfaction_share: a share is a percent, at most 100 (120)",
        "targets.yaml:6: rounds[0].default.residents_served must be a whole number, not float",
        f"targets.yaml:7: unknown measure 'trainings' in rounds[0].default ({KNOWN})",
        'targets.yaml:9: county code 430626 must be quoted: "430626"',
        "targets.yaml:10: county code '43062' must be 6 digits (GB/T 2260)",
        f"targets.yaml:11: unknown measure 'bogus' in rounds[0].counties.433123 ({KNOWN})",
        "targets.yaml:12: round 2025 is listed twice (first at line 2)",
        "targets.yaml:13: rounds[1].default.awareness_gain: a gain is in points on the 0-100 index, at most 100 (101)",
        "targets.yaml:14: round 2026 sets no targets (give default, programme or counties)",
        "targets.yaml:15: unknown key 'colour' in rounds[2]",
    ]


def test_structure_problems():
    assert problems("rounds: []\n") == ["targets.yaml:1: rounds: [] should be non-empty"]
    assert problems("round:\n  - year: 2025\n") == ["targets.yaml:1: missing required key 'rounds' in top level",
                                                    "targets.yaml:1: unknown key 'round' in top level"]
    assert problems("rounds:\n  - default: {awareness_gain: 5}\n") == ["targets.yaml:2: missing required key 'year' in rounds[0]"]
    assert problems("rounds:\n  - year: '2025'\n    default: {awareness_gain: 5}\n") == [
        "targets.yaml:2: rounds[0].year must be a whole number, not str"]
    assert problems("rounds:\n  - year: 2025\n    counties:\n      \"430626\": 5\n") == [
        "targets.yaml:4: rounds[0].counties.430626 must be a mapping, not int"]
    assert problems("- 2025\n") == ["targets.yaml:1: a targets file must be a mapping with rounds"]
    assert problems("") == ["targets.yaml:1: a targets file must be a mapping with rounds"]


def test_bad_yaml_and_duplicate_county_keys():
    found = problems("rounds:\n  - year: 2025\n    default: {awareness_gain: 5\n")
    assert len(found) == 1 and found[0].startswith("targets.yaml:4: invalid YAML")
    text = 'rounds:\n  - year: 2025\n    counties:\n      "430626": {awareness_gain: 5}\n      "430626": {awareness_gain: 6}\n'
    assert problems(text) == ["targets.yaml:5: invalid YAML: duplicate key '430626'"]


def test_load_targets_raises_with_every_problem(tmp_path):
    bad = tmp_path / TARGETS_FILE
    bad.write_text("rounds:\n  - year: 2025\n    default: {awareness_gain: -1, sites: 2}\n", encoding="utf-8")
    with pytest.raises(TargetsError) as caught:
        load_targets(bad)
    assert [str(p) for p in caught.value.problems] == [
        f"{bad}:3: unknown measure 'sites' in rounds[0].default ({KNOWN})",
        f"{bad}:3: rounds[0].default.awareness_gain: a target cannot be negative (-1)",
    ]
    with pytest.raises(TargetsError):
        load_targets(tmp_path / "missing.yaml")


def test_targets_file_is_no_questionnaire(tmp_path):
    folder = tmp_path / "q"
    shutil.copytree(ROOT / "questionnaires", folder)
    assert (folder / TARGETS_FILE).exists()
    assert TARGETS_FILE not in {p.name for p in questionnaire_paths(folder)}
    catalogue = check_folder(folder)
    assert catalogue.problems == [] and sorted(catalogue.files) == ["activity", "awareness", "satisfaction", "staff"]


# -- the command -----------------------------------------------------------------------------

@pytest.fixture
def cli_app(tmp_path):
    from tests.conftest import make_app

    return make_app(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path)


def test_check_without_arguments_covers_the_targets(cli_app, tmp_path):
    result = cli_app.test_cli_runner().invoke(args=["questionnaires", "check"])
    assert result.exit_code == 0, result.output
    assert "4 file(s) OK, and the targets (targets.yaml)" in result.output

    folder = tmp_path / "q"
    shutil.copytree(ROOT / "questionnaires", folder)
    cli_app.config["QUESTIONNAIRE_DIR"] = str(folder)
    path = folder / TARGETS_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("satisfaction_share: 55", "satisfaction_share: 155", 1), encoding="utf-8")
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "155" in text)
    result = cli_app.test_cli_runner().invoke(args=["questionnaires", "check"])
    assert result.exit_code == 1
    assert f"{path}:{line}: rounds[0].default.satisfaction_share: a share is a percent, at most 100 (155)\n" in result.output
    assert "1 problem(s) in 1 of 5 file(s)" in result.output
    # `load` is not troubled by the targets file: it holds no questionnaire
    assert "problem" not in cli_app.test_cli_runner().invoke(args=["questionnaires", "load"]).output


def test_check_a_named_targets_file(cli_app, tmp_path):
    bad = tmp_path / TARGETS_FILE
    bad.write_text('rounds:\n  - year: 2025\n    counties:\n      "12345": {trainings_held: 3}\n', encoding="utf-8")
    result = cli_app.test_cli_runner().invoke(args=["questionnaires", "check", str(bad), str(SHIPPED)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"{bad}:4: county code '12345' must be 6 digits (GB/T 2260)"
    good = cli_app.test_cli_runner().invoke(args=["questionnaires", "check", str(SHIPPED)])
    assert good.exit_code == 0 and "1 file(s) OK" in good.output
