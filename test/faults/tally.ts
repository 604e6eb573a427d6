// Counting a load's answers: wrongly allowed, wrongly denied (outside a documented window), connection errors.
import { RESET_ERRORS, type Sample } from './load.js';

/** A documented window in which a valid token may be denied, with the only reason it may be denied for. */
export interface Window {
  readonly from: number;
  readonly to: number;
  readonly reason: string;
  /** Only this target (default every target). */
  readonly target?: string;
}

export interface Tally {
  readonly sent: number;
  /** Answers 200 for a token that must be refused (revoked, forged, …). */
  readonly wronglyAllowed: readonly Sample[];
  /** Non-200 answers (or no answer) for a valid token outside every window. */
  readonly wronglyDenied: readonly Sample[];
  /** Valid tokens denied inside a documented window (the cost of the fault). */
  readonly deniedInWindow: readonly Sample[];
  /** Requests that lost their connection (reset, broken pipe, hang up). */
  readonly resets: readonly Sample[];
  /** Requests without any answer: refused connects, client timeouts. */
  readonly unanswered: readonly Sample[];
}

const inWindow = (s: Sample, windows: readonly Window[]) =>
  windows.some(
    (w) =>
      s.at >= w.from &&
      s.at <= w.to &&
      s.reason === w.reason &&
      (w.target === undefined || w.target === s.target),
  );

/** Tally `samples`: `refused` kinds must never get 200, `allowed` kinds must always get 200 outside `windows`. */
export function tally(
  samples: readonly Sample[],
  kinds: { readonly allowed: readonly string[]; readonly refused: readonly string[] },
  windows: readonly Window[] = [],
): Tally {
  const answered = samples.filter((s) => s.status !== 0);
  const valid = answered.filter((s) => kinds.allowed.includes(s.kind) && s.status !== 200);
  return {
    sent: samples.length,
    wronglyAllowed: answered.filter((s) => kinds.refused.includes(s.kind) && s.status === 200),
    wronglyDenied: valid.filter((s) => !inWindow(s, windows)),
    deniedInWindow: valid.filter((s) => inWindow(s, windows)),
    resets: samples.filter((s) => RESET_ERRORS.has(s.error)),
    unanswered: samples.filter((s) => s.status === 0 && !RESET_ERRORS.has(s.error)),
  };
}

/** A one-line summary for the test output (the README's fault costs are read from these lines). */
export function describe(name: string, t: Tally, extra: Record<string, unknown> = {}): string {
  const reasons = (list: readonly Sample[]) => {
    const counts = new Map<string, number>();
    for (const s of list) {
      const key = `${s.target}:${s.kind}:${s.status || s.error}:${s.reason}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return Object.fromEntries(counts);
  };
  return `[fault] ${name}: ${JSON.stringify({
    sent: t.sent,
    wrongly_allowed: t.wronglyAllowed.length,
    wrongly_denied: t.wronglyDenied.length,
    denied_in_window: t.deniedInWindow.length,
    resets: t.resets.length,
    unanswered: t.unanswered.length,
    wrong: reasons([...t.wronglyAllowed, ...t.wronglyDenied, ...t.resets]),
    ...extra,
  })}`;
}

/** First and last `at` of a list (undefined when empty). */
export function span(list: readonly Sample[]): { first: number; last: number } | undefined {
  if (list.length === 0) return undefined;
  return { first: Math.min(...list.map((s) => s.at)), last: Math.max(...list.map((s) => s.at)) };
}
