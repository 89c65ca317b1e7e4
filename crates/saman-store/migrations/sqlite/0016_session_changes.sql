-- On PostgreSQL, changes to sessions, accounts, roles and services are announced to
-- every instance (its 0016). SQLite serves one process and keeps no session in
-- memory: nothing to announce. The version is recorded all the same.
SELECT 1;
