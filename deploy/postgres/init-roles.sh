#!/bin/sh
# First start of the compose file's PostgreSQL: the two roles and the database.
# NOT RUN HERE (no container engine on the machine this was written on); deploy/smoke.sh does the
# same with psql. The owner runs migrations; the app role (web, worker, beat) owns nothing and is
# NOSUPERUSER NOBYPASSRLS, so row-level security holds for it. BYPASSRLS on the owner keeps the
# full-text search functions fast (README, "PostgreSQL roles").
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE groundwork_owner LOGIN PASSWORD '${GROUNDWORK_OWNER_PASSWORD}' NOSUPERUSER BYPASSRLS;
CREATE ROLE groundwork_app LOGIN PASSWORD '${GROUNDWORK_APP_PASSWORD}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE DATABASE groundwork OWNER groundwork_owner;
REVOKE ALL ON DATABASE groundwork FROM PUBLIC;
GRANT CONNECT ON DATABASE groundwork TO groundwork_app;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname groundwork <<SQL
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO groundwork_owner;
SQL
