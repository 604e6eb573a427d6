// The in-memory mirror the request path reads: jti → exp and sub → before, with lazy expiry. No I/O.
import { jtiExpiresAt, type Retention, subjectExpiresAt } from './types.js';

/** The claims the check reads; anything not of the expected type is treated as absent. */
export interface RevocationClaims {
  readonly jti?: unknown;
  readonly sub?: unknown;
  readonly iat?: unknown;
}

/** The in-memory view of every live revocation. */
export interface Mirror {
  /** True when the jti is revoked, or the subject was revoked at or after the token's iat (a missing iat counts as old). */
  isRevoked(claims: RevocationClaims, nowSec: number): boolean;
  /** Record a jti revocation (the later exp wins). */
  setJti(jti: string, exp: number): void;
  /** Record a subject revocation (the later `before` wins). */
  setSubject(sub: string, before: number): void;
  removeJti(jti: string): void;
  /** Swap in a full snapshot in one step. */
  replace(jtis: ReadonlyMap<string, number>, subjects: ReadonlyMap<string, number>): void;
  /** Drop entries past their retention. */
  prune(nowSec: number): void;
  jtis(): ReadonlyMap<string, number>;
  subjects(): ReadonlyMap<string, number>;
  size(): number;
}

/** Create an empty mirror applying `retention`. */
export function createMirror(retention: Retention): Mirror {
  let jtis = new Map<string, number>();
  let subjects = new Map<string, number>();

  return {
    isRevoked(claims, nowSec) {
      const { jti, sub, iat } = claims;
      if (typeof jti === 'string') {
        const exp = jtis.get(jti);
        if (exp !== undefined) {
          if (jtiExpiresAt(exp, retention) >= nowSec) return true;
          jtis.delete(jti);
        }
      }
      if (typeof sub === 'string') {
        const before = subjects.get(sub);
        if (before !== undefined) {
          if (subjectExpiresAt(before, retention) < nowSec) subjects.delete(sub);
          else if (typeof iat !== 'number' || iat <= before) return true;
        }
      }
      return false;
    },
    setJti(jti, exp) {
      const current = jtis.get(jti);
      if (current === undefined || current < exp) jtis.set(jti, exp);
    },
    setSubject(sub, before) {
      const current = subjects.get(sub);
      if (current === undefined || current < before) subjects.set(sub, before);
    },
    removeJti(jti) {
      jtis.delete(jti);
    },
    replace(nextJtis, nextSubjects) {
      jtis = new Map(nextJtis);
      subjects = new Map(nextSubjects);
    },
    prune(nowSec) {
      for (const [jti, exp] of jtis) if (jtiExpiresAt(exp, retention) < nowSec) jtis.delete(jti);
      for (const [sub, before] of subjects)
        if (subjectExpiresAt(before, retention) < nowSec) subjects.delete(sub);
    },
    jtis: () => jtis,
    subjects: () => subjects,
    size: () => jtis.size + subjects.size,
  };
}
