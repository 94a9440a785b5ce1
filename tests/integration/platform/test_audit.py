import pytest

from app.platform.tables import AuditEntry


async def test_the_audit_log_refuses_updates_and_deletes_at_the_database(app, users):
    assert await AuditEntry.count() > 0
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.update({AuditEntry.actor: "someone else"}, force=True)
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.delete(force=True)
    assert await AuditEntry.count().where(AuditEntry.actor == "someone else") == 0
