"""An uploaded workbook checked before anything parses it.

An .xlsx is a zip of XML files.  Before the converter (openpyxl, through pyxform) reads one:
its size, that it is a zip at all (an old binary .xls or a renamed file is told apart), how
many members it has and how large they say they are once inflated (Python's zipfile never
inflates a member past the size its header states, so the stated sizes bound the work), and
that no XML part declares a DTD.  Office programs never write a DTD into an .xlsx; one is how
an entity expansion ("billion laughs") or an external entity (XXE: reading a local file or
a URL into a cell) gets in.  openpyxl already parses with defusedxml and lxml without entity
resolution; refusing the DTD here says so clearly instead of relying on that alone."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

from flask_babel import gettext as _

#: the uploaded file, as sent (XLSForms are tens of kilobytes; a long choice list a few hundred)
MAX_BYTES = 5 * 1024 * 1024
#: the members' stated sizes together, inflated
MAX_INFLATED = 40 * 1024 * 1024
#: members of the zip (an XLSForm workbook has a dozen or two)
MAX_MEMBERS = 500

_ZIP = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc, .msg)


@dataclass(frozen=True)
class Refusal(Exception):
    """Why the upload is not read at all: a message for the office and the HTTP status."""

    message: str
    status: int = 422

    def __str__(self) -> str:
        return self.message


def check_workbook(data: bytes, name: str, max_bytes: int = MAX_BYTES, max_inflated: int = MAX_INFLATED,
                   max_members: int = MAX_MEMBERS) -> None:
    """Raise ``Refusal`` unless ``data`` is a zip small enough to read and free of DTDs."""
    if not data:
        raise Refusal(_("%(name)s：文件是空的。", name=name))
    if len(data) > max_bytes:
        raise Refusal(_("%(name)s：文件有 %(size)s，超过了上传上限 %(limit)s。", name=name, size=_mb(len(data)), limit=_mb(max_bytes)), 413)
    if data.startswith(_OLE2):
        raise Refusal(_("%(name)s：这是旧的 Excel 97-2003 格式（.xls）。请在 Excel 或 WPS 里“另存为” .xlsx 后再上传。", name=name))
    if not (data.startswith(_ZIP) or data.startswith(_EMPTY_ZIP)):
        raise Refusal(_("%(name)s：不是 Excel 工作簿（.xlsx）。请上传 XLSForm 的 .xlsx 文件。", name=name))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Refusal(_("%(name)s：文件已损坏，无法打开（不是完整的 .xlsx）。请重新保存后再上传。", name=name)) from None
    with archive:
        members = archive.infolist()
        if len(members) > max_members:
            raise Refusal(_("%(name)s：压缩包里有 %(n)d 个文件，超过了 %(limit)d 个，不像是 XLSForm，已拒绝。",
                            name=name, n=len(members), limit=max_members), 413)
        inflated = sum(m.file_size for m in members)
        if inflated > max_inflated:
            raise Refusal(_("%(name)s：解压后有 %(size)s，超过了 %(limit)s，已拒绝（可能是“压缩炸弹”）。",
                            name=name, size=_mb(inflated), limit=_mb(max_inflated)), 413)
        if not any(m.filename == "xl/workbook.xml" for m in members):
            raise Refusal(_("%(name)s：压缩包里没有 Excel 工作簿（xl/workbook.xml），不是 .xlsx 文件。"
                            "请在 Excel 或 WPS 里“另存为” .xlsx 后再上传。", name=name))
        for member in members:
            if member.is_dir():
                continue
            try:
                declares = _declares_dtd(archive, member)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
                # a wrong checksum or size, an unknown compression, an encrypted member
                raise Refusal(_("%(name)s：文件已损坏，无法打开（%(part)s）。请重新保存后再上传。",
                                name=name, part=member.filename)) from None
            if declares:
                raise Refusal(_("%(name)s：%(part)s 含有文档类型声明（DTD），Excel 和 WPS 保存的文件不会有，"
                                "为安全起见已拒绝。请在 Excel 或 WPS 里重新保存后再上传。", name=name, part=member.filename))


class _Declared(Exception):
    pass


def _declares_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Does this member, read as XML, declare a DTD or an entity?  A member that is not XML
    (a picture) stops the parser at its first bytes and is left to the converter."""
    parser = expat.ParserCreate()

    def declared(*_args: object) -> None:
        raise _Declared

    parser.StartDoctypeDeclHandler = declared
    parser.EntityDeclHandler = declared
    parser.ExternalEntityRefHandler = declared  # type: ignore[assignment]
    with archive.open(member) as stream:
        try:
            parser.ParseFile(stream)
        except _Declared:
            return True
        except expat.ExpatError:
            return False
    return False


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
