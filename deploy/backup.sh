#!/usr/bin/env bash
# Nightly backup of a Rexian (热线) installation: the database and the attachment files,
# with retention. See docs/deploy.md, "Backups", for the schedule and for restoring.
#
# The data key (REXIAN_DATA_KEY) is deliberately not copied: keep it apart from these
# backups. A dump without its key holds unreadable personal data; a dump kept beside its
# key is readable by anyone who obtains the backup.
#
# Run as root (cron or a systemd timer). The database is read as the service account, so
# PostgreSQL peer authentication and SQLite file ownership keep working; the backup files
# are written by root with mode 0600.
#
# Settings (environment variables, all optional):
#   REXIAN_ENV_FILE  the service's environment file, read (never executed) for DATABASE_URL,
#                    REXIAN_DATA_DIR, REXIAN_MEDIA_ROOT and REXIAN_STORAGE
#                    (default /etc/rexian/rexian.env; a variable already set in the
#                    environment wins over the file)
#   BACKUP_DIR       where the backups are written (default /var/backups/rexian)
#   KEEP_DAYS        backups older than this many days are deleted (default 14)
#   REXIAN_USER      the service account (default rexian)
#
# Output, one set per run (STAMP = YYYYmmdd-HHMMSS):
#   rexian-db-STAMP.dump        PostgreSQL, pg_dump custom format (restore with pg_restore)
#   rexian-db-STAMP.sqlite3     SQLite, an online .backup copy of the WAL database
#   rexian-media-STAMP.tar.gz   the attachments under REXIAN_MEDIA_ROOT (local storage only)
set -Eeuo pipefail

REXIAN_ENV_FILE=${REXIAN_ENV_FILE:-/etc/rexian/rexian.env}
BACKUP_DIR=${BACKUP_DIR:-/var/backups/rexian}
KEEP_DAYS=${KEEP_DAYS:-14}
REXIAN_USER=${REXIAN_USER:-rexian}

log() { printf '%s rexian-backup: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*"; }
fail() { log "ERROR: $*" >&2; exit 1; }
trap 'log "ERROR: failed at line $LINENO; this run is incomplete" >&2' ERR

# The value of NAME: from the environment if set there, else from the environment file.
setting() {
    local name=$1 line
    if [ -n "${!name+x}" ]; then
        printf '%s' "${!name}"
        return
    fi
    [ -r "$REXIAN_ENV_FILE" ] || return 0
    line=$(grep -E "^[[:space:]]*${name}=" "$REXIAN_ENV_FILE" | tail -n 1) || true
    line=${line#*=}
    line=${line%\"}; line=${line#\"}; line=${line%\'}; line=${line#\'}
    printf '%s' "$line"
}

# Run a command as the service account when this script runs as root.
as_service() {
    if [ "$(id -u)" -eq 0 ] && [ "$REXIAN_USER" != root ]; then
        runuser -u "$REXIAN_USER" -- "$@"
    else
        "$@"
    fi
}

case $KEEP_DAYS in '' | *[!0-9]*) fail "KEEP_DAYS must be a whole number of days, not '$KEEP_DAYS'" ;; esac

DATABASE_URL=$(setting DATABASE_URL)
DATA_DIR=$(setting REXIAN_DATA_DIR)
MEDIA_ROOT=$(setting REXIAN_MEDIA_ROOT)
STORAGE=$(setting REXIAN_STORAGE)
if [ -z "$DATABASE_URL" ]; then
    # rexian/settings.py's default: SQLite in REXIAN_DATA_DIR.
    [ -n "$DATA_DIR" ] || fail "set DATABASE_URL or REXIAN_DATA_DIR in $REXIAN_ENV_FILE"
    DATABASE_URL="sqlite:///$DATA_DIR/rexian.sqlite3"
fi
if [ -z "$MEDIA_ROOT" ] && [ -n "$DATA_DIR" ]; then
    MEDIA_ROOT="$DATA_DIR/media"
fi

umask 077
cd /
out="" stage=""
# A run that fails leaves no half-written file behind.
trap 'rm -f -- ${out:+"$out.partial"} ${stage:+"$stage"}' EXIT
mkdir -p "$BACKUP_DIR"
chmod 700 "$BACKUP_DIR"
STAMP=$(date +%Y%m%d-%H%M%S)

# --- Database ---------------------------------------------------------------------------
case $DATABASE_URL in
    postgres://* | postgresql://*)
        out="$BACKUP_DIR/rexian-db-$STAMP.dump"
        log "dumping PostgreSQL to $out"
        # --no-owner / --no-privileges: the dump restores into any database the restoring role owns.
        as_service pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" >"$out.partial"
        # A dump pg_restore cannot list is not a backup.
        pg_restore --list "$out.partial" >/dev/null || fail "pg_restore cannot read $out.partial"
        mv "$out.partial" "$out"
        ;;
    sqlite://*)
        db=${DATABASE_URL#sqlite://}
        db=${db#/}
        case $db in /*) ;; *) fail "DATABASE_URL must name an absolute SQLite path (sqlite:////var/lib/...)" ;; esac
        [ -f "$db" ] || fail "no SQLite database at $db"
        out="$BACKUP_DIR/rexian-db-$STAMP.sqlite3"
        # The copy is made by the service account beside the database, so SQLite's -wal and
        # -shm files are never created by root; .backup reads a consistent snapshot while the
        # web server and worker keep writing.
        stage="$(dirname "$db")/.rexian-backup-$STAMP.sqlite3"
        log "copying SQLite database $db to $out"
        as_service sqlite3 "$db" ".backup '$stage'"
        mv "$stage" "$out"
        chown 0:0 "$out" 2>/dev/null || true
        chmod 600 "$out"
        check=$(sqlite3 "$out" 'PRAGMA integrity_check;')
        [ "$check" = ok ] || fail "integrity check of $out: $check"
        ;;
    *)
        fail "unsupported DATABASE_URL scheme: ${DATABASE_URL%%:*}"
        ;;
esac

# --- Attachments ----------------------------------------------------------------------------
if [ "$(printf '%s' "${STORAGE:-local}" | tr '[:upper:]' '[:lower:]')" = s3 ]; then
    log "attachments are in the S3 bucket: back them up with the object store's own tools"
elif [ -z "$MEDIA_ROOT" ]; then
    fail "set REXIAN_MEDIA_ROOT or REXIAN_DATA_DIR in $REXIAN_ENV_FILE"
elif [ -d "$MEDIA_ROOT" ]; then
    out="$BACKUP_DIR/rexian-media-$STAMP.tar.gz"
    log "archiving attachments in $MEDIA_ROOT to $out"
    tar -C "$MEDIA_ROOT" -czf "$out.partial" .
    mv "$out.partial" "$out"
else
    log "no attachment folder at $MEDIA_ROOT yet: nothing to archive"
fi

# --- Retention --------------------------------------------------------------------------------
find "$BACKUP_DIR" -maxdepth 1 -type f -name 'rexian-*' -mtime +"$KEEP_DAYS" -print -delete |
    while read -r old; do log "deleted $old"; done
log "done"
