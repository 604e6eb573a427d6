// The local snapshot file of the mirror (revocation.snapshot_file): read at start, rewritten atomically after changes.
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, type ConfigProblem } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Mirror } from './mirror.js';
import {
  encodeSnapshot,
  type ParsedSnapshot,
  parseSnapshot,
  type SnapshotMeta,
  type SnapshotOwner,
  SnapshotRefused,
} from './snapshot-format.js';
import type { Retention } from './types.js';

/** A file larger than this is refused unread (a mirror of 1,000,000 entries is about 60 MB). */
export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

/** What the keeper needs: the file, the mirror, and how to describe the mirror's state at write time. */
export interface SnapshotKeeperOptions {
  readonly path: string;
  readonly intervalMs: number;
  readonly owner: SnapshotOwner;
  readonly mirror: Mirror;
  readonly retention: Retention;
  /** The meta to write now, or undefined when the mirror holds nothing trustworthy (never loaded): then nothing is
   *  written, so an empty mirror never replaces a good file. */
  readonly describe: () => Omit<SnapshotMeta, 'writtenAt'> | undefined;
  readonly clock: Clock;
  readonly log: Logger;
}

/** Reads the snapshot once at start and keeps it current. */
export interface SnapshotKeeper {
  /** The snapshot on disk, or undefined when missing or refused (logged; never throws). */
  restore(): Promise<ParsedSnapshot | undefined>;
  /** Rewrite the file every intervalMs while the mirror changed. */
  start(): void;
  /** Write now when the mirror changed since the last write (resolves when written or failed, never throws). */
  flush(): Promise<void>;
  /** Stop the timer and write a last time. */
  close(): Promise<void>;
}

/** The problem of a snapshot file whose directory does not exist or is not writable, if any. */
export function snapshotDirProblem(path: string): ConfigProblem | undefined {
  try {
    accessSync(dirname(path), constants.W_OK);
    return undefined;
  } catch (err) {
    return {
      path: 'revocation.snapshot_file',
      code: 'unwritable_path',
      message: `cannot write in ${dirname(path)} (${(err as NodeJS.ErrnoException).code ?? 'error'}); create the directory writable by keyway, or remove snapshot_file`,
    };
  }
}

/** Throws ConfigError (naming `source` and the key) unless the file's directory exists and is writable; checked once at boot. */
export function assertSnapshotDir(path: string, source: string): void {
  const problem = snapshotDirProblem(path);
  if (problem) throw new ConfigError(source, [problem]);
}

/** Write `text` to `path` atomically: a temp file beside it (mode 0600), fsync, then rename over the old one. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(text, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}

/** Create the keeper for `o.path`. */
export function createSnapshotKeeper(o: SnapshotKeeperOptions): SnapshotKeeper {
  const { log } = o;
  let written = Number.NaN;
  let writing: Promise<void> | undefined;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;

  const write = async (): Promise<void> => {
    const meta = o.describe();
    const changes = o.mirror.changes();
    if (meta === undefined || changes === written) return;
    const now = o.clock();
    // Encoded in one synchronous step: the entries and their history are of the same moment.
    const text = encodeSnapshot(
      o.owner,
      { ...meta, writtenAt: now },
      o.mirror.entries(),
      o.retention,
      Math.floor(now / 1000),
    );
    try {
      await writeFileAtomic(o.path, text);
      written = changes;
      if (failing) log.info({ path: o.path }, 'revocation: snapshot file written again');
      failing = false;
    } catch (err) {
      if (!failing)
        log.error(
          { path: o.path, err: (err as Error).message },
          'revocation: cannot write the snapshot file',
        );
      failing = true;
    }
  };
  const flush = async () => {
    while (writing) await writing;
    writing = write().finally(() => {
      writing = undefined;
    });
    await writing;
  };

  return {
    async restore() {
      const at = Math.floor(o.clock() / 1000);
      try {
        const size = (await stat(o.path)).size;
        if (size > MAX_SNAPSHOT_BYTES)
          throw new SnapshotRefused(`${size} bytes, more than ${MAX_SNAPSHOT_BYTES}`);
        const snapshot = parseSnapshot(await readFile(o.path, 'utf8'), o.owner, o.retention, at);
        const entries =
          snapshot.entries.jtis.size + snapshot.entries.subjects.size + snapshot.entries.issuerSubjects.size;
        log.info(
          { path: o.path, entries, writtenAt: new Date(snapshot.writtenAt).toISOString() },
          'revocation: mirror restored from the snapshot file (unconfirmed until the first load from the store)',
        );
        return snapshot;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          log.info({ path: o.path }, 'revocation: no snapshot file yet; it is written after the first load');
          return undefined;
        }
        const why = err instanceof SnapshotRefused ? err.message : (err as Error).message;
        // Kept aside for inspection rather than overwritten by the next write.
        const aside = `${o.path}.refused`;
        const moved = await rename(o.path, aside).then(
          () => aside,
          () => undefined,
        );
        log.error(
          { path: o.path, why, movedTo: moved },
          'revocation: snapshot file refused; starting without it (tokens answer 503 revocation_unavailable until the first load)',
        );
        return undefined;
      }
    },
    start() {
      timer = setInterval(() => void flush(), o.intervalMs);
      timer.unref();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
