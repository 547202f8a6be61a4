"""Questionnaires uploaded as XLSForms and kept as drafts until the office has looked at them
(issue 19): the workbook's safety checks (``workbook.py``), storing, publishing and discarding
a draft (``service.py``), what its page shows (``review.py``, ``rule_words.py``) and the preview's
dry run (``trial.py``).  No Flask: the pages are ``admin/drafts.py``."""
