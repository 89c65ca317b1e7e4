-- The audit log is append-only (SQLite): no row may be changed or removed. Someone who
-- can drop these triggers can still edit it; `saman audit verify` then finds where the
-- hash chain breaks.

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
