from __future__ import annotations

import textwrap

from survey_app.questionnaires import Definition, check_text


def make(yaml_text: str, name: str = "t") -> Definition:
    checked = check_text(textwrap.dedent(yaml_text), f"{name}.yaml", expected_id=name)
    assert not checked.problems, [str(p) for p in checked.problems]
    assert checked.questionnaire is not None
    return checked.questionnaire


def problems(yaml_text: str, name: str = "t") -> list[str]:
    return [str(p) for p in check_text(textwrap.dedent(yaml_text), f"{name}.yaml", expected_id=name).problems]


ALL_TYPES = """\
id: t
title: {zh: 测试, en: Test}
scales:
  agree5:
    min: 1
    max: 5
    labels: [{zh: 很不同意}, {zh: 很同意}]
sections:
  - id: s1
    title: {zh: 一}
    questions:
      - {id: q_single, type: single, label: {zh: 单选}, options: [{value: yes, label: {zh: 是}}, {value: no, label: {zh: 否}}]}
      - {id: q_multi, type: multi, label: {zh: 多选}, options: [{value: a, label: {zh: 甲}}, {value: b, label: {zh: 乙}}, {value: c, label: {zh: 丙}}]}
      - {id: q_likert, type: likert, label: {zh: 量表}, scale: agree5}
      - {id: q_number, type: number, label: {zh: 数字}, min: 0, max: 120, integer: true}
      - {id: q_decimal, type: number, label: {zh: 小数}, min: 0.5, max: 10}
      - {id: q_text, type: text, label: {zh: 文字}, max_length: 10}
      - {id: q_date, type: date, label: {zh: 日期}, min: "2020-01-01", max: "2030-12-31"}
"""
