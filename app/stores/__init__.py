"""A store's own data, written one store at a time over HTTP (the store systems' door; bulk files go through
app/ingest): its weekly business hours, its time zone and its special hours (rule 10), checked as the loader
checks the files."""
