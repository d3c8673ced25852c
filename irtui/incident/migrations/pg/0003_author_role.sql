-- An entry's author names the database role that wrote it, and the server checks the claim:
-- the actor's `db_role` must be the role of the inserting session. A responder can call
-- themselves anything with --as; the role beside that name is the one PostgreSQL
-- authenticated.
CREATE FUNCTION check_author_role() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.actor::jsonb ->> 'db_role') IS DISTINCT FROM current_user::text THEN
        RAISE EXCEPTION 'irtui: entry author role % is not the inserting role %',
            coalesce(NEW.actor::jsonb ->> 'db_role', '(none)'), current_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER entries_author_role BEFORE INSERT ON entries
    FOR EACH ROW EXECUTE FUNCTION check_author_role();
