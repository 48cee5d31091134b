"""One error hierarchy for the project; the API maps it to HTTP in one handler and the CLI to exit codes."""


class StorepulseError(Exception):
    """Something went wrong in storepulse."""

    def __init__(self, message: str | None = None):
        super().__init__(message or (self.__doc__ or "").strip())


class DatabaseSetupError(StorepulseError):
    """The database is not reachable or not set up (run `python -m app db start` and `db migrate`)."""


class MissingExtensionError(DatabaseSetupError):
    """The server has no timescaledb extension."""


class MigrationError(DatabaseSetupError):
    """A migration could not be applied."""


class IngestError(StorepulseError):
    """An input file could not be loaded."""


class ReportNotFound(StorepulseError):
    """Report not found."""


class InvalidReportRequest(StorepulseError):
    """The report request is invalid."""


class ReportNotCancellable(StorepulseError):
    """Only a queued or running report can be cancelled."""


class ReportFailed(StorepulseError):
    """The report failed."""


class PayloadTooLarge(StorepulseError):
    """The request is too large."""


class InvalidStoreData(StorepulseError):
    """The store data is invalid."""


class ReportNotReady(StorepulseError):
    """The report is not complete."""


class InvalidWebhookUrl(StorepulseError):
    """The webhook URL is not allowed."""


class AlertRuleConflict(StorepulseError):
    """An alert rule with that name exists."""
