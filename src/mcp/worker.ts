import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Entry point of an MCP pool worker thread. Heavy work runs at background priority so that, when every
 * core is busy, the scheduler still gives the event loop the CPU at once and pings stay fast. On Linux
 * a thread has its own nice value, set through its thread id (/proc/thread-self); threads this worker
 * starts (optimiser trials) inherit it. It is lowered here, before any module is loaded, so even a
 * worker's start-up (after a replacement) does not compete with the event loop. Elsewhere this is
 * skipped and only the operating system's fairness applies.
 */
export const WORKER_NICE = 10;

function lowerThreadPriority(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, WORKER_NICE);
  } catch {
    // No /proc (macOS, Windows) or not permitted: run at normal priority.
  }
}

lowerThreadPriority();
await import('./worker-jobs.js');
