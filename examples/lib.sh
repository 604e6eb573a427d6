# Shared by examples/*/run.sh: demo backends, keyway and a proxy on loopback, on free (or given) ports; the demo
# flows, each checked; optionally the stack kept up. Everything started here is a child of run.sh, stopped by PID on
# exit. A failure stops the run with exit 1, the tail of every log and the path of the logs, which are then kept.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
example="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
name="$(basename "$example")"
tsx_loader="file://$root/node_modules/tsx/dist/loader.mjs"

usage() {
  cat <<EOF
usage: examples/$name/run.sh [--keep] [--proxy-port N] [--keyway-port N] [--admin-port N]
                         [--backend-ports I1,I2,DEFAULT]${extra_usage:-}
  Starts three demo backends, keyway and $name on 127.0.0.1, runs the demo flows (each checked) and stops.
  --keep              keep the stack up after the flows (Ctrl-C stops it); also KEEP=1
  --proxy-port N      the proxy's port (PROXY_PORT); --keyway-port (KEYWAY_PORT), --admin-port (KEYWAY_ADMIN_PORT),
  --backend-ports     (BACKEND_PORTS, "I1,I2,DEFAULT")${extra_help:-}
  Ports not given are picked free. Exit 0 when every flow answered as expected, 1 otherwise (logs kept), 2 on a
  usage error. keyway and the proxy start with a clean environment (PATH, HOME and what this script sets): your
  shell's PORT, REDIS_URL, KEYWAY_* … never reach them.
EOF
}

bad_usage() { echo "run.sh: unknown option $1" >&2; usage >&2; exit 2; }
value() { # option [value]: the option's value, or a usage error (exit 2) when it has none
  [ -n "${2:-}" ] || { echo "run.sh: $1 needs a value" >&2; usage >&2; exit 2; }
  printf '%s' "$2"
}
traefik_only() { echo "run.sh: $1 is an option of examples/traefik/run.sh only" >&2; usage >&2; exit 2; }
# Script inputs only: a TWO_HOP/HOP_PORT in the environment means nothing to a script without those options.
[ -n "${hop_options:-}" ] || { unset TWO_HOP HOP_PORT; }

keep="${KEEP:-}"
proxy_port="${PROXY_PORT:-}"
keyway_port="${KEYWAY_PORT:-}"
admin_port="${KEYWAY_ADMIN_PORT:-}"
hop_port="${HOP_PORT:-}"
backend_ports="${BACKEND_PORTS:-}"
two_hop="${TWO_HOP:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --proxy-port) proxy_port="$(value "$@")"; shift ;;
    --keyway-port) keyway_port="$(value "$@")"; shift ;;
    --admin-port) admin_port="$(value "$@")"; shift ;;
    --hop-port) [ -n "${hop_options:-}" ] || traefik_only "$1"; hop_port="$(value "$@")"; shift ;;
    --backend-ports) backend_ports="$(value "$@")"; shift ;;
    --two-hop) [ -n "${hop_options:-}" ] || traefik_only "$1"; two_hop=1 ;;
    -h | --help) usage; exit 0 ;;
    *) bad_usage "$1" ;;
  esac
  shift
done
[ "$keep" = 0 ] && keep=""

pids=()
ok=""

stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
on_exit() {
  local status=$?
  trap - EXIT INT TERM
  stop_all
  if [ -z "${work:-}" ]; then :
  elif [ -n "$ok" ] && [ "$status" -eq 0 ]; then rm -rf "$work"; else echo "logs kept in $work" >&2; fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# die "what went wrong": the tail of every log, then exit 1 (on_exit keeps the logs and prints where).
die() {
  echo "run.sh: $*" >&2
  local log
  for log in "$work"/*.log; do
    [ -e "$log" ] || continue
    echo "--- $log (last 20 lines)" >&2
    tail -n 20 "$log" >&2
  done
  exit 1
}

free_port() {
  node -e 'const s = require("node:net").createServer();
    s.listen(0, "127.0.0.1", () => { process.stdout.write(String(s.address().port)); s.close(); });'
}
check_port() { # label value
  [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 65535 ] || { echo "run.sh: $1 must be a port, got '$2'" >&2; exit 2; }
}
[ -n "$proxy_port" ] || proxy_port="$(free_port)"
[ -n "$keyway_port" ] || keyway_port="$(free_port)"
[ -n "$admin_port" ] || admin_port="$(free_port)"
[ -n "$hop_port" ] || hop_port="$(free_port)"
if [ -n "$backend_ports" ]; then
  IFS=', ' read -r i1_port i2_port default_port extra <<<"$backend_ports"
  [ -z "${extra:-}" ] && [ -n "${default_port:-}" ] || { echo "run.sh: --backend-ports needs three ports: I1,I2,DEFAULT" >&2; exit 2; }
else
  i1_port="$(free_port)" i2_port="$(free_port)" default_port="$(free_port)"
fi
for p in proxy:"$proxy_port" keyway:"$keyway_port" admin:"$admin_port" hop:"$hop_port" i1:"$i1_port" i2:"$i2_port" \
  default:"$default_port"; do check_port "${p%%:*} port" "${p#*:}"; done
base="http://127.0.0.1:$proxy_port"
# The work dir (logs, config, state) only once the arguments are known good: a usage error leaves nothing behind.
work="$(mktemp -d "${TMPDIR:-/tmp}/keyway-example-$name-XXXXXX")"
chmod 755 "$work" # nginx workers run as an unprivileged user when the master is root

# `keyway ...`: KEYWAY_BIN when set (e.g. "node dist/cli.js"; relative paths are taken from where run.sh was started),
# else this checkout's source through tsx.
if [ -n "${KEYWAY_BIN:-}" ]; then
  read -r -a keyway_cmd <<<"$KEYWAY_BIN"
  for i in "${!keyway_cmd[@]}"; do
    if [[ "${keyway_cmd[$i]}" != /* ]] && [ -e "${keyway_cmd[$i]}" ]; then keyway_cmd[$i]="$PWD/${keyway_cmd[$i]}"; fi
  done
else
  keyway_cmd=(node --import "$tsx_loader" "$root/src/cli.ts")
fi

# This example's files, with the ports they are written for (18080–18082, 18090, 19001–19003) replaced.
conf="$work/conf"
mkdir "$conf"
for file in "$example"/*; do
  [ -f "$file" ] && [ "$(basename "$file")" != run.sh ] && [ "$(basename "$file")" != README.md ] || continue
  sed -e "s/\b18080\b/$proxy_port/g" -e "s/\b18081\b/$keyway_port/g" -e "s/\b18082\b/$admin_port/g" \
    -e "s/\b18090\b/$hop_port/g" -e "s/\b19001\b/$i1_port/g" -e "s/\b19002\b/$i2_port/g" \
    -e "s/\b19003\b/$default_port/g" "$file" >"$conf/$(basename "$file")"
done
cd "$conf" # keyway.yaml names routes.yaml relative to keyway's working directory

# The demo's secrets: random per run (a KEYWAY_ADMIN_TOKEN in your shell belongs to your keyway, not the demo's).
random_secret() { node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("hex"))'; }
demo_secret="$(random_secret)"
admin_token="$(random_secret)"

# keyway's whole environment, explicit: `env -i` drops everything else of the caller's (PORT, HOST, ADMIN_PORT,
# REDIS_URL, LOG_LEVEL, NODE_ENV, KEYWAY_CONFIG_YAML, KEYWAY_PROXY_SECRET, the quick-start KEYWAY_* variables, and any
# variable keyway reads in the future), so the demo neither writes into your Redis nor listens where it was not told.
keyway_env=(env -i PATH="$PATH" HOME="${HOME:-$work}" KEYWAY_CONFIG=keyway.yaml LOG_LEVEL=info
  KEYWAY_DEMO_SECRET="$demo_secret" KEYWAY_ADMIN_TOKEN="$admin_token")
# The proxies get the same clean start (CADDY_*, XDG_* … of the caller's do not apply to the demo).
proxy_env=(env -i PATH="$PATH" HOME="${HOME:-$work}" XDG_CONFIG_HOME="$work" XDG_DATA_HOME="$work")
keyway() { "${keyway_env[@]}" "${keyway_cmd[@]}" "$@"; }


# wait_for label pid url expect: until `curl url` prints something matching the extended regex `expect` while `pid`
# (the process started for it) is alive. Any other answer — another program on the port — is not "up".
wait_for() {
  local label="$1" pid="$2" url="$3" expect="$4" got=""
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || die "$label exited before answering at $url"
    got="$(curl -s -i --max-time 1 "$url" 2>/dev/null | tr -d '\r' || true)"
    if grep -Eiq -- "$expect" <<<"$got"; then return 0; fi
    sleep 0.1
  done
  die "$label did not answer as expected at $url within 15 s (wanted /$expect/, got: $(head -c 300 <<<"$got" | tr '\n' ' '))"
}

# wait_for_log label pid file regex: until the log of the process started for `label` has a line matching `regex`.
wait_for_log() {
  local label="$1" pid="$2" file="$3" expect="$4"
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || die "$label exited before it was up"
    if grep -Eq -- "$expect" "$file" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  die "$label did not log /$expect/ within 15 s"
}

backend_pid=()
start_backend() { # name port
  node --import "$tsx_loader" "$root/examples/demo-backend.ts" "$1" "$2" >"$work/backend-$1.log" 2>&1 &
  pids+=($!)
  backend_pid+=("$1=$!")
  wait_for "backend $1" "$!" "http://127.0.0.1:$2/whoami" "\"backend\":\"$1\""
}
stop_backend() { # name: stop it and forget its PID
  local entry pid kept=() rest=()
  for entry in "${backend_pid[@]}"; do
    if [ "${entry%%=*}" = "$1" ]; then
      kill "${entry#*=}" 2>/dev/null || true
      wait "${entry#*=}" 2>/dev/null || true
      for pid in "${pids[@]}"; do [ "$pid" = "${entry#*=}" ] || kept+=("$pid"); done
      pids=("${kept[@]}")
    else
      rest+=("$entry")
    fi
  done
  backend_pid=("${rest[@]}")
}
start_backends() {
  start_backend i1 "$i1_port"
  start_backend i2 "$i2_port"
  start_backend default "$default_port"
}

start_keyway() {
  # Not through the keyway() function: a backgrounded function is a subshell, and $! must be keyway itself.
  "${keyway_env[@]}" "${keyway_cmd[@]}" serve >"$work/keyway.log" 2>&1 &
  pids+=($!)
  keyway_pid=$!
  # Up means this keyway: its own log says it listens on the port (a program already there makes it exit instead),
  # then /healthz answers keyway's JSON, then it is ready (keys loaded, route table read).
  wait_for_log keyway "$keyway_pid" "$work/keyway.log" "\"port\":$keyway_port,.*\"msg\":\"keyway listening\""
  wait_for keyway "$keyway_pid" "http://127.0.0.1:$keyway_port/healthz" '^\{"status":"ok"\}$'
  wait_for keyway "$keyway_pid" "http://127.0.0.1:$keyway_port/readyz" '^HTTP/1\.1 200'
}

# start_proxy label command...: run the proxy, then wait for keyway's 401 missing_token through it.
start_proxy() {
  local label="$1"
  shift
  "${proxy_env[@]}" "$@" >"$work/proxy.log" 2>&1 &
  pids+=($!)
  wait_for "$label" "$!" "$base/orders" '^x-auth-reason: missing_token$'
  kill -0 "$keyway_pid" 2>/dev/null || die "keyway exited"
}

mint() { # sub [--claim k=v]...
  keyway mint --issuer demo --aud shop --sub "$@"
}

failures=0
# try "title" status backend subject [curl args...]: one request through the proxy; checks the status, which backend
# answered (a regex; "-" for none) and the X-Auth-Subject it received ("-" for none), and prints what it saw.
try() {
  local title="$1" want_status="$2" want_backend="$3" want_subject="$4" status got_backend got_subject verdict=ok
  shift 4
  echo "== $title"
  rm -f "$work/body" "$work/head"
  curl -s --max-time 5 -o "$work/body" -D "$work/head" "$@" "$base/orders?id=7" || true
  status="$(head -1 "$work/head" 2>/dev/null | tr -d '\r')"
  echo "   -> ${status:-no answer}"
  grep -iE '^(www-authenticate|x-auth-reason):' "$work/head" 2>/dev/null | tr -d '\r' | sed 's/^/      /' || true
  # "<backend> <x-auth-subject>" ("- -" when no backend answered), printed after what the backend saw is in $work/seen.
  read -r got_backend got_subject < <(node -e '
    const fs = require("fs");
    try {
      const b = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      const h = b.headers, v = (n) => JSON.stringify(h[n] ?? null);
      fs.writeFileSync(process.argv[2], `      backend ${b.backend} saw x-auth-subject=${v("x-auth-subject")}` +
        ` x-route-upstream=${v("x-route-upstream")} x-route-match=${v("x-route-match")}` +
        ` x-route-instance-key=${v("x-route-instance-key")}\n`);
      console.log(`${b.backend} ${h["x-auth-subject"] || "-"}`);
    } catch { fs.writeFileSync(process.argv[2], ""); console.log("- -"); }' "$work/body" "$work/seen")
  cat "$work/seen"
  [[ "$status" =~ ^HTTP/[0-9.]+\ $want_status\  ]] || verdict="UNEXPECTED: wanted status $want_status"
  [[ "$got_backend" =~ ^($want_backend)$ ]] || verdict="UNEXPECTED: wanted backend $want_backend, got $got_backend"
  [ "$got_subject" = "$want_subject" ] || verdict="UNEXPECTED: wanted x-auth-subject $want_subject, got $got_subject"
  echo "   $verdict"
  [ "$verdict" = ok ] || failures=$((failures + 1))
}

demo_flows() {
  local i1 version green
  i1="$(mint alice --claim tenant=t1 --claim service=shop --claim version=blue --claim instance=i1)"
  version="$(mint bob --claim tenant=t1 --claim service=shop --claim version=blue)"
  green="$(mint carol --claim tenant=t1 --claim service=shop --claim version=green --claim instance=i1)"
  local forged=(-H "X-Route-Upstream: 127.0.0.1:$default_port" -H "X-Auth-Subject: admin"
    -H "X-Route-Instance-Key: t1/shop/blue/i2")

  try "token for instance i1 → backend i1" 200 i1 alice -H "Authorization: Bearer $i1"
  try "token without an instance claim → a version backend (stable per subject)" 200 'i1|i2' bob \
    -H "Authorization: Bearer $version"
  try "unknown version → the default backend" 200 default carol -H "Authorization: Bearer $green"
  try "forged X-Route-Upstream / X-Auth-Subject / X-Route-Instance-Key with a valid token → ignored" 200 i1 alice \
    -H "Authorization: Bearer $i1" "${forged[@]}"
  try "forged headers without a token → 401, no backend" 401 - - "${forged[@]}"
  try "bad token → keyway's 401 with its challenge" 401 - - -H "Authorization: Bearer ${i1%????}AAAA"
  echo "== stopping backend i1 (health checks every 250 ms, unhealthy after 2 failures)"
  stop_backend i1
  sleep 1
  try "token for instance i1 again → the version backend answers" 200 i2 alice -H "Authorization: Bearer $i1"
  echo "== routes as keyway sees them: curl -H 'Authorization: Bearer \$KEYWAY_ADMIN_TOKEN' http://127.0.0.1:$admin_port/admin/routes"
  curl -s --max-time 2 -H "Authorization: Bearer $admin_token" \
    "http://127.0.0.1:$admin_port/admin/routes" | head -c 600 || true
  echo
  [ "$failures" -eq 0 ] || die "$failures flow(s) did not answer as expected"
  echo "== every flow answered as expected"
  demo_token="$i1"
}

# finish: exit 0 after the flows, or with --keep restart backend i1 and keep the stack up until Ctrl-C / SIGTERM.
finish() {
  if [ -z "$keep" ]; then
    ok=1
    exit 0
  fi
  start_backend i1 "$i1_port"
  # Back in rotation once keyway's health check has seen it (every 250 ms): the instance token reaches it again.
  local back=""
  for _ in $(seq 1 50); do
    if curl -s --max-time 1 -H "Authorization: Bearer $demo_token" "$base/orders" | grep -q '"backend":"i1"'; then
      back=1
      break
    fi
    sleep 0.1
  done
  [ -n "$back" ] || die "backend i1 did not come back into rotation within 5 s"
  # The demo's secrets for a shell of your own (mode 0600, removed with the stack).
  (umask 077 && {
    echo "KEYWAY_DEMO_SECRET=$demo_secret"
    echo "KEYWAY_ADMIN_TOKEN=$admin_token"
    echo "KEYWAY_CONFIG=$conf/keyway.yaml"
  } >"$work/env" && printf '%s\n' "$demo_token" >"$work/token")
  cat <<EOF
== the stack is up (--keep); Ctrl-C stops it
   proxy    $base
   keyway   http://127.0.0.1:$keyway_port, admin http://127.0.0.1:$admin_port
   backends i1 127.0.0.1:$i1_port, i2 127.0.0.1:$i2_port, default 127.0.0.1:$default_port
   config   $conf (keyway.yaml; routes.yaml is reloaded when you edit it)
   secrets  $work/env (set -a; . $work/env; set +a)
   logs     $work
   try      curl -i $base/orders -H "Authorization: Bearer \$(cat $work/token)"
EOF
  ok=1
  trap 'exit 0' INT TERM
  while sleep 1; do
    local pid
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || { ok=""; die "a process of the stack (pid $pid) exited"; }
    done
  done
}
