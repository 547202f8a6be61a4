"""XLSForm in and out: a KoboToolbox / ODK form (survey, choices and settings sheets) read into
our questionnaire format, and ours written as an XLSForm that pyxform converts.

Pure, like the rest of the engine: no Flask, no database.  The mapping, and what is refused and
why, is docs/questionnaire-format.md, "XLSForm".
"""
from .reader import read_xlsform
from .results import Imported, SheetProblem
from .writer import ExportError, write_xlsform

__all__ = ["ExportError", "Imported", "SheetProblem", "read_xlsform", "write_xlsform"]
