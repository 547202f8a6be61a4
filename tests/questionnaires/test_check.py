"""`questionnaires check`: every problem as PATH:LINE: message, and a bad file never crashes."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from survey_app.questionnaires import check_file, check_folder

from .helpers import problems

ROOT = Path(__file__).resolve().parents[2]

HEAD = """\
id: t
title: {zh: 测试}
sections:
  - id: s1
    title: {zh: 一}
    questions:
"""


def with_questions(body: str, tail: str = "") -> str:
    return HEAD + textwrap.indent(textwrap.dedent(body), "      ") + textwrap.dedent(tail)


def test_bad_yaml_names_the_line():
    text = HEAD + "      - {id: a, type: text, label: {zh: A}\n      - {id: b}\n"
    found = problems(text)
    assert len(found) == 1 and found[0].startswith("t.yaml:8: invalid YAML: ")


def test_tab_indentation_is_bad_yaml():
    found = problems("id: t\ntitle:\n\tzh: x\n")
    assert len(found) == 1 and found[0].startswith("t.yaml:3: invalid YAML")


def test_unknown_type():
    text = with_questions("- {id: a, type: slider, label: {zh: A}}\n")
    assert problems(text) == ["t.yaml:7: unknown question type 'slider' (known: date, likert, multi, note, number, single, text)"]


def test_duplicate_question_ids():
    text = with_questions(
        """\
        - {id: a, type: text, label: {zh: A}}
        - {id: b, type: text, label: {zh: B}}
        - {id: a, type: number, label: {zh: C}}
        """
    )
    assert problems(text) == ["t.yaml:9: duplicate question id 'a' (first at line 7)"]


def test_duplicate_yaml_keys():
    text = HEAD + "      - id: a\n        type: text\n        label: {zh: A}\n        type: number\n"
    assert problems(text) == ["t.yaml:10: invalid YAML: duplicate key 'type'"]


def test_option_list_on_a_number():
    text = with_questions(
        """\
        - id: n
          type: number
          label: {zh: 人数}
          options: [{value: a, label: {zh: 甲}}]
        """
    )
    assert problems(text) == ["t.yaml:10: key 'options' is not allowed on a number question (sections[0].questions[0])"]


def test_rule_naming_an_unknown_question():
    text = with_questions(
        """\
        - {id: a, type: text, label: {zh: A}}
        - id: b
          type: text
          label: {zh: B}
          relevant: {"==": [{"var": "ghost"}, "yes"]}
        """
    )
    assert problems(text) == ["t.yaml:11: rule names unknown question 'ghost'"]


def test_unsupported_operator():
    text = with_questions('- {id: a, type: text, label: {zh: A}, constraint: {"regex": [{"var": "a"}, "x"]}}\n')
    assert problems(text) == ["t.yaml:7: unknown or unsupported JsonLogic operator 'regex' (allowed: var missing == != === !== < <= > >= ! !! and or if in + - * / % min max)"]


def test_index_naming_a_non_likert_item():
    text = with_questions(
        """\
        - {id: a, type: likert, label: {zh: A}, scale: {min: 1, max: 5}}
        - {id: b, type: single, label: {zh: B}, options: [{value: x, label: {zh: X}}]}
        """,
        """\
        indices:
          - id: idx
            items: [a, b, nope]
            reverse: [zz]
        """,
    )
    assert problems(text) == [
        "t.yaml:11: index 'idx' item 'b' is a single question; index items must be likert",
        "t.yaml:11: index 'idx' names unknown question 'nope'",
        "t.yaml:12: index 'idx' reverses 'zz', which is not one of its items",
    ]


def test_circular_rules():
    text = with_questions(
        """\
        - {id: a, type: text, label: {zh: A}}
        - id: b
          type: text
          label: {zh: B}
          relevant: {"==": [{"var": "c"}, "x"]}
        - id: c
          type: text
          label: {zh: C}
          relevant: {"==": [{"var": "b"}, "x"]}
        """
    )
    assert problems(text) == ["t.yaml:11: circular skip logic: b -> c -> b"]


def test_self_referencing_relevance_is_circular():
    text = with_questions('- {id: a, type: text, label: {zh: A}, relevant: {"!": {"var": "a"}}}\n')
    assert problems(text) == ["t.yaml:7: circular skip logic: a -> a"]


def test_structure_problems_are_located():
    text = textwrap.dedent(
        """\
        id: t
        title: {zh: 测试, fr: Test}
        wave: sometimes
        sections:
          - id: s1
            title: {zh: 一}
            questions:
              - {id: Bad-Id, type: likert, label: {zh: A}, scale: {min: 5, max: 1}}
              - {id: s, type: single, label: {zh: S}}
        """
    )
    assert problems(text) == [
        "t.yaml:2: unknown key 'fr' in title",
        "t.yaml:3: wave must be one of 'required', 'optional', 'none', not 'sometimes'",
        "t.yaml:8: sections[0].questions[0].id 'Bad-Id' is not a valid id (lowercase letters, digits and _, starting with a letter)",
        "t.yaml:8: scale min (5) must be below max (1)",
        "t.yaml:9: missing required key 'options' in sections[0].questions[1]",
    ]


def test_yes_and_no_stay_strings():
    text = with_questions("- {id: a, type: single, label: {zh: A}, options: [{value: yes, label: {zh: 是}}, {value: no, label: {zh: 否}}, {value: on, label: {zh: 开}}]}\n")
    assert problems(text) == []


def test_id_must_match_the_file_name(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text(with_questions("- {id: a, type: text, label: {zh: A}}\n"), encoding="utf-8")
    assert [str(p) for p in check_file(path).problems] == [f"{path}:1: id 't' must match the file name 'other'"]


def test_missing_audio_file(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(with_questions("- {id: a, type: text, label: {zh: A}, audio: t/a.mp3}\n"), encoding="utf-8")
    (tmp_path / "audio").mkdir()
    assert [p.message for p in check_file(path, audio_dir=tmp_path / "audio").problems] == [
        f"audio file 't/a.mp3' not found in {tmp_path / 'audio'}"
    ]
    (tmp_path / "audio" / "t").mkdir()
    (tmp_path / "audio" / "t" / "a.mp3").write_bytes(b"ID3")
    assert check_file(path, audio_dir=tmp_path / "audio").problems == []


def test_not_utf8(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_bytes("id: t\ntitle: {zh: 测试}\n".encode("gbk"))
    assert next(p.message for p in check_file(path).problems).startswith("not UTF-8 text")


def test_a_bad_file_is_refused_and_the_rest_served(tmp_path):
    (tmp_path / "good.yaml").write_text(with_questions("- {id: a, type: text, label: {zh: A}}\n").replace("id: t\n", "id: good\n", 1), encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("id: bad\ntitle: [\n", encoding="utf-8")
    catalogue = check_folder(tmp_path)
    assert list(catalogue.files) == ["good"]
    assert len(catalogue.problems) == 1 and catalogue.problems[0].path.endswith("bad.yaml")


@pytest.mark.parametrize("name", ["awareness", "satisfaction", "staff", "activity"])
def test_the_instruments_are_valid_and_bilingual(name):
    checked = check_file(ROOT / "questionnaires" / f"{name}.yaml")
    assert checked.problems == []
    qn = checked.questionnaire
    texts = [qn.title] + [s.title for s in qn.sections]
    for q in qn.questions.values():
        texts += [q.label] + [o.label for o in q.options] + ([q.hint] if q.hint else [])
    assert all(t.en for t in texts), [t.zh for t in texts if not t.en]


def test_awareness_instrument_has_what_the_evaluation_needs():
    qn = check_file(ROOT / "questionnaires" / "awareness.yaml").questionnaire
    index = next(i for i in qn.indices if i.id == "awareness")
    assert len(index.items) >= 8 and len(index.reverse) >= 2
    assert qn.question("heard_sw").option_values == ("yes", "no")
    assert qn.wave == "required" and qn.respondent_code == "required" and qn.consent is not None


def test_the_documented_example_is_valid():
    import re

    doc = (ROOT / "docs" / "questionnaire-format.md").read_text(encoding="utf-8")
    section = doc.split("## A complete example", 1)[1]
    example = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    assert problems(example, name="example") == []


def test_compare_names_yes_no_questions_only():
    text = with_questions(
        """\
        - {id: a, type: single, label: {zh: A}, options: [{value: "yes", label: {zh: 是}}, {value: "no", label: {zh: 否}}]}
        - {id: b, type: single, label: {zh: B}, options: [{value: x, label: {zh: X}}]}
        """,
        """\
        compare: [a, b, nope]
        """,
    )
    assert problems(text) == [
        "t.yaml:9: compare item 'b' must be a single-choice question with the options yes and no",
        "t.yaml:9: compare names unknown question 'nope'",
    ]
