"""Deterministic sample data in the public data set's shape (store_status, menu_hours, timezones)."""
from app.sample.generator import DEFAULT_END, SampleSummary, generate_sample

__all__ = ["DEFAULT_END", "SampleSummary", "generate_sample"]
