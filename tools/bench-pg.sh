#!/usr/bin/env bash
# bench-pg.sh — what teams leaving Amazon QLDB are pointed at (issue 17,
# item 4): PostgreSQL with a hash-chain trigger. A private cluster in a
# temporary directory (Debian's postgresql; initdb and pg_ctl as an
# unprivileged user: postgres when run as root), fsync on,
# synchronous_commit on, full_page_writes on (the defaults, stated). One
# table: each row's hash is SHA-256 (pgcrypto's digest()) of its content
# and the previous row's hash, computed by a BEFORE INSERT trigger that
# holds the row lock on the chain head (SELECT ... FOR UPDATE), so
# appends from several clients are serialized into one chain, as they are
# in a ledger. pgbench's clients each insert one row per transaction (an
# act's worth of JSON: a party.register body like pdl bench's) for
# PG_SECONDS, for each client count in PG_CLIENTS. Then the whole chain is
# recomputed in SQL: a row whose stored hash differs fails the run.
#
# No signature is checked anywhere here (pdl checks one per act).
# Prints JSON: {"rows_per_s" (the best run), "clients" (its client count),
# "runs" ("C:rows/s ..."), "rows", "chain_ok"}.
#
#   tools/bench-pg.sh      (PG_CLIENTS "4 16", PG_SECONDS 20)
set -u
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$PGBIN/initdb" ] || { echo "bench-pg: no PostgreSQL server (apt-get install postgresql; make bench-scale does)" >&2; exit 1; }
CLIENTS=${PG_CLIENTS:-4 16}
SECS=${PG_SECONDS:-20}
PY=/usr/bin/python3
D=$(mktemp -d /var/tmp/pdl-bench-pg.XXXXXX) || exit 1
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
if [ "$(id -u)" = 0 ]; then
	chown postgres: "$D" || exit 1
	as() { runuser -u postgres -- "$@"; }
else
	as() { "$@"; }
fi
PGOPTS="-c listen_addresses= -c unix_socket_directories=$D -c port=$PORT -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_buffers=256MB -c max_connections=64"
stop() {
	as "$PGBIN/pg_ctl" -D "$D/data" -m fast stop >/dev/null 2>&1
	rm -rf "$D"
}
trap stop EXIT
trap 'exit 130' INT TERM
as "$PGBIN/initdb" -D "$D/data" -A trust -U bench -E UTF8 --locale=C.UTF-8 >"$D/initdb.log" 2>&1 ||
	{ cat "$D/initdb.log" >&2; exit 1; }
as "$PGBIN/pg_ctl" -D "$D/data" -o "$PGOPTS" -l "$D/server.log" -w start >/dev/null ||
	{ cat "$D/server.log" >&2; exit 1; }
psql() { as "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$D" -p "$PORT" -U bench "$@"; }
psql -d postgres -c "CREATE DATABASE ledger" || exit 1

psql -d ledger <<'EOF' || exit 1
CREATE EXTENSION pgcrypto;
-- the chain head: one row, locked by every append
CREATE TABLE chain_head (id int PRIMARY KEY, seq bigint NOT NULL, hash bytea NOT NULL);
INSERT INTO chain_head VALUES (1, -1, decode(repeat('00', 32), 'hex'));
CREATE TABLE ledger (
	seq bigint PRIMARY KEY,
	actor text NOT NULL,
	nonce bigint NOT NULL,
	body jsonb NOT NULL,
	at timestamptz NOT NULL DEFAULT clock_timestamp(),
	prev_hash bytea NOT NULL,
	hash bytea NOT NULL,
	UNIQUE (actor, nonce)
);
-- hash = SHA-256(seq | actor | nonce | body | time, then the previous hash)
CREATE FUNCTION ledger_row_hash(l ledger, prev bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
	SELECT digest(convert_to(l.seq || '|' || l.actor || '|' || l.nonce || '|' || l.body::text || '|' ||
	                         to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), 'UTF8') || prev, 'sha256')
$$;
CREATE FUNCTION ledger_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	h chain_head%ROWTYPE;
BEGIN
	SELECT * INTO h FROM chain_head WHERE id = 1 FOR UPDATE;
	NEW.seq := h.seq + 1;
	NEW.prev_hash := h.hash;
	NEW.hash := ledger_row_hash(NEW, h.hash);
	UPDATE chain_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
	RETURN NEW;
END
$$;
CREATE TRIGGER ledger_chain BEFORE INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_chain();
EOF

# one act a transaction: an actor per client, a random nonce (unique with
# overwhelming odds), a body the size of pdl bench's party.register
cat >"$D/append.sql" <<'EOF'
\set nonce random(1, 9000000000000000000)
INSERT INTO ledger (actor, nonce, body) VALUES ('client-' || :client_id, :nonce, jsonb_build_object('type', 'party.register', 'id', 'bench-' || :nonce, 'name', '基准测试数据提供单位', 'uscc', '914201000000000001', 'roles', jsonb_build_array('developer'), 'public_key', 'ed25519:Rk9PQkFSQkFaUVVYRk9PQkFSQkFaUVVYRk9PQkFSQkE='));
EOF
chmod 644 "$D/append.sql"
best=0 bestc=0 runs=""
for c in $CLIENTS; do
	j=$c
	[ "$j" -gt 4 ] && j=4
	out=$(as "$PGBIN/pgbench" -n -h "$D" -p "$PORT" -U bench -c "$c" -j "$j" -T "$SECS" -f "$D/append.sql" ledger 2>&1) ||
		{ echo "$out" >&2; exit 1; }
	tps=$(echo "$out" | awk '/^tps = / {printf "%d", $3; exit}')
	fails=$(echo "$out" | awk '/number of failed transactions/ {print $5; exit}')
	echo "bench-pg: $c clients, $SECS s: $tps rows/s (failed transactions: ${fails:-0})" >&2
	runs="$runs $c:$tps"
	[ "$tps" -gt "$best" ] && best=$tps bestc=$c
done
# the whole chain, recomputed: every prev is the row before's hash, every hash its content's
bad=$(psql -d ledger -t -A -c "
	SELECT count(*) FROM (
		SELECT l.hash, ledger_row_hash(l, l.prev_hash) AS want, l.prev_hash,
		       coalesce(lag(l.hash) OVER (ORDER BY l.seq), decode(repeat('00', 32), 'hex')) AS prev_want
		FROM ledger l) x
	WHERE hash <> want OR prev_hash <> prev_want") || exit 1
rows=$(psql -d ledger -t -A -c "SELECT count(*) FROM ledger") || exit 1
echo "bench-pg: $rows rows chained; $bad rows whose hash or link does not recompute" >&2
[ "$bad" = 0 ] || { echo "bench-pg: the chain does not recompute" >&2; exit 1; }
printf '{"rows_per_s":%s,"clients":%s,"runs":"%s","rows":%s,"chain_ok":true,"seconds_each":%s}\n' \
	"$best" "$bestc" "${runs# }" "$rows" "$SECS"
