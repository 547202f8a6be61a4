"""The questionnaire engine: files -> checked definitions -> validation and scoring.

Pure: no Flask, no database session.  See docs/questionnaire-format.md for the file format.
"""
from .check import CheckedFile, FileProblem, check_file, check_folder, check_text, definition_hash
from .model import Definition, build
from .scoring import index_scores
from .validate import ValidationResult, validate_answers

__all__ = [
    "CheckedFile",
    "Definition",
    "FileProblem",
    "ValidationResult",
    "build",
    "check_file",
    "check_folder",
    "check_text",
    "definition_hash",
    "index_scores",
    "validate_answers",
]
