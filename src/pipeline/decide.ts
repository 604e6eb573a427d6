// createDecide: the pipeline, top to bottom — match → extract → verify → revoke → authorize → route.
import type { Config } from '../config/types.js';
import { KeywayError, toKeywayError } from '../errors.js';
import { extractToken } from '../extract/extract-token.js';
import type { CompiledPolicy, PolicySelector } from '../policy/compile-policies.js';
import { clientIpKey, subjectKey } from '../policy/subject-key.js';
import type { ForwardedRequest } from '../request/request.js';
import type { Decision, RevocationCheck, UpstreamSelector } from '../respond/decision.js';
import { emittedHeaders } from '../respond/emitted-headers.js';
import { toHeaderValue } from '../respond/header-value.js';
import type { TokenVerifier, VerifiedToken } from '../verify/verify-token.js';

export interface PipelineParts {
  readonly config: Config;
  /** The revocation fail mode of a policy without its own (revocation.fail of the process's revocation store). */
  readonly revocationFail: 'closed' | 'open';
  readonly selectPolicy: PolicySelector;
  readonly verify: TokenVerifier;
  readonly revocation: RevocationCheck | undefined;
  readonly router: UpstreamSelector | undefined;
}

/**
 * `dryRun` (POST /admin/explain) decides without taking a rate-limit token. The decision comes at once when nothing
 * had to wait (a verified-cache hit, a deny before verification, keys held now), else as a promise that never rejects.
 */
export type Decide = (
  req: ForwardedRequest,
  policyName: string | undefined,
  options?: { readonly dryRun?: boolean },
) => Decision | Promise<Decision>;

/** Build the decision function. It never throws or rejects: every failure becomes a deny with a reason. */
export function createDecide(parts: PipelineParts): Decide {
  const { selectPolicy, verify, revocation, router } = parts;
  const allHeaders = emittedHeaders(parts.config);
  const defaultFail = parts.revocationFail;

  /** What an allow sends that depends only on the policy and the token's claims (not on the request or health). */
  interface Derived {
    readonly policy: CompiledPolicy;
    readonly headers: Readonly<Record<string, string>>;
    readonly wire: readonly string[];
    readonly keys: { readonly instance: string | undefined; readonly version: string | undefined };
    readonly subject: string | undefined;
  }

  function derive(policy: CompiledPolicy, token: VerifiedToken | undefined): Derived {
    const claims = token?.claims ?? {};
    const headers: Record<string, string> = {};
    for (const name of allHeaders) headers[name] = '';
    const cap = policy.config.max_header_value_bytes;
    const subject = typeof claims['sub'] === 'string' ? claims['sub'] : undefined;
    if (token) {
      headers['X-Auth-Subject'] = toHeaderValue(subject, cap);
      headers['X-Auth-Issuer'] = toHeaderValue(claims['iss'] ?? token.issuer.issuer, cap);
      headers['X-Auth-Token-Id'] = toHeaderValue(claims['jti'], cap);
      for (const [header, read] of policy.headerMappings) headers[header] = toHeaderValue(read(claims), cap);
    }
    const keys = {
      instance: token && policy.instanceKey(claims),
      version: token && policy.versionKey(claims),
    };
    headers['X-Route-Instance-Key'] = keys.instance ?? '';
    headers['X-Route-Version-Key'] = keys.version ?? '';
    return { policy, headers: Object.freeze(headers), wire: wireHeaders(headers), keys, subject };
  }

  // A verified-cache hit hands back the same token (its cache entry) every time: what it derives under a policy is
  // kept in its memo slot (the last policy per token), so a hit computes no header value again.
  const anonymous = new Map<CompiledPolicy, Derived>();
  const derived = (policy: CompiledPolicy, token: VerifiedToken | undefined): Derived => {
    const known = token ? (token.memo as Derived | undefined) : anonymous.get(policy);
    if (known !== undefined && known.policy === policy) return known;
    const fresh = derive(policy, token);
    if (token) token.memo = fresh;
    else anonymous.set(policy, fresh);
    return fresh;
  };

  function allow(
    policy: CompiledPolicy,
    req: ForwardedRequest,
    token: VerifiedToken | undefined,
    stale: boolean,
    dryRun: boolean,
  ): Decision {
    const parts = derived(policy, token);
    let headers = parts.headers;
    let wire = parts.wire;
    if (router?.enabled) {
      const choice = router.select(
        parts.keys,
        subjectKey(token, req.clientIp),
        policy.config.routing.on_no_upstream,
        !dryRun,
      );
      headers = { ...headers, 'X-Route-Upstream': choice.upstream, 'X-Route-Match': choice.match };
      wire = wireHeaders(headers);
    }
    return {
      kind: 'allow',
      policy: policy.name,
      headers,
      wire,
      subject: parts.subject,
      issuer: token?.issuer.name,
      revocationStale: stale,
    };
  }

  /** Audience → revocation → authorization → rate limit → allow, on a verified token. Never throws. */
  function afterVerify(
    policy: CompiledPolicy,
    token: VerifiedToken,
    req: ForwardedRequest,
    dryRun: boolean,
  ): Decision {
    let subject: string | undefined;
    try {
      policy.checkAudience(token);
      subject = typeof token.claims['sub'] === 'string' ? token.claims['sub'] : undefined;
      const freshness = revocation
        ? revocation.check(token.claims as RevocationClaims, policy.config.revocation_fail ?? defaultFail)
        : 'ok';
      policy.authorize(token.claims);
      if (!dryRun) limit(policy, token, req);
      return allow(policy, req, token, freshness === 'stale_allowed', dryRun);
    } catch (err) {
      return deny(policy, toKeywayError(err), subject);
    }
  }

  return function decide(req, policyName, options) {
    const dryRun = options?.dryRun === true;
    let policy: CompiledPolicy | undefined;
    try {
      policy = selectPolicy(req, policyName);
      const found = extractToken(req, policy.sources);
      if (!found) {
        if (!policy.config.anonymous) return deny(policy, MISSING_TOKEN, undefined);
        if (!dryRun) limit(policy, undefined, req);
        return allow(policy, req, undefined, false, dryRun);
      }
      const token = verify(found.token, policy.issuerNames);
      // A cache hit (or keys held now) answers without a promise: the whole decision is then synchronous.
      if (!(token instanceof Promise)) return afterVerify(policy, token, req, dryRun);
      const matched = policy;
      return token.then(
        (verified) => afterVerify(matched, verified, req, dryRun),
        (err: unknown) => deny(matched, toKeywayError(err), undefined),
      );
    } catch (err) {
      return deny(policy, toKeywayError(err), undefined);
    }
  };
}

