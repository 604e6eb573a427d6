// parseRevokeBody and applyRevokeRequest: one revoke request, checked and carried out alike by the admin API and the CLI.
import type { Config } from '../../config/types.js';
import { AdminInputError, type AdminInputReason } from '../admin-input-error.js';
import type { JtiRevocation, SubjectRevocation } from '../types.js';

interface Audit {
  readonly reason?: string;
  readonly actor?: string;
}

/** A validated revoke request. `before` absent means "now" (log out everywhere). */
export type RevokeRequest =
  | ({ readonly kind: 'jti'; readonly jti: string; readonly exp: number } & Audit)
  | ({ readonly kind: 'token'; readonly token: string } & Audit)
  | ({ readonly kind: 'sub'; readonly sub: string; readonly iss?: string; readonly before?: number } & Audit);

/** What a revoke request wrote. */
export type RevokeResult =
  | { readonly type: 'jti'; readonly jti: string; readonly exp: number }
  | { readonly type: 'sub'; readonly sub: string; readonly iss?: string; readonly before: number };

/** The claims a presented token contributes: verified by the admin API, only parsed by the CLI in direct mode. */
export type TokenResolver = (token: string) => Promise<{ jti?: string; exp?: number; sub?: string }>;

/**
 * The `iss` values a subject revocation may name: every configured issuer's `issuer`, compared exactly as a token's
 * `iss` claim is; undefined when any value goes (an issuer without `issuer` accepts every `iss`, and a writer without a
 * config — the CLI on REDIS_URL alone — knows no issuers).
 */
export type KnownIssuers = readonly string[] | undefined;

/** The KnownIssuers of a config. */
export function knownIssuersOf(config: Pick<Config, 'issuers'>): KnownIssuers {
  const values = config.issuers.map((issuer) => issuer.issuer);
  if (values.length === 0 || values.includes(undefined)) return undefined;
  return values as string[];
}

/** Where revocations are written (the guard, or the CLI's direct Redis store). */
export interface RevocationWriter {
  revokeJti(input: JtiRevocation): Promise<void>;
  revokeSubject(input: SubjectRevocation): Promise<void>;
}

const KEYS = { jti: ['jti', 'exp'], token: ['token'], sub: ['sub', 'iss', 'before'] } as const;
const AUDIT_KEYS = ['reason', 'actor'];
const MAX_ID = 1024;
const MAX_TOKEN = 65_536;

/** True when `value` holds a C0 control character or DEL (never part of an id, and a log-injection risk). */
const hasControl = (value: string): boolean =>
  [...value].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\x7f');

function text(value: unknown, max: number, reason: AdminInputReason, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || hasControl(value))
    throw new AdminInputError(
      reason,
      `${name}: expected a non-empty string of at most ${max} characters, no control characters`,
    );
  return value;
}

/** The jti of `DELETE /admin/revocations/{jti}`, checked like the one of a POST; throws AdminInputError('invalid_jti'). */
export function parseJtiParam(value: string): string {
  return text(value, MAX_ID, 'invalid_jti', 'jti');
}

/** 9999-12-31T23:59:59Z: later times are typos (ms instead of s), and Redis cannot expire keys that far out. */
const MAX_NUMERIC_DATE = 253_402_300_799;

function numericDate(value: unknown, reason: AdminInputReason, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_NUMERIC_DATE)
    throw new AdminInputError(
      reason,
      `${name}: expected a NumericDate (whole seconds since the epoch, at most ${MAX_NUMERIC_DATE})`,
    );
  return value;
}

function audit(body: Record<string, unknown>): Audit {
  return {
    ...(body['reason'] === undefined
      ? {}
      : { reason: text(body['reason'], 256, 'invalid_reason', 'reason') }),
    ...(body['actor'] === undefined ? {} : { actor: text(body['actor'], 128, 'invalid_actor', 'actor') }),
  };
}

