import { readFileSync } from 'node:fs';

const NPM = /(^|\/)(npm|npx)(\s|$)|npm-cli\.js|npx-cli\.js|\bnpm exec\b/;

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state, ppid, ...
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * The processes that launched us, up to and including npm when there is one (`npm start` →
 * sh → tsx → node). A SIGTERM sent to npm alone reaches `sh`, which dies without passing it on:
 * watching the chain lets the twin stop (and stop Java) instead of living on as an orphan.
 * Where /proc is missing, only the direct parent is watched.
 */
export function launcherChain(): number[] {
  const chain: number[] = [];
  let pid: number | undefined = process.ppid;
  for (let depth = 0; pid !== undefined && depth < 6; depth++) {
    chain.push(pid);
    if (NPM.test(commandOf(pid))) return chain;
    pid = parentOf(pid);
  }
  return [process.ppid];
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Calls `onGone` once, when any launcher process has exited; returns a function that stops watching. */
export function watchLaunchers(onGone: () => void, intervalMs = 1000): () => void {
  const chain = launcherChain();
  const timer = setInterval(() => {
    if (chain.every(alive) && process.ppid === chain[0]) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
