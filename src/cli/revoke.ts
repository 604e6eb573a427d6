// `keyway revoke`: revoke a jti, a presented token or a subject, list, or delete — via the admin API or Redis directly.
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { type Clock, systemClock } from '../lib/clock.js';
import { parseRevokeBody } from '../revocation/admin/revoke-request.js';
import {
  createAdminTarget,
  createRedisTarget,
  type RevokeTarget,
  TargetError,
} from '../revocation/admin/revoke-targets.js';
import { AdminInputError } from '../revocation/admin-input-error.js';
import type { CommandRun } from './command-run.js';
import { COMMANDS } from './commands.js';
import { commandHelp } from './help.js';
import { parseCommand } from './parse-command.js';
import { UsageError } from './usage-error.js';

/** The usage text of `keyway revoke` (from the COMMANDS table). */
export const REVOKE_USAGE = commandHelp(COMMANDS.revoke).trimEnd();

/** Injectable I/O for tests (defaults: global fetch, system clock, process stdin). */
export interface RevokeCliIo {
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  /** Read all of stdin (for `--token -`). */
  readonly readStdin?: () => Promise<string>;
}

async function readStdinDefault(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A time argument: whole seconds, or an ISO 8601 date; UsageError naming both forms when it is neither. */
function toSeconds(flag: string, value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && Number.isFinite(ms)) return Math.floor(ms / 1000);
  throw new UsageError(
    `--${flag} ${value}: expected whole seconds since the epoch (a NumericDate, like 1767225600) or an ISO 8601 date (like 2026-01-01T00:00:00Z)`,
  );
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

async function openTarget(
  env: Record<string, string | undefined>,
  adminUrl: string | undefined,
  tokenFile: string | undefined,
  io: RevokeCliIo,
): Promise<RevokeTarget> {
  if (adminUrl) {
    const token = tokenFile ? (await readFile(tokenFile, 'utf8')).trim() : env['KEYWAY_ADMIN_TOKEN'];
    if (!token) throw new TargetError('the admin API needs KEYWAY_ADMIN_TOKEN or --admin-token-file', true);
    return createAdminTarget(adminUrl, token, io.fetch ?? globalThis.fetch);
  }
  return createRedisTarget(loadConfig(env), io.clock ?? systemClock);
}

/** max_token_lifetime in seconds from the config Redis mode writes with (undefined when it cannot be loaded). */
function lifetimeOf(env: Record<string, string | undefined>): number | undefined {
  try {
    return Math.floor(loadConfig(env).revocation.max_token_lifetime / 1000);
  } catch {
    return undefined;
  }
}

/** The flags of `keyway revoke`, as parseCommand returns them. */
interface Values {
  readonly [flag: string]: string | boolean | string[] | undefined;
  readonly jti?: string;
  readonly exp?: string;
  readonly token?: string;
  readonly 'token-file'?: string;
  readonly sub?: string;
  readonly iss?: string;
  readonly before?: string;
  readonly reason?: string;
  readonly actor?: string;
  readonly list?: boolean;
  readonly limit?: string;
  readonly cursor?: string;
  readonly delete?: string;
  readonly 'admin-url'?: string;
  readonly 'admin-token-file'?: string;
}

/** The presented token from --token, --token-file, or stdin when either is "-"; undefined when none was given. */
async function readToken(v: Values, io: RevokeCliIo): Promise<string | undefined> {
  const source = v.token ?? v['token-file'];
  if (source === undefined) return undefined;
  if (source === '-') return (await (io.readStdin ?? readStdinDefault)()).trim();
  if (v.token !== undefined) return v.token.trim();
  try {
    return (await readFile(source, 'utf8')).trim();
  } catch {
    throw new AdminInputError('invalid_token', `cannot read the token file ${source}`);
  }
}

/** The admin-API body for a revoke action (validated by parseRevokeBody, like the API does). */
function revokeBody(
  v: Values,
  token: string | undefined,
  env: Record<string, string | undefined>,
): Record<string, unknown> {
  if (v.jti !== undefined && v.exp === undefined)
    throw new UsageError(`--jti ${v.jti} needs --exp T: the token's exp (revocations are kept until then)`);
  return {
    ...(v.jti === undefined ? {} : { jti: v.jti, exp: toSeconds('exp', v.exp!) }),
    ...(token === undefined ? {} : { token }),
    ...(v.sub === undefined
      ? {}
      : { sub: v.sub, ...(v.before === undefined ? {} : { before: toSeconds('before', v.before) }) }),
    // --iss without --sub lands beside jti/token and is refused by the body check (invalid_body).
    ...(v.iss === undefined ? {} : { iss: v.iss }),
    ...(v.reason === undefined ? {} : { reason: v.reason }),
    actor: v.actor ?? `cli:${env['USER'] ?? 'unknown'}`,
  };
}

function parseLimit(value: string | undefined): number {
  const limit = value === undefined ? 100 : Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new AdminInputError('invalid_limit', 'limit: expected an integer from 1 to 1000');
  return limit;
}

/**
 * The note for an entry already past when written: a jti whose exp has passed, a subject whose `before` is older than
 * the longest lifetime keyway accepts (max_token_lifetime, known in direct Redis mode) — pruned at once, harmlessly.
 */
function pastNote(
  r: { type: 'jti'; exp: number } | { type: 'sub'; before: number },
  nowSec: number,
  lifetimeSec: number | undefined,
): string | undefined {
  if (r.type === 'jti' && r.exp < nowSec)
    return `note: exp ${iso(r.exp)} is already past: a token with this jti is refused as expired anyway, so the entry is pruned at once (within the leeway)`;
  if (r.type === 'sub' && lifetimeSec !== undefined && r.before + lifetimeSec < nowSec)
    return `note: --before ${iso(r.before)} is older than revocation.max_token_lifetime (${lifetimeSec}s): every token issued before it is expired anyway, so the entry is pruned at once (within the leeway)`;
  return undefined;
}

async function execute(
  v: Values,
  env: Record<string, string | undefined>,
  out: (line: string) => void,
  io: RevokeCliIo & { readonly err?: (line: string) => void },
): Promise<number> {
  const revoking = v.jti ?? v.token ?? v['token-file'] ?? v.sub;
  if ([v.list, v.delete, revoking].filter((a) => a !== undefined).length !== 1)
    throw new UsageError('give one action: --jti, --token, --token-file or --sub; or --list; or --delete');
  const body = revoking === undefined ? undefined : revokeBody(v, await readToken(v, io), env);
  const request = body && parseRevokeBody(body);
  const limit = v.list ? parseLimit(v.limit) : 0;
  const target = await openTarget(env, v['admin-url'] ?? env['KEYWAY_ADMIN_URL'], v['admin-token-file'], io);
  try {
    if (request && body) {
      if (request.kind === 'token' && target.name === 'Redis')
        out('note: direct Redis mode parses the token without verifying its signature');
      const r = await target.revoke(request, body);
      out(
        r.type === 'jti'
          ? `revoked jti ${r.jti} (kept until its exp ${iso(r.exp)})`
          : `revoked sub ${r.sub}${r.iss === undefined ? '' : ` of issuer ${r.iss}`}: tokens issued at or before ${iso(r.before)}`,
      );
      const nowSec = Math.floor((io.clock ?? systemClock)() / 1000);
      const note = pastNote(r, nowSec, target.name === 'Redis' ? lifetimeOf(env) : undefined);
      if (note) (io.err ?? out)(note);
      return 0;
    }
    if (v.delete !== undefined) {
      const removed = await target.unrevoke(v.delete);
      out(removed ? `deleted jti ${v.delete}` : `jti ${v.delete} was not revoked`);
      return removed ? 0 : 1;
    }
    const page = await target.list(v.cursor, limit);
    for (const item of page.items) out(JSON.stringify(item));
    if (page.next) out(`next: --cursor ${page.next}`);
    return 0;
  } finally {
    await target.close();
  }
}

/**
 * Run `keyway revoke` on parsed flags: 0 done, 1 store/API failure or nothing to delete, 2 bad input (its message on
 * `err`). Throws UsageError for a command line that names no action or several.
 */
export async function revokeWith(
  values: Values,
  env: Record<string, string | undefined>,
  out: (line: string) => void,
  io: RevokeCliIo & { readonly err?: (line: string) => void } = {},
): Promise<number> {
  const err = io.err ?? out;
  try {
    return await execute(values, env, out, { ...io, err });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof AdminInputError) err(`keyway revoke: ${e.reason}: ${e.message}`);
    else if (e instanceof TargetError || e instanceof ConfigError) err(`keyway revoke: ${e.message}`);
    else throw e;
    return e instanceof TargetError && !e.usage ? 1 : 2;
  }
}

/** Run `keyway revoke …` from argv (usage and errors on `out`); returns the exit code as revokeWith does. */
export async function runRevokeCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  out: (line: string) => void,
  io: RevokeCliIo = {},
): Promise<number> {
  try {
    const parsed = parseCommand(COMMANDS.revoke, argv);
    if (parsed.help) {
      out(REVOKE_USAGE);
      return 0;
    }
    return await revokeWith(parsed.values, env, out, io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    out(`keyway revoke: ${err.message}\n${REVOKE_USAGE}`);
    return 2;
  }
}

/** `keyway revoke` from runCommand: the parsed flags to revokeWith, results on stdout, errors on stderr. */
export const runRevoke: CommandRun = async ({ values }, io) =>
  revokeWith(values, io.env, (line) => io.out(`${line}\n`), {
    err: (line) => io.err(`${line}\n`),
    readStdin: io.readStdin,
  });
