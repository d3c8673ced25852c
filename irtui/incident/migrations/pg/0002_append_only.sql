-- The timeline is append-only in the database itself, not just by irtui's habit: UPDATE,
-- DELETE and TRUNCATE on entries and incidents raise, whoever runs them, the table owner
-- included. Getting past this takes DDL (DROP TRIGGER, ALTER TABLE ... DISABLE TRIGGER) or a
-- superuser's session_replication_role: loud steps that the server's logs keep, and that
-- the signed checkpoints then expose in `irtui verify`.
CREATE FUNCTION refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'irtui: % on % refused: the incident record is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION refuse_rewrite();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_rewrite();
CREATE TRIGGER incidents_append_only BEFORE UPDATE OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION refuse_rewrite();
CREATE TRIGGER incidents_no_truncate BEFORE TRUNCATE ON incidents
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_rewrite();