/** Lower-cased header names: every name an allow can carry comes from config, so each is lowered once. */
const lowered = new Map<string, string>();
const lower = (name: string) => {
  let found = lowered.get(name);
  if (found === undefined) {
    found = name.toLowerCase();
    if (lowered.size < 4_096) lowered.set(name, found);
  }
  return found;
};

/** Headers as [name, value, …] with lower-cased names, each once: a later spelling of a name replaces an earlier one. */
function wireHeaders(headers: Readonly<Record<string, string>>): readonly string[] {
  const out: string[] = [];
  for (const name in headers) {
    const key = lower(name);
    // Two spellings of one name are rare (two policies writing it differently): a scan, no index, for the rest.
    let at = -1;
    for (let i = 0; i < out.length; i += 2) {
      if (out[i] === key) {
        at = i;
        break;
      }
    }
    if (at === -1) out.push(key, headers[name]!);
    else out[at + 1] = headers[name]!;
  }
  return out;
}

/** The most common deny, one frozen instance: building an Error per request cost more than the rest of the deny. */
const MISSING_TOKEN = Object.freeze(new KeywayError('missing_token'));

function deny(policy: CompiledPolicy | undefined, error: KeywayError, subject: string | undefined): Decision {
  return { kind: 'deny', policy: policy?.name, error, subject, scopes: policy?.config.scopes ?? [] };
}

type RevocationClaims = { jti?: string; sub?: string; iat?: number; iss?: string };

/** Buckets are per issuer + subject (else per client IP): equal `sub`s of two issuers are two users. */
function limit(policy: CompiledPolicy, token: VerifiedToken | undefined, req: ForwardedRequest): void {
  if (!policy.rateLimit) return;
  const by = policy.rateLimit.by;
  policy.rateLimit.take(by === 'subject' ? subjectKey(token, req.clientIp) : clientIpKey(req.clientIp));
}
