// The in-memory mirror the request path reads: jti → exp, sub → before, [iss, sub] → before, with lazy expiry. No I/O.
import { issuerSubjectKey } from './keys.js';
import { jtiExpiresAt, type Retention, subjectExpiresAt } from './types.js';

/** The claims the check reads; anything not of the expected type is treated as absent. */
export interface RevocationClaims {
  readonly jti?: unknown;
  readonly sub?: unknown;
  readonly iat?: unknown;
  readonly iss?: unknown;
}

/** The three maps of a mirror, as loaded from Redis or a snapshot file. */
export interface MirrorEntries {
  readonly jtis: ReadonlyMap<string, number>;
  readonly subjects: ReadonlyMap<string, number>;
  /** Keyed by issuerSubjectKey(iss, sub). */
  readonly issuerSubjects: ReadonlyMap<string, number>;
}

/** The in-memory view of every live revocation. */
export interface Mirror {
  /** True when the jti is revoked, or the subject (of every issuer, or of the token's `iss`) was revoked at or after the
   *  token's iat (a missing iat counts as old). */
  isRevoked(claims: RevocationClaims, nowSec: number): boolean;
  /** Record a jti revocation (the later exp wins). */
  setJti(jti: string, exp: number): void;
  /** Record a subject revocation of every issuer (the later `before` wins). */
  setSubject(sub: string, before: number): void;
  /** Record a subject revocation of one issuer, by its issuerSubjectKey (the later `before` wins). */
  setIssuerSubject(key: string, before: number): void;
  removeJti(jti: string): void;
  /** Swap in a full set of entries in one step. */
  replace(entries: MirrorEntries): void;
  /** Drop entries past their retention. */
  prune(nowSec: number): void;
  jtis(): ReadonlyMap<string, number>;
  subjects(): ReadonlyMap<string, number>;
  issuerSubjects(): ReadonlyMap<string, number>;
  /** The three maps as they are now (live views, not copies). */
  entries(): MirrorEntries;
  size(): number;
  /** A counter that moves on every change of the entries (a snapshot writer compares it with the last one written). */
  changes(): number;
}

/** Keep the later of the two values under `key`; true when the map changed. */
function raise(map: Map<string, number>, key: string, value: number): boolean {
  const current = map.get(key);
  if (current !== undefined && current >= value) return false;
  map.set(key, value);
  return true;
}

/** Create an empty mirror applying `retention`. */
export function createMirror(retention: Retention): Mirror {
  let jtis = new Map<string, number>();
  let subjects = new Map<string, number>();
  let issuerSubjects = new Map<string, number>();
  let changes = 0;
  // A subject entry denies tokens issued at or before `before`, until its retention ends (then it is dropped).
  const subjectDenies = (map: Map<string, number>, key: string, iat: unknown, nowSec: number) => {
    const before = map.get(key);
    if (before === undefined) return false;
    if (subjectExpiresAt(before, retention) < nowSec) {
      map.delete(key);
      changes++;
      return false;
    }
    return typeof iat !== 'number' || iat <= before;
  };

  return {
    isRevoked(claims, nowSec) {
      const { jti, sub, iat, iss } = claims;
      if (typeof jti === 'string') {
        const exp = jtis.get(jti);
        if (exp !== undefined) {
          if (jtiExpiresAt(exp, retention) >= nowSec) return true;
          jtis.delete(jti);
          changes++;
        }
      }
      if (typeof sub !== 'string') return false;
      if (subjectDenies(subjects, sub, iat, nowSec)) return true;
      // Only build the key when some issuer-scoped entry exists: the common case allocates nothing.
      return (
        issuerSubjects.size > 0 &&
        typeof iss === 'string' &&
        subjectDenies(issuerSubjects, issuerSubjectKey(iss, sub), iat, nowSec)
      );
    },
    setJti(jti, exp) {
      if (raise(jtis, jti, exp)) changes++;
    },
    setSubject(sub, before) {
      if (raise(subjects, sub, before)) changes++;
    },
    setIssuerSubject(key, before) {
      if (raise(issuerSubjects, key, before)) changes++;
    },
    removeJti(jti) {
      if (jtis.delete(jti)) changes++;
    },
    replace(entries) {
      jtis = new Map(entries.jtis);
      subjects = new Map(entries.subjects);
      issuerSubjects = new Map(entries.issuerSubjects);
      changes++;
    },
    prune(nowSec) {
      const before = jtis.size + subjects.size + issuerSubjects.size;
      for (const [jti, exp] of jtis) if (jtiExpiresAt(exp, retention) < nowSec) jtis.delete(jti);
      for (const map of [subjects, issuerSubjects])
        for (const [key, at] of map) if (subjectExpiresAt(at, retention) < nowSec) map.delete(key);
      if (jtis.size + subjects.size + issuerSubjects.size !== before) changes++;
    },
    jtis: () => jtis,
    subjects: () => subjects,
    issuerSubjects: () => issuerSubjects,
    entries: () => ({ jtis, subjects, issuerSubjects }),
    size: () => jtis.size + subjects.size + issuerSubjects.size,
    changes: () => changes,
  };
}
