"""Reproducible survey briefings: from respondent data to an HTML and PDF briefing."""

__version__ = "0.1.0"
