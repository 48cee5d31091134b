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


class InvalidRequest(StorepulseError):
    """The request is invalid."""


class InvalidReportRequest(InvalidRequest):
    """The report request is invalid."""


class ReportNotCancellable(StorepulseError):
    """Only a queued or running report can be cancelled."""


class ReportFailed(StorepulseError):
    """The report failed."""


class InvalidStoreData(StorepulseError):
    """The store data is invalid."""


class ReportNotReady(StorepulseError):
    """The report is not complete."""


class InvalidWebhookUrl(StorepulseError):
    """The webhook URL is not allowed."""


class AlertRuleConflict(StorepulseError):
    """An alert rule with that name exists."""


class AlertRuleNotFound(StorepulseError):
    """No such alert rule among those the caller sees."""


class RequestTooLarge(StorepulseError):
    """The request body is too large."""


class Unauthenticated(StorepulseError):
    """A valid API key is required: send `Authorization: Bearer <key>` (`python -m app key create` makes one)."""

    def __init__(self, message: str | None = None, *, token_given: bool = False):
        super().__init__(message)
        self.token_given = token_given  # RFC 6750: error="invalid_token" when one was sent


class Forbidden(StorepulseError):
    """This key's role does not allow this."""


class StoresOutsideTenant(InvalidReportRequest):
    """Some store ids are not stores of the key's tenant."""


class StoreNotFound(StorepulseError):
    """Store not found."""


class TooManyReports(StorepulseError):
    """Too many reports queued or running for this key."""

    def __init__(self, message: str | None = None, *, limit: int, retry_after_seconds: int):
        super().__init__(message)
        self.limit = limit
        self.retry_after_seconds = retry_after_seconds


class ReportNotDeletable(StorepulseError):
    """Only a finished report (complete, failed or cancelled) can be deleted: cancel it first."""


class AdministrationError(StorepulseError):
    """A tenant or key command could not be carried out."""


class TenantNotFound(AdministrationError):
    """No such tenant."""


class KeyNotFound(AdministrationError):
    """No such key."""


class NameTaken(AdministrationError):
    """That name is taken."""
