from app.ingest.loader import FileResult, IngestResult, ingest

__all__ = ["FileResult", "IngestResult", "ingest"]
