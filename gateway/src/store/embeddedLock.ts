// Who owns the embedded database of a DATA_DIR: a lock file naming the owning process.
// PGlite itself has no lock, and two processes writing one data directory would corrupt it.
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

export interface LockHolder {
  pid: number;
  /** Process start time (epoch ms): tells this process from an earlier one that had the same pid (containers restart as pid 1). */
  startedAt: number;
}

const SELF: LockHolder = Object.freeze({ pid: process.pid, startedAt: Math.round(performance.timeOrigin) });

/** Take the lock unless a live process holds it; a lock left by a dead process is taken over. */
export function tryAcquireLock(path: string): boolean {
  if (createLock(path)) return true;
  const holder = readHolder(path);
  if (holder && isAlive(holder)) return false;
  // Stale. Claim it by renaming: of several processes seeing the same stale lock, one rename wins.
  const claimed = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, claimed);
  } catch (err) {
    if (code(err) === 'ENOENT') return createLock(path);
    throw err;
  }
  const claimedHolder = readHolder(claimed);
  if (claimedHolder && isAlive(claimedHolder)) {
    // A live process took the lock between our read and our rename: give it back.
    try {
      linkSync(claimed, path);
    } catch {
      // someone else holds the path now; that process is the owner
    }
    rmSync(claimed, { force: true });
    return false;
  }
  rmSync(claimed, { force: true });
  return createLock(path);
}

/** Remove the lock if this process holds it. */
export function releaseLock(path: string): void {
  const holder = readHolder(path);
  if (holder && holder.pid === SELF.pid && holder.startedAt === SELF.startedAt) rmSync(path, { force: true });
}

export function readHolder(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^(\d+) (\d+)\s*$/.exec(text);
  return m ? { pid: Number(m[1]), startedAt: Number(m[2]) } : undefined;
}

export function isAlive(holder: LockHolder): boolean {
  if (holder.pid === SELF.pid) return holder.startedAt === SELF.startedAt;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return code(err) === 'EPERM'; // exists, owned by another user
  }
}

// Write the content under a temporary name, then link it into place: the lock is never seen half-written.
function createLock(path: string): boolean {
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${SELF.pid} ${SELF.startedAt}\n`);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if (code(err) === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
