#!/bin/sh
# One-shot of docker-compose.yml (service `temporal-schema`, image temporalio/admin-tools):
# creates Temporal's two PostgreSQL databases and brings each schema up to the version the
# image ships, with Temporal's own SQL tool. The server image (temporalio/server) changes
# no schema itself, so this runs before it starts, on every `docker compose up`.
#
# Every step is safe to repeat: create-database ignores a database that exists,
# setup-schema -v 0.0 only creates the version tables if they are missing, and
# update-schema applies the versioned steps the database does not have yet. Upgrading
# Temporal = a newer admin-tools and server tag (one minor version at a time), then `up`.
#
# The connection comes from the environment, which temporal-sql-tool reads itself:
# SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD (never on the command line).
set -eu

: "${SQL_HOST:?}" "${SQL_USER:?}" "${SQL_PASSWORD:?}"
: "${DBNAME:?}" "${VISIBILITY_DBNAME:?}"
# The versioned schemas of the image, for PostgreSQL 12 and later (plugin postgres12).
SCHEMA_ROOT=${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}

setup() {  # $1 database, $2 its schema directory under SCHEMA_ROOT
    echo "temporal-schema: database $1, schema $SCHEMA_ROOT/$2/versioned"
    # Connects to the server's `postgres` database to create $1 there if it is missing.
    temporal-sql-tool --database "$1" create-database --defaultdb postgres
    temporal-sql-tool --database "$1" setup-schema --version 0.0
    temporal-sql-tool --database "$1" update-schema --schema-dir "$SCHEMA_ROOT/$2/versioned"
}

setup "$DBNAME" temporal
setup "$VISIBILITY_DBNAME" visibility
echo "temporal-schema: both schemas are current"
