"""The checks an uploaded workbook meets before anything parses it (survey_app/drafts/workbook.py)."""
from __future__ import annotations

import io
import zipfile

import pytest

from survey_app.drafts.workbook import Refusal, check_workbook
from tests.admin.xlsforms import rewritten, workbook, zip_bomb

BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
                  + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol9;</worksheet>')


def refused(data: bytes, **limits: int) -> Refusal:
    with pytest.raises(Refusal) as caught:
        check_workbook(data, "form.xlsx", **limits)
    return caught.value


def test_a_workbook_as_excel_saves_it_passes():
    check_workbook(workbook(), "form.xlsx")


def test_an_entity_expansion_is_refused():
    crafted = rewritten(workbook(), "xl/worksheets/sheet1.xml", lambda _xml: BILLION_LAUGHS)
    refusal = refused(crafted)
    assert refusal.status == 422 and "xl/worksheets/sheet1.xml" in refusal.message and "DTD" in refusal.message


def test_a_dtd_is_found_in_utf16_and_in_a_part_not_named_xml():
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode("utf-16")
    assert "DTD" in refused(rewritten(workbook(), "xl/styles.xml", lambda _xml: utf16)).message
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook())) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/worksheets/extra.bin", b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>')
    assert "xl/worksheets/extra.bin" in refused(out.getvalue()).message


def test_a_member_that_inflates_past_its_stated_size_is_broken():
    # the header says 10 bytes; the data inflates to 10,000: zipfile stops at 10 and the checksum fails
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * 10_000 + b"</a>")
    data = bytearray(out.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        member = archive.getinfo("xl/worksheets/sheet1.xml")
    # file_size in the local header (offset 22) and in the central directory entry (offset 24 after its signature)
    data[member.header_offset + 22:member.header_offset + 26] = (10).to_bytes(4, "little")
    central = bytes(data).rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    assert "已损坏" in refused(bytes(data)).message


def test_the_limits_are_the_callers():
    assert refused(zip_bomb(2_000_000), max_inflated=1_000_000).status == 413
    assert refused(workbook(), max_bytes=100).status == 413
    check_workbook(zip_bomb(2_000_000), "form.xlsx", max_inflated=3_000_000)
