"""Tables shared by every domain: the audit log and stored documents."""

from piccolo.columns import JSON, BigInt, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_entry"):
    """One state change: who, when, what object, what changed. Rows are only ever inserted."""

    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor_id = Integer(null=True, default=None, index=True)
    actor = Varchar(length=254, default="system")
    action = Varchar(length=64, index=True)
    object_type = Varchar(length=64, index=True)
    object_id = Varchar(length=64, default="", index=True)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    address = Varchar(length=64, default="")


class StoredDocument(Table, tablename="stored_document"):
    """A file in the storage back end. The server chose ``key``; the user's filename is only data."""

    key = Varchar(length=200, unique=True)
    original_filename = Varchar(length=255)
    content_type = Varchar(length=127)
    size_bytes = BigInt()
    sha256 = Varchar(length=64)
    uploaded_by = Integer(null=True, default=None, index=True)
    owner_type = Varchar(length=64, default="", index=True)
    owner_id = Integer(null=True, default=None, index=True)
    kind = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
