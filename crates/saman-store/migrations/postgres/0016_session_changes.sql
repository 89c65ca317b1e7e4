-- Every change to what a signed-in request reads of its session (the session, its
-- account, the account's roles and services, the slug of its tenant) is announced on
-- the channel `saman_sessions` when it commits, with the account's id ('' for
-- everyone): each instance forgets the sessions it keeps in memory for that account
-- (sessions.rs, session_cache.rs). PostgreSQL sends one announcement per distinct
-- payload and transaction, and none for a transaction rolled back.

CREATE FUNCTION saman_sessions_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' OR TG_ARGV[0] = '' THEN
        PERFORM pg_notify('saman_sessions', '');
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('saman_sessions', to_jsonb(OLD) ->> TG_ARGV[0]);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('saman_sessions', to_jsonb(NEW) ->> TG_ARGV[0]);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- A new session is not kept anywhere yet: only its changes and its end count.
CREATE TRIGGER sessions_changed AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION saman_sessions_changed('account_id');
CREATE TRIGGER accounts_changed AFTER UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION saman_sessions_changed('id');
CREATE TRIGGER account_roles_changed AFTER INSERT OR UPDATE OR DELETE ON account_roles
    FOR EACH ROW EXECUTE FUNCTION saman_sessions_changed('account_id');
CREATE TRIGGER account_services_changed AFTER INSERT OR UPDATE OR DELETE ON account_services
    FOR EACH ROW EXECUTE FUNCTION saman_sessions_changed('account_id');
-- A tenant's slug is in every session opened at it: everyone is forgotten (also when
-- a tenant comes, in case one was removed and made again with its id).
CREATE TRIGGER tenants_changed AFTER INSERT OR UPDATE OF slug OR DELETE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION saman_sessions_changed('');

CREATE TRIGGER sessions_emptied AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION saman_sessions_changed('');
CREATE TRIGGER accounts_emptied AFTER TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION saman_sessions_changed('');
CREATE TRIGGER account_roles_emptied AFTER TRUNCATE ON account_roles
    FOR EACH STATEMENT EXECUTE FUNCTION saman_sessions_changed('');
CREATE TRIGGER account_services_emptied AFTER TRUNCATE ON account_services
    FOR EACH STATEMENT EXECUTE FUNCTION saman_sessions_changed('');
CREATE TRIGGER tenants_emptied AFTER TRUNCATE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION saman_sessions_changed('');

-- Also where changes arrive as a replica's (session_replication_role = replica).
ALTER TABLE sessions ENABLE ALWAYS TRIGGER sessions_changed;
ALTER TABLE sessions ENABLE ALWAYS TRIGGER sessions_emptied;
ALTER TABLE accounts ENABLE ALWAYS TRIGGER accounts_changed;
ALTER TABLE accounts ENABLE ALWAYS TRIGGER accounts_emptied;
ALTER TABLE account_roles ENABLE ALWAYS TRIGGER account_roles_changed;
ALTER TABLE account_roles ENABLE ALWAYS TRIGGER account_roles_emptied;
ALTER TABLE account_services ENABLE ALWAYS TRIGGER account_services_changed;
ALTER TABLE account_services ENABLE ALWAYS TRIGGER account_services_emptied;
ALTER TABLE tenants ENABLE ALWAYS TRIGGER tenants_changed;
ALTER TABLE tenants ENABLE ALWAYS TRIGGER tenants_emptied;
