"""The caller a request acts for: which key, what it may do, which tenant's reports and stores it sees."""

from dataclasses import dataclass

from app.db.models import ApiRole

_RANK = {ApiRole.read: 1, ApiRole.write: 2, ApiRole.admin: 3}


@dataclass(frozen=True)
class Caller:
    """An API key (directly, or through a web session signed in with it). An admin key has no tenant and sees
    every report and store; a tenant's key sees its tenant's reports and stores only."""

    key_id: int
    key_name: str
    role: ApiRole
    tenant_id: int | None
    tenant_name: str | None

    @property
    def admin(self) -> bool:
        return self.role is ApiRole.admin

    def may(self, role: ApiRole) -> bool:
        """Whether the caller's role includes `role`: admin > write > read."""
        return _RANK[self.role] >= _RANK[role]

    def sees(self, report_tenant_id: int | None) -> bool:
        """Whether a report of this tenant (None: an admin's) is visible to the caller."""
        return self.admin or (self.tenant_id is not None and report_tenant_id == self.tenant_id)
