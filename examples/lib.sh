# Shared by examples/*/run.sh: start demo backends and keyway on loopback, mint tokens, run and print the demo flows.
# Everything started here is a child of run.sh and is killed (by PID) on exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tsx="$root/node_modules/.bin/tsx"
work="$(mktemp -d)"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The demo's secrets: random per run unless set. keyway refuses the values older examples published as fallbacks.
random_secret() { node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("hex"))'; }
export KEYWAY_DEMO_SECRET="${KEYWAY_DEMO_SECRET:-$(random_secret)}"
export KEYWAY_ADMIN_TOKEN="${KEYWAY_ADMIN_TOKEN:-$(random_secret)}"

# `keyway ...`: the installed binary when KEYWAY_BIN is set, else this checkout's source through tsx.
if [ -n "${KEYWAY_BIN:-}" ]; then read -r -a keyway_cmd <<<"$KEYWAY_BIN"; else keyway_cmd=("$tsx" "$root/src/cli.ts"); fi
keyway() { "${keyway_cmd[@]}" "$@"; }

wait_for_url() {
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null --max-time 1 "$1"; then return 0; fi
    sleep 0.1
  done
  echo "nothing answers at $1; logs in $work" >&2
  exit 1
}

backend_pid=()
start_backend() { # name port
  "$tsx" "$root/examples/demo-backend.ts" "$1" "$2" >"$work/backend-$1.log" 2>&1 &
  pids+=($!)
  backend_pid+=("$1=$!")
  wait_for_url "http://127.0.0.1:$2/healthz"
}

stop_backend() { # name
  for entry in "${backend_pid[@]}"; do
    if [ "${entry%%=*}" = "$1" ]; then kill "${entry#*=}"; fi
  done
}

start_keyway() { # run in the example folder: keyway.yaml names routes.yaml relative to it
  # Not through the keyway() function: a backgrounded function is a subshell, and $! must be keyway itself.
  KEYWAY_CONFIG=keyway.yaml LOG_LEVEL=warn "${keyway_cmd[@]}" serve >"$work/keyway.log" 2>&1 &
  pids+=($!)
  wait_for_url "http://127.0.0.1:18081/readyz"
}

mint() { # sub [--claim k=v]...
  KEYWAY_CONFIG=keyway.yaml keyway mint --issuer demo --aud shop --sub "$@"
}

# try "title" [curl args...]: one request through the proxy, then the status and what the backend saw.
try() {
  local title="$1"
  shift
  echo "== $title"
  curl -s --max-time 5 -o "$work/body" -D "$work/head" "$@" "http://127.0.0.1:18080/orders?id=7" || true
  echo "   -> $(head -1 "$work/head" | tr -d '\r')"
  grep -iE '^(www-authenticate|x-auth-reason):' "$work/head" | tr -d '\r' | sed 's/^/      /' || true
  node -e '
    try {
      const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const h = b.headers, v = (n) => JSON.stringify(h[n] ?? null);
      console.log(`      backend ${b.backend} saw x-auth-subject=${v("x-auth-subject")} x-route-upstream=${v("x-route-upstream")}` +
        ` x-route-match=${v("x-route-match")} x-route-instance-key=${v("x-route-instance-key")}`);
    } catch {}' "$work/body"
}

demo_flows() {
  local i1 version green
  i1="$(mint alice --claim tenant=t1 --claim service=shop --claim version=blue --claim instance=i1)"
  version="$(mint bob --claim tenant=t1 --claim service=shop --claim version=blue)"
  green="$(mint carol --claim tenant=t1 --claim service=shop --claim version=green --claim instance=i1)"
  local forged=(-H "X-Route-Upstream: 127.0.0.1:19003" -H "X-Auth-Subject: admin" -H "X-Route-Instance-Key: t1/shop/blue/i2")

  try "token for instance i1 → backend i1" -H "Authorization: Bearer $i1"
  try "token without an instance claim → a version backend (stable per subject)" -H "Authorization: Bearer $version"
  try "unknown version → the default backend" -H "Authorization: Bearer $green"
  try "forged X-Route-Upstream / X-Auth-Subject / X-Route-Instance-Key with a valid token → ignored" \
    -H "Authorization: Bearer $i1" "${forged[@]}"
  try "forged headers without a token → 401, no backend" "${forged[@]}"
  try "bad token → keyway's 401 with its challenge" -H "Authorization: Bearer ${i1%????}AAAA"
  echo "== stopping backend i1 (health checks every 250 ms, unhealthy after 2 failures)"
  stop_backend i1
  sleep 1
  try "token for instance i1 again → the version backend answers" -H "Authorization: Bearer $i1"
  echo "== routes as keyway sees them: curl -H 'Authorization: Bearer \$KEYWAY_ADMIN_TOKEN' http://127.0.0.1:18082/admin/routes"
  curl -s --max-time 2 -H "Authorization: Bearer $KEYWAY_ADMIN_TOKEN" \
    http://127.0.0.1:18082/admin/routes | head -c 600 || true
  echo
}
