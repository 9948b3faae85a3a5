import type { HttpEvent, HttpResult } from '../../lambdas/http/request';
import { invokeWithinLimits, type DeployedSurface, type Surface } from './lambda-limits';

interface Container {
  handler: Surface;
  busy: boolean;
}

export interface ContainerPool {
  readonly handle: Surface;
  /** How many handler compositions ran so far (cold starts, including replacements after a timeout). */
  coldStarts(): number;
}

/**
 * `count` separately composed handler instances of one surface, like warm Lambda containers: each has
 * its own module-level state (caches, rate limiters, token lists). Requests rotate over the idle ones
 * (round robin), so consecutive requests of one client land on different containers; a container
 * serves one request at a time, as on Lambda. When all are busy the next in turn takes the request
 * anyway (AWS would start another container; the twin keeps the count fixed). A container whose
 * invocation timed out is replaced by a fresh composition, as Lambda restarts a timed-out runtime.
 */
export function containerPool(compose: () => Surface, count: number, surface: DeployedSurface, options: { timeoutMs?: number } = {}): ContainerPool {
  if (!Number.isInteger(count) || count < 1) throw new Error(`a surface needs at least 1 container, got ${count}`);
  let composed = 0;
  const start = (): Container => {
    composed++;
    return { handler: compose(), busy: false };
  };
  const containers = Array.from({ length: count }, start);
  let next = 0;

  const pick = (): number => {
    for (let offset = 0; offset < count; offset++) {
      const index = (next + offset) % count;
      if (!containers[index]!.busy) {
        next = index + 1;
        return index;
      }
    }
    return next++ % count;
  };

  const handle = async (event: HttpEvent): Promise<HttpResult> => {
    const index = pick();
    const container = containers[index]!;
    container.busy = true;
    try {
      return await invokeWithinLimits(container.handler, event, surface, {
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        onOutcome: (outcome) => {
          if (outcome === 'timeout' && containers[index] === container) containers[index] = start();
        },
      });
    } finally {
      container.busy = false;
    }
  };

  return { handle, coldStarts: () => composed };
}
