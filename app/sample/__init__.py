"""Deterministic sample data in the public data set's shape (store_status, menu_hours, timezones, special_hours), or
in its first release's."""
from app.sample.generator import DEFAULT_END, FIRST_RELEASE_END, SampleSummary, generate_sample

__all__ = ["DEFAULT_END", "FIRST_RELEASE_END", "SampleSummary", "generate_sample"]
