"""The files a report job makes: one report as a PDF or a Word document, or every county's
reports in a ZIP.  What each is called, how it is served, and how to tell that a builder made
one.  No Flask here."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    extension: str
    mimetype: str
    #: what a reader is offered on the page (the download button)
    label: str
    #: the file's first bytes: a builder's output that does not start with them is a failed build
    magic: bytes


PDF = FileType("pdf", "application/pdf", "PDF", b"%PDF")
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word", b"PK\x03\x04")
ZIP = FileType("zip", "application/zip", "ZIP", b"PK\x03\x04")

#: a single report's formats; the first is the default (the CLI's and the page's)
SINGLE = ("pdf", "docx")
#: what the all-counties ZIP may hold; the first is the default: both, since offices print the
#: PDF and edit the Word file
BATCH = ("both", "pdf", "docx")
#: what a ZIP of each kind holds, county by county
HOLDS = {"both": ("pdf", "docx"), "pdf": ("pdf",), "docx": ("docx",)}
_TYPES = {"pdf": PDF, "docx": DOCX}


def file_type(kind: str, fmt: str) -> FileType:
    """The file a job of this kind (``programme``, ``county``, ``team``, ``all-counties``) and
    format makes."""
    return ZIP if kind == "all-counties" else _TYPES[fmt]


def looks_like(kind: str, fmt: str, data: object) -> bool:
    """Whether a builder's output is a file of the type this job makes (not a check of the
    whole file: of what a builder that went wrong returns instead, None, text, another type)."""
    if not isinstance(data, bytes):
        return False
    if fmt == "pdf" and kind != "all-counties":
        return data.startswith(PDF.magic)
    return data.startswith(ZIP.magic)  # a .docx is a ZIP too
