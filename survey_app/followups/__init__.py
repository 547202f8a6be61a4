"""The follow-up worklist (回访名单, issue 12): at the follow-up a social worker finds a
village's baseline respondents again, and marks those who cannot be interviewed (moved away,
died, not found).

``worklist`` reads (the list, the progress by village) and ``marks`` writes; both are Flask-free
and shared by the API (``api/followups.py``) and the staff page (``views``).
"""
