"""CSV and XLSX exports of a questionnaire's responses, with a codebook (issue 6).

``cells``, ``columns``, ``codebook``, ``csv_writer`` and ``xlsx_writer`` are pure; ``rows``
reads the responses page by page; ``service`` is shared by the page (``views``) and the CLI.
"""
