"""Evaluation analytics: pure statistics (``stats``, ``pairing``, ``quality``; scipy, no Flask,
no database), the SQL aggregations that feed them, and the Plotly figure builders."""
