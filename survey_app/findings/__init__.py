"""What the dashboards and the assessment reports show, one module per subject (pre/post, items,
satisfaction, activity, quality, overview, follow-up), each returning typed rows and the charts
that carry them for a place and its filters.  The dashboard views are thin HTTP wrappers around
these functions and the report assembles the same findings (in Chinese), adding only what is its
own (summary wording, targets, comments, method); ``tests/findings/test_agreement.py`` holds the
two to the same figures.

No Flask request objects here: a finding takes a connection, a definition, a place and a
language.  Words come from ``flask_babel.gettext`` (app context only), so that the report, built
under ``force_locale("zh")``, prints the dashboard's words.
"""
