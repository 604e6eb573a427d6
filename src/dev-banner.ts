// The loud dev-mode notice: how to leave dev mode, a ready token, and one curl line per proxy style. The token is
// shown only on a terminal; otherwise (a supervisor, docker logs, a CI log) only the path of a 0600 file holding it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevIssuer } from './cli/dev-issuer.js';

/** Why dev mode runs: nothing configured at all, or `keyway dev` asked for it. */
export type DevReason = 'no_config' | 'forced';

const ADVICE: Readonly<Record<DevReason, string>> = {
  no_config:
    'No config source is set. Set KEYWAY_CONFIG (a file), KEYWAY_CONFIG_YAML, or KEYWAY_ISSUER /\n  KEYWAY_JWKS_URL / KEYWAY_HS_SECRET to leave dev mode (`keyway check-config` checks it).',
  forced:
    'Started with `keyway dev`, which replaces any configured issuers and policies with the dev\n  issuer. Run `keyway serve` to use your config.',
};

/**
 * The banner text. `token` is the token itself (a terminal) or a shell expression reading it from its file; the curl
 * lines use $TOKEN either way.
 */
export function devBanner(port: number, issuer: string, tokenLine: string, reason: DevReason): string {
  const base = `http://127.0.0.1:${port}/auth`;
  const line = '='.repeat(78);
  return `
${line}
  keyway DEV MODE — embedded issuer with a throwaway key. NOT FOR PRODUCTION.
  ${ADVICE[reason]}
${line}
  issuer:  ${issuer}
  JWKS:    ${issuer}/jwks.json
  token (1 hour):
${tokenLine}

  # Traefik forwardAuth style
  curl -i ${base} -H "X-Forwarded-Method: GET" -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: app.example.com" -H "X-Forwarded-Uri: /api/items?page=1" -H "X-Forwarded-For: 203.0.113.7" -H "Authorization: Bearer $TOKEN"

  # Caddy forward_auth style (original Host kept, X-Forwarded-Method/-Uri added)
  curl -i ${base} -H "Host: app.example.com" -H "X-Forwarded-Method: GET" -H "X-Forwarded-Uri: /api/items" -H "X-Forwarded-Host: app.example.com" -H "X-Forwarded-Proto: https" -H "Authorization: Bearer $TOKEN"

  # nginx auth_request style
  curl -i ${base} -H "X-Original-URI: /api/items" -H "X-Original-Method: GET" -H "X-Forwarded-Host: app.example.com" -H "Authorization: Bearer $TOKEN"
${line}
`;
}

/** Where the banner goes: a stream that may be a terminal. */
export interface BannerStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** Shell-quote a path for the `TOKEN=$(cat …)` line. */
const quote = (path: string) => `'${path.replaceAll("'", `'\\''`)}'`;

/**
 * Mint the dev token, write it to a fresh 0600 file (in a 0700 directory) and print the banner to `stream` — with the
 * token itself only when `stream` is a terminal. `remove()` deletes the file (at shutdown: its key dies with us).
 */
export async function writeDevBanner(
  port: number,
  dev: DevIssuer,
  reason: DevReason,
  stream: BannerStream,
): Promise<{ readonly tokenFile: string; remove(): void }> {
  const token = await dev.mint();
  const dir = mkdtempSync(join(tmpdir(), 'keyway-dev-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const tokenLine = stream.isTTY
    ? `TOKEN=${token}\n  (also in ${tokenFile})`
    : `TOKEN=$(cat ${quote(tokenFile)})\n  (not printed: this output is not a terminal and may be collected as logs)`;
  stream.write(devBanner(port, dev.issuer, tokenLine, reason));
  return { tokenFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
