/**
 * Whether a process with this pid may still be running on this machine. Signal 0 probes without
 * signalling; EPERM means the process exists but belongs to another user, so it counts as alive.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
