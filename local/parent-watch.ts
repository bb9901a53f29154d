/**
 * Runs `onExit` once this process's parent has ended, however it ended (even SIGKILL): the
 * process is then re-parented, so its parent pid changes. Node has no parent-death signal
 * (Linux `PR_SET_PDEATHSIG`), so it looks twice a second; the timer keeps no process alive.
 */
export function onParentExit(onExit: () => void, intervalMs = 500): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onExit();
  }, intervalMs);
  timer.unref();
}
