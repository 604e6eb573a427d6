// The secrets audit: fixtures register every token and secret they use, helpers record every output keyway produces
// (log lines, response bodies and headers, metrics); a leak check per test file and a global teardown
// (test/security/audit/global-setup.ts) fail the run when a registered secret appears in any recorded output.
// Outside vitest (KEYWAY_AUDIT_DIR unset, e.g. `npm run bench`) everything here is a no-op.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/** Env var naming the run directory; set by the global setup before workers start (forks inherit it). */
export const AUDIT_DIR_ENV = 'KEYWAY_AUDIT_DIR';

export type OutputKind = 'log' | 'response' | 'metrics';

/** One recorded output: what produced it, in which test file, and its text. */
export interface AuditOutput {
  readonly kind: OutputKind;
  readonly where: string;
  readonly text: string;
}

/** A registered secret in one of its spellings, with a label saying what it is (never the value). */
export interface AuditSecret {
  readonly value: string;
  readonly label: string;
}

export interface Leak {
  readonly label: string;
  readonly kind: OutputKind;
  readonly where: string;
  /** The output around the match, with the secret itself replaced by «label». */
  readonly excerpt: string;
}

/** Spellings shorter than this are not registered: too likely to occur by chance. */
export const MIN_SECRET_LENGTH = 12;

const dir = (): string | undefined => process.env[AUDIT_DIR_ENV] || undefined;
let context = 'unknown';
/** This file's secrets and outputs (module state is fresh per test file), for the per-file check. */
const fileSecrets = new Map<string, string>();
const fileOutputs: AuditOutput[] = [];
const registries = new Set<{ metrics(): Promise<string> }>();

/** Name the test file that subsequent outputs belong to (set by the audit setup file). */
export function setAuditContext(where: string): void {
  context = where;
}

/** Every spelling of a secret a careless log or body could contain: raw, JSON-escaped, base64(url), hex, byte lists. */
export function secretVariants(secret: string | Uint8Array): string[] {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  const out = new Set<string>();
  if (typeof secret === 'string') {
    out.add(secret);
    out.add(JSON.stringify(secret).slice(1, -1));
  }
  out.add(bytes.toString('base64'));
  out.add(bytes.toString('base64url'));
  out.add(bytes.toString('hex'));
  // Buffer#toJSON ({"type":"Buffer","data":[…]}) and arrays; a Uint8Array serialised by pino ({"0":116,…}).
  out.add([...bytes].join(','));
  out.add([...bytes].map((b, i) => `"${i}":${b}`).join(','));
  return [...out].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

/** Register a secret (HS secret, admin token, private key member) under a label. */
export function registerSecret(secret: string | Uint8Array, label: string): void {
  if (!dir()) return;
  for (const value of secretVariants(secret)) {
    if (fileSecrets.has(value)) continue;
    fileSecrets.set(value, label);
    append('secrets', { value, label });
  }
}

/** Register a bearer token: the whole token and its signature segment (what makes it replayable). */
export function registerToken(token: string): void {
  if (!dir()) return;
  const signature = token.split('.').at(-1) ?? '';
  for (const value of [token, signature]) {
    if (value.length < MIN_SECRET_LENGTH || fileSecrets.has(value)) continue;
    fileSecrets.set(value, value === token ? 'token' : 'token signature');
    append('secrets', { value, label: value === token ? 'token' : 'token signature' });
  }
}

/** Record something keyway produced. */
export function recordOutput(kind: OutputKind, text: string): void {
  if (!dir()) return;
  const output = { kind, where: context, text };
  fileOutputs.push(output);
  append('outputs', output);
}

/** Record a response's status line, headers and body (reads a clone; the caller keeps the original). */
export async function recordResponse(res: Response, what: string): Promise<void> {
  if (!dir()) return;
  const headers = [...res.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
  const body = await res.clone().text();
  recordOutput('response', `${what} → ${res.status}\n${headers}\n\n${body}`);
}

/** Record this registry's /metrics text when the test file ends (see the audit setup file). */
export function trackRegistry(registry: { metrics(): Promise<string> }): void {
  if (dir()) registries.add(registry);
}

/** Record every tracked registry's metrics text now. */
export async function flushTrackedRegistries(): Promise<void> {
  for (const registry of registries) recordOutput('metrics', await registry.metrics());
  registries.clear();
}

/** Leaks among this test file's own secrets and outputs (the global teardown checks the whole run). */
export function fileLeaks(): Leak[] {
  return findLeaks(
    [...fileSecrets].map(([value, label]) => ({ value, label })),
    fileOutputs,
  );
}

/**
 * Every (secret, output) pair where the secret occurs in the output. Linear in the output size: secrets are indexed
 * by their first MIN_SECRET_LENGTH characters and each output position is looked up once.
 */
export function findLeaks(secrets: readonly AuditSecret[], outputs: readonly AuditOutput[]): Leak[] {
  const byPrefix = new Map<string, AuditSecret[]>();
  for (const s of secrets) {
    if (s.value.length < MIN_SECRET_LENGTH) continue;
    const prefix = s.value.slice(0, MIN_SECRET_LENGTH);
    const list = byPrefix.get(prefix);
    if (list) list.push(s);
    else byPrefix.set(prefix, [s]);
  }
  const leaks: Leak[] = [];
  const seen = new Set<string>();
  for (const output of outputs) {
    const { text } = output;
    for (let i = 0; i + MIN_SECRET_LENGTH <= text.length; i++) {
      const candidates = byPrefix.get(text.slice(i, i + MIN_SECRET_LENGTH));
      if (!candidates) continue;
      for (const s of candidates) {
        if (!text.startsWith(s.value, i)) continue;
        const key = `${s.label}\u0000${output.where}\u0000${output.kind}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const around = text.slice(Math.max(0, i - 80), i + s.value.length + 80);
        leaks.push({ ...output, label: s.label, excerpt: around.split(s.value).join(`«${s.label}»`) });
      }
    }
  }
  return leaks;
}

/** Describe leaks for a failure message (labels and excerpts, never the secret values). */
export function describeLeaks(leaks: readonly Leak[]): string {
  return leaks.map((l) => `- ${l.label} in ${l.kind} output of ${l.where}:\n    ${l.excerpt}`).join('\n');
}

function append(file: 'secrets' | 'outputs', record: object): void {
  const base = dir();
  if (!base) return;
  appendFileSync(join(base, `${file}.${process.pid}.jsonl`), `${JSON.stringify(record)}\n`);
}

/** Register a private JWK's secret members (d, p, q, dp, dq, qi; k for oct). */
export function registerPrivateJwk(jwk: Readonly<Record<string, unknown>>, label: string): void {
  for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
    const value = jwk[member];
    if (typeof value === 'string') registerSecret(value, `${label} (${member})`);
  }
}
