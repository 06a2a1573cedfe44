import type { Logger } from '@aws-lambda-powertools/logger';
import { type ReconcileDeps, type ReconcileOptions, reconcile } from '../use-cases/reconcile.ts';

export interface ReconcileHandlerDeps extends ReconcileDeps {
  settings: Omit<ReconcileOptions, 'now' | 'signal' | 'onProgress'>;
  logger: Pick<Logger, 'info' | 'warn'>;
  now?: () => Date;
}

/** Stop this long before Lambda's deadline: the page in hand is finished, the rest waits a day. */
const DEADLINE_MARGIN_MS = 30_000;

/** The scheduled Lambda: one reconcile run, its counts logged; a throw fails the invocation. */
export const createReconcileHandler =
  (deps: ReconcileHandlerDeps) =>
  async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => {
    const remaining = context?.getRemainingTimeInMillis?.();
    const signal =
      remaining && remaining > DEADLINE_MARGIN_MS
        ? AbortSignal.timeout(remaining - DEADLINE_MARGIN_MS)
        : undefined;
    const result = await reconcile(deps, {
      ...deps.settings,
      now: deps.now?.() ?? new Date(),
      ...(signal ? { signal } : {}),
    });
    if (result.complete) deps.logger.info('reconcile finished', { ...result.counts });
    else deps.logger.warn('reconcile stopped before the deadline', { ...result.counts });
    return { complete: result.complete, ...result.counts };
  };
