/**
 * Child processes a benchmark started (Node-RED hosts, consumers, the broker), killed by pid if the
 * bench exits early (error, Ctrl-C), so no run leaves a process behind.
 */
const pids = new Set<number>();

export function track(pid: number | undefined): () => void {
  if (pid === undefined) return () => undefined;
  pids.add(pid);
  return () => pids.delete(pid);
}

function killAll(): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  pids.clear();
}

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });
}
