// COMMANDS: every `keyway` command and its flags, in one table — the parser and every help text are built from it.

import { parseDuration } from '../lib/duration.js';
import { hostPortProblem } from '../lib/host-port.js';
import { SIGNING_ALGS } from '../lib/jws-algs.js';
import type { CommandName, CommandSpec } from './command-spec.js';

/** Algorithms keygen can make a key pair for (HS secrets are configured, not generated; Ed25519 is EdDSA's alias). */
export const KEYGEN_ALGS = SIGNING_ALGS.filter((alg) => !alg.startsWith('HS') && alg !== 'Ed25519');

/** The proxies print-config renders. */
export const PROXY_KINDS = ['caddy', 'nginx', 'traefik', 'traefik-two-hop', 'fly'] as const;

const duration = (v: string) =>
  parseDuration(v) === undefined ? 'expected a duration like 30s, 15m, 1h or 7d' : undefined;
const minBits = (v: string) =>
  /^\d+$/.test(v) && Number(v) >= 2048 ? undefined : 'expected a whole number of bits, at least 2048';

const CONFIG_NOTE =
  'Config: KEYWAY_CONFIG (a YAML file), KEYWAY_CONFIG_YAML (the YAML itself) or the quick-start env.';

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  serve: {
    name: 'serve',
    summary: 'run the service (the default command); dev mode when no config source exists',
    flags: {},
    notes: [CONFIG_NOTE, 'Runs until SIGTERM/SIGINT (drains in-flight requests); SIGHUP reloads the config.'],
  },
  dev: {
    name: 'dev',
    summary: 'run with the embedded development issuer (prints its JWKS URL and a ready token)',
    flags: {},
    notes: ['For a workstation: the key and the token are thrown away on exit.'],
  },
  keygen: {
    name: 'keygen',
    summary: 'make a signing key pair: private PKCS#8 PEM and the public JWKS to publish',
    flags: {
      alg: { type: 'string', value: 'ALG', default: 'ES256', choices: KEYGEN_ALGS, help: 'the algorithm' },
      kid: { type: 'string', value: 'KID', help: 'the key id (default <alg>-<date>)' },
      bits: {
        type: 'string',
        value: 'N',
        default: '2048',
        check: minBits,
        help: 'RSA modulus size (RS*/PS* only)',
      },
      out: {
        type: 'string',
        value: 'DIR',
        help: 'write DIR/private.pem (mode 0600) and DIR/jwks.json (DIR is created); else print both',
      },
    },
  },
  mint: {
    name: 'mint',
    summary: 'sign a test token with a private key file or a configured issuer (for tests and ops)',
    flags: {
      key: { type: 'string', value: 'FILE', help: 'private key PEM (from keygen); its type fixes the algs' },
      issuer: {
        type: 'string',
        value: 'NAME',
        help: 'a configured issuer: fills iss, aud and typ from it; signs with its first HS secret without --key',
      },
      alg: {
        type: 'string',
        value: 'ALG',
        choices: SIGNING_ALGS,
        help: 'the algorithm (default: the first the key allows)',
      },
      kid: { type: 'string', value: 'KID', help: 'the kid header' },
      iss: { type: 'string', value: 'ISS', help: 'the iss claim (default: the issuer’s)' },
      sub: { type: 'string', value: 'SUB', help: 'the sub claim' },
      aud: {
        type: 'string',
        value: 'AUD',
        multiple: true,
        help: 'an aud value (repeatable; default: the issuer’s first)',
      },
      exp: {
        type: 'string',
        value: 'DURATION',
        check: duration,
        help: 'lifetime (default 1h, with --issuer capped at revocation.max_token_lifetime; a longer --exp is signed as asked, with a note: keyway answers lifetime_too_long)',
      },
      jti: { type: 'string', value: 'JTI', help: 'the jti claim (default: a random UUID)' },
      claim: {
        type: 'string',
        value: 'K=V',
        multiple: true,
        help: 'a claim (V parsed as JSON when it is; repeatable)',
      },
      claims: { type: 'string', value: 'JSON', help: 'claims as one JSON object' },
    },
    notes: [CONFIG_NOTE],
  },
  revoke: {
    name: 'revoke',
    summary: 'revoke a token, a jti or a subject; list or delete revocations (admin API or Redis)',
    flags: {
      jti: { type: 'string', value: 'JTI', help: 'revoke this jti (with --exp)' },
      exp: { type: 'string', value: 'T', help: 'with --jti (required): the exp of the token' },
      token: { type: 'string', value: 'TOKEN|-', help: 'revoke this token (- reads stdin)' },
      'token-file': { type: 'string', value: 'FILE|-', help: 'revoke the token in FILE (- reads stdin)' },
      sub: {
        type: 'string',
        value: 'SUB',
        help: 'revoke every token of this subject issued before --before',
      },
      iss: {
        type: 'string',
        value: 'ISS',
        help: 'with --sub: of this issuer only (a configured issuer’s iss, exactly)',
      },
      before: { type: 'string', value: 'T', help: 'with --sub: issued at or before T (default now)' },
      reason: { type: 'string', value: 'TEXT', help: 'why (kept with the entry)' },
      actor: { type: 'string', value: 'NAME', help: 'who (default cli:$USER)' },
      list: { type: 'boolean', help: 'list revocations, one JSON line each' },
      limit: { type: 'string', value: 'N', help: 'with --list: page size, 1 to 1000 (default 100)' },
      cursor: { type: 'string', value: 'C', help: 'with --list: the next page' },
      delete: { type: 'string', value: 'JTI', help: 'delete the revocation of this jti' },
      'admin-url': { type: 'string', value: 'URL', help: 'use the admin API (or KEYWAY_ADMIN_URL)' },
      'admin-token-file': {
        type: 'string',
        value: 'FILE',
        help: 'the admin token (else KEYWAY_ADMIN_TOKEN)',
      },
    },
    notes: [
      'One action: --jti, --token, --token-file or --sub; or --list; or --delete.',
      'Target: the admin API with --admin-url, else Redis from REDIS_URL / KEYWAY_CONFIG (give it the servers’ config).',
      'Times: whole seconds since the epoch (a NumericDate), or an ISO 8601 date like 2026-01-01T00:00:00Z.',
      'An entry already past (--exp, or --before older than the lifetime keyway accepts) is written, and a note on stderr says it is pruned at once: such tokens are refused as expired anyway.',
    ],
  },
  explain: {
    name: 'explain',
    summary: 'the decision for a token and a forwarded request, with expected vs actual for the failed check',
    flags: {
      token: { type: 'string', value: 'TOKEN', help: 'the token (visible in ps: prefer --token-file)' },
      'token-file': { type: 'string', value: 'FILE|-', help: 'read the token from FILE (- reads stdin)' },
      method: { type: 'string', value: 'M', default: 'GET', help: 'the forwarded method' },
      host: { type: 'string', value: 'HOST', help: 'the forwarded host' },
      uri: { type: 'string', value: 'URI', default: '/', help: 'the forwarded URI' },
      header: {
        type: 'string',
        value: "'NAME: VALUE'",
        multiple: true,
        help: 'a request header (repeatable)',
      },
      policy: { type: 'string', value: 'NAME', help: 'decide with this policy (as /auth/NAME does)' },
    },
    notes: [
      CONFIG_NOTE,
      "Dev mode (no config source): explains against the running dev server's issuer (its JWKS at the same PORT).",
      'Prints JSON; exit 0 allow, 3 deny. A dry run: no rate-limit token is taken.',
    ],
  },
  'check-config': {
    name: 'check-config',
    summary: 'run every check serve runs before listening (config, the files it names) and exit',
    flags: {},
    notes: [
      CONFIG_NOTE,
      'Exit 0 when serve would start (or would run dev mode: no config source at all), 1 with every problem at once (source, key path, fix), 2 on a usage error.',
    ],
  },
  'print-config': {
    name: 'print-config',
    summary: 'print the proxy snippet for the config (caddy, nginx, traefik, traefik-two-hop, fly)',
    positional: { name: 'KIND', choices: PROXY_KINDS, flag: 'target' },
    flags: {
      target: {
        type: 'string',
        value: 'KIND',
        choices: PROXY_KINDS,
        help: 'the same as the positional KIND',
      },
      listen: {
        type: 'string',
        value: 'ADDR',
        default: ':8080',
        help: 'where the proxy listens (host:port or :port)',
        check: (v) => hostPortProblem(v, true),
      },
      keyway: {
        type: 'string',
        value: 'ADDR',
        check: (v) => hostPortProblem(v),
        help: 'where the proxy reaches keyway (default server.host:server.port; fly: keyway.flycast:8081)',
      },
      hop: {
        type: 'string',
        value: 'ADDR',
        default: '127.0.0.1:8090',
        help: 'traefik-two-hop: the loopback routing entry point',
        check: (v) => hostPortProblem(v),
      },
      app: {
        type: 'string',
        value: 'ADDR',
        help: 'without routing: the application to proxy to (default 127.0.0.1:3000)',
        check: (v) => hostPortProblem(v),
      },
    },
    notes: [
      CONFIG_NOTE,
      'traefik: Traefik ≥ 3.6 (child routers); traefik-two-hop: older Traefik; fly: nginx on Fly.io (names re-resolved).',
    ],
  },
};
