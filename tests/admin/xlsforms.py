"""Small XLSForm workbooks written with openpyxl, as the office's Excel or WPS saves them (survey,
choices and settings sheets, Chinese and English label columns), and the crafted ones the
upload must refuse (not a zip, a zip bomb, a DTD with an external entity)."""
from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl

SURVEY_HEAD = ["type", "name", "label::Chinese (zh)", "label::English (en)", "required", "relevant", "constraint",
               "constraint_message::Chinese (zh)", "constraint_message::English (en)"]
CHOICES_HEAD = ["list_name", "name", "label::Chinese (zh)", "label::English (en)"]

#: a household questionnaire: a choice with skip logic, a number with a constraint, a text
HOUSEHOLD = [
    ["select_one yesno", "helped", "最近一年，您找过社工帮忙吗？", "Did you ask a social worker for help?", "yes", "", "", "", ""],
    ["integer", "times", "一共找过几次？", "How many times?", "yes", "${helped} = 'yes'", ". >= 1", "至少是1次。", "At least 1."],
    ["text", "remark", "还有什么想说的？", "Anything else?", "", "", "", "", ""],
]
YESNO = [["yesno", "yes", "找过", "Yes"], ["yesno", "no", "没找过", "No"]]


def workbook(survey: list[list[Any]] | None = None, choices: list[list[Any]] | None = None, form_id: str = "household",
             title: str = "家庭情况", extra_settings: dict[str, Any] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(SURVEY_HEAD)
    for row in HOUSEHOLD if survey is None else survey:
        sheet.append(row)
    listing = book.create_sheet("choices")
    listing.append(CHOICES_HEAD)
    for row in YESNO if choices is None else choices:
        listing.append(row)
    settings = {"form_id": form_id, "form_title": title, "default_language": "Chinese (zh)", **(extra_settings or {})}
    book.create_sheet("settings").append(list(settings))
    book["settings"].append(list(settings.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewritten(data: bytes, name: str, change: Any) -> bytes:
    """The workbook with one member's bytes changed by ``change`` (the rest as they were)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, change(content) if item.filename == name else content)
    return out.getvalue()


def with_external_entity(data: bytes, secret_path: str) -> bytes:
    """A workbook whose survey sheet declares an external entity naming a local file, used as
    the English label of its last question."""
    def change(xml: bytes) -> bytes:
        text = xml.decode("utf-8")
        if text.startswith("<?xml"):
            head, _, text = text.partition("?>")
            head += "?>"
        else:
            head = '<?xml version="1.0" encoding="UTF-8"?>'
        doctype = f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://{secret_path}">]>'
        assert "Anything else?" in text
        return (head + doctype + text.replace("Anything else?", "&xxe;", 1)).encode("utf-8")

    return rewritten(data, "xl/worksheets/sheet1.xml", change)


def zip_bomb(inflated: int) -> bytes:
    """A small zip that says it inflates to ``inflated`` bytes of zeros, beside a workbook.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * inflated)
    return out.getvalue()


def many_members(n: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(n):
            archive.writestr(f"xl/media/p{i}.xml", "<a/>")
    return out.getvalue()