/** Validate an untrusted body; throws AdminInputError naming the field and what was expected. */
export function parseRevokeBody(body: unknown): RevokeRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new AdminInputError(
      'invalid_body',
      'expected a JSON object: {"jti","exp"}, {"token"}, {"sub","before"} or {"iss","sub","before"}',
    );
  const b = body as Record<string, unknown>;
  const kinds = (['jti', 'token', 'sub'] as const).filter((k) => b[k] !== undefined);
  if (kinds.length === 0)
    throw new AdminInputError('missing_target', 'expected one of "jti" (with "exp"), "token" or "sub"');
  if (kinds.length > 1)
    throw new AdminInputError(
      'ambiguous_target',
      `expected exactly one of jti, token, sub; got ${kinds.join(', ')}`,
    );
  const kind = kinds[0]!;
  const allowed = new Set<string>([...KEYS[kind], ...AUDIT_KEYS]);
  const extra = Object.keys(b).filter((k) => !allowed.has(k));
  if (extra.length > 0)
    throw new AdminInputError(
      'invalid_body',
      `unexpected key(s) for a ${kind} revocation: ${extra.join(', ')}`,
    );
  if (kind === 'jti') {
    const jti = text(b['jti'], MAX_ID, 'invalid_jti', 'jti');
    if (b['exp'] === undefined)
      throw new AdminInputError('invalid_exp', "exp: required with jti (the token's exp, in seconds)");
    return { kind, jti, exp: numericDate(b['exp'], 'invalid_exp', 'exp'), ...audit(b) };
  }
  if (kind === 'token')
    return { kind, token: text(b['token'], MAX_TOKEN, 'invalid_token', 'token'), ...audit(b) };
  const sub = text(b['sub'], MAX_ID, 'invalid_sub', 'sub');
  // With iss: only that issuer's tokens (their `iss` claim, compared exactly); without: the subject of every issuer.
  const iss = b['iss'] === undefined ? {} : { iss: text(b['iss'], MAX_ID, 'invalid_iss', 'iss') };
  const before =
    b['before'] === undefined ? {} : { before: numericDate(b['before'], 'invalid_before', 'before') };
  return { kind, sub, ...iss, ...before, ...audit(b) };
}

type JtiTarget = { readonly jti: string; readonly exp: number };

/** The jti and exp a request names: given directly, or read from the resolved token. */
async function jtiTarget(
  request: Extract<RevokeRequest, { kind: 'jti' | 'token' }>,
  resolveToken: TokenResolver,
): Promise<JtiTarget> {
  if (request.kind === 'jti') return { jti: request.jti, exp: request.exp };
  let claims: Awaited<ReturnType<TokenResolver>>;
  try {
    claims = await resolveToken(request.token);
  } catch (err) {
    const why = (err as { reason?: unknown }).reason ?? (err as Error).name;
    throw new AdminInputError('token_not_verified', `the token was not accepted: ${String(why)}`);
  }
  if (typeof claims.jti !== 'string' || claims.jti === '')
    throw new AdminInputError(
      'token_without_jti',
      'the token has no jti; revoke its subject with {"sub","before"} instead',
    );
  // A token without exp (an issuer with require_exp: false) never expires: neither may its revocation.
  const exp =
    typeof claims.exp === 'number' && Number.isFinite(claims.exp)
      ? Math.min(Math.ceil(claims.exp), MAX_NUMERIC_DATE)
      : MAX_NUMERIC_DATE;
  return { jti: text(claims.jti, MAX_ID, 'invalid_jti', 'jti'), exp };
}

/** Carry out a request: a token is resolved (its exp bounds the entry; without exp the entry is kept until
 * 9999-12-31), then written. Throws AdminInputError for a token that does not resolve or has no jti, and whatever
 * the writer throws. `nowSeconds` is the default `before` of a subject revocation; a subject revocation scoped to an
 * `iss` outside `knownIssuers` is refused (unknown_issuer). */
export async function applyRevokeRequest(
  request: RevokeRequest,
  writer: RevocationWriter,
  resolveToken: TokenResolver,
  nowSeconds: number,
  knownIssuers: KnownIssuers = undefined,
): Promise<RevokeResult> {
  const { reason, actor } = request;
  const auditPart = {
    ...(reason === undefined ? {} : { reason }),
    ...(actor === undefined ? {} : { actor }),
  };
  if (request.kind === 'sub') {
    const before = request.before ?? nowSeconds;
    // An iss no issuer has (a trailing slash, http for https) would be written and never match: refused, listing them.
    if (request.iss !== undefined && knownIssuers !== undefined && !knownIssuers.includes(request.iss))
      throw new AdminInputError(
        'unknown_issuer',
        `iss ${JSON.stringify(request.iss)} is not a configured issuer (tokens are matched on their iss exactly): expected one of ${knownIssuers.map((i) => JSON.stringify(i)).join(', ')}`,
      );
    const scope = request.iss === undefined ? {} : { iss: request.iss };
    await writer.revokeSubject({ sub: request.sub, ...scope, before, ...auditPart });
    return { type: 'sub', sub: request.sub, ...scope, before };
  }
  const { jti, exp } = await jtiTarget(request, resolveToken);
  await writer.revokeJti({ jti, exp, ...auditPart });
  return { type: 'jti', jti, exp };
}
