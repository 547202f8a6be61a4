"""Formula neutralisation in both writers, without a database (OWASP "CSV Injection")."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape

from survey_app.exports.cells import neutralise, safe
from survey_app.exports.csv_writer import BOM, csv_chunks, text_of
from survey_app.exports.xlsx_writer import write_xlsx
from survey_app.submissions.envelope import CST
from tests.exports.helpers import read_csv, read_xlsx

DANGEROUS = ["=1+1", "+1", "-1", "@x", "\t=1", "\r=1", '=HYPERLINK("http://x")', "@SUM(1)", "-2+3", "-5",
             "=cmd|' /C calc'!A0"]
HARMLESS = ["很好", "1+1", "a=b", " =1", "'=1", ""]


@pytest.mark.parametrize("text", DANGEROUS)
def test_dangerous_text_gets_a_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_other_text_is_untouched(text):
    assert neutralise(text) == text


def test_numbers_are_never_touched():
    assert safe(-5) == -5 and safe(-2.5) == -2.5 and safe(True) == 1
    assert text_of(-5) == "-5" and text_of(66.5) == "66.5"


def test_times_are_china_time_with_offset():
    moment = dt.datetime(2026, 5, 1, 1, 12, tzinfo=dt.UTC).astimezone(CST)
    assert text_of(moment) == "2026-05-01T09:12:00+08:00"
    assert text_of(dt.date(2026, 5, 1)) == "2026-05-01"


def test_a_time_without_zone_is_written_as_excel_reads_it():
    """The labelled export's China time: Excel reads ``2026-05-01 09:12:00`` as a time, not the T form."""
    assert text_of(dt.datetime(2026, 5, 1, 9, 12)) == "2026-05-01 09:12:00"


def test_csv_neutralises_every_prefix_and_keeps_numbers():
    rows = [[text, -3, 4.5] for text in DANGEROUS]
    data = b"".join(csv_chunks(["text", "neg", "num"], rows))
    read = read_csv(data)
    assert [r["text"] for r in read] == ["'" + t for t in DANGEROUS]
    assert {r["neg"] for r in read} == {"-3"} and {r["num"] for r in read} == {"4.5"}


def test_csv_header_is_neutralised_too():
    data = b"".join(csv_chunks(["=evil"], []))
    assert read_csv(data) == [] and data.decode("utf-8-sig").startswith("'=evil")


def test_xlsx_neutralises_every_prefix_and_keeps_numbers(tmp_path):
    path = tmp_path / "x.xlsx"
    moment = dt.datetime(2026, 5, 1, 9, 12, tzinfo=CST)
    write_xlsx(path, [("data", ["text", "neg", "num", "when"], [[text, -3, 4.5, moment] for text in DANGEROUS])])
    sheet = read_xlsx(path)["data"]
    for row, text in zip(sheet.iter_rows(min_row=2), DANGEROUS, strict=True):
        cell, neg, num, when = row
        # A string, never a formula ("f").  OOXML spells a carriage return _x000D_ (Excel reads it
        # back as one); openpyxl leaves the escape as it is.
        assert cell.data_type == "s" and unescape(cell.value) == "'" + text
        assert (neg.data_type, neg.value) == ("n", -3)
        assert (num.data_type, num.value) == ("n", 4.5)
        assert when.is_date and when.value == dt.datetime(2026, 5, 1, 9, 12)  # Excel has no zones: China time


_CELLS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(),
    st.sampled_from(DANGEROUS + HARMLESS),
    st.datetimes(timezones=st.just(CST)), st.dates(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_CELLS, min_size=1, max_size=8), max_size=6))
def test_csv_rows_are_written_as_text_of_every_cell(rows):
    """The writer's fast path per row (issue 17) writes exactly what ``text_of`` gives each cell."""
    header = [f"c{i}" for i in range(max((len(r) for r in rows), default=1))]
    fast = b"".join(csv_chunks(header, rows))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([text_of(value) for value in row])
    assert fast == BOM + buffer.getvalue().encode()
