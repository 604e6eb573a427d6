#!/usr/bin/env bash
# keyway + Traefik on loopback: three demo backends, keyway (:18081), Traefik (:18080); then the demo flows.
# TWO_HOP=1 uses the Traefik < 3.6 two-hop config. Without a `traefik` binary, the forwardAuth emulator of the e2e tests
# (test/e2e/traefik-forward-auth-emulator.ts) runs the same config files instead.
source "$(dirname "$0")/../lib.sh"
cd "$root/examples/traefik"
static=traefik.yml
if [ "${TWO_HOP:-}" = 1 ]; then static=traefik-two-hop.yml; fi
start_backend i1 19001
start_backend i2 19002
start_backend default 19003
start_keyway
if command -v traefik >/dev/null 2>&1; then
  traefik --configFile="$static" >"$work/traefik.log" 2>&1 &
else
  echo "(no traefik binary: running $static with the forwardAuth emulator)"
  "$tsx" -e "import('$root/test/e2e/traefik-forward-auth-emulator.ts').then((m) => m.startTraefikEmulator('$PWD/$static'))" \
    >"$work/traefik.log" 2>&1 &
fi
pids+=($!)
wait_for_url "http://127.0.0.1:18080/"
demo_flows
