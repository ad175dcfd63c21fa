-- PostgreSQL for a trust: one database per school, one login role per school that owns
-- it and nothing else. Run as the postgres superuser:
--   psql -v ON_ERROR_STOP=1 -v school=oakfield -f setup.sql
-- (then set the role's password: \password kiosk_oakfield). Needs psql 10 or later.
--
-- The kiosk upgrades its own schema when it starts, so its role owns the database's
-- tables; it needs no other right on the server. Nobody else may connect.

\set school_role 'kiosk_' :school
\set school_db 'kiosk_' :school

-- The role is made once; run again (after moving a damaged database aside, to restore
-- a backup into an empty one of the same name), this makes only the database.
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'school_role') AS new_role \gset
\if :new_role
CREATE ROLE :"school_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION
    CONNECTION LIMIT 20;
\endif
CREATE DATABASE :"school_db" OWNER :"school_role" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"school_db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"school_db" TO :"school_role";
\connect :"school_db"
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO :"school_role";
