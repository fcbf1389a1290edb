"""The ehcp-audit domain: plain Python, SQLModel and pandas.

Nothing in this package imports Prefect, FastAPI or Jinja2 (tests/test_architecture.py holds the line).
"""
