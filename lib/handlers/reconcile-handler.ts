import type { Logger } from '@aws-lambda-powertools/logger';
import type { MessageCatalog } from '../ports/pipeline.ts';
import type { ArchivePresence } from '../use-cases/backfill/archive-presence.ts';
import { type ReconcileDeps, type ReconcileOptions, reconcile } from '../use-cases/reconcile.ts';

/** TWILIO_SUBACCOUNTS: the subaccounts reconciled after the main account, each at its paths. */
export interface ReconcileAccounts {
  subaccounts(): Promise<string[]>;
  catalogFor(accountSid: string): MessageCatalog;
  presenceFor(accountSid: string): ArchivePresence;
}

export interface ReconcileHandlerDeps extends ReconcileDeps {
  settings: Omit<ReconcileOptions, 'now' | 'signal' | 'onProgress'>;
  accounts?: ReconcileAccounts;
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
    const now = deps.now?.() ?? new Date();
    const runs: Array<{ accountSid: string; deps: ReconcileDeps }> = [
      { accountSid: deps.settings.accountSid, deps },
    ];
    for (const accountSid of (await deps.accounts?.subaccounts()) ?? []) {
      const accounts = deps.accounts as ReconcileAccounts;
      runs.push({
        accountSid,
        deps: {
          ...deps,
          catalog: accounts.catalogFor(accountSid),
          presence: accounts.presenceFor(accountSid),
        },
      });
    }
    const totals: Record<string, number> = {};
    let complete = true;
    for (const run of runs) {
      const result = await reconcile(run.deps, {
        ...deps.settings,
        accountSid: run.accountSid,
        now,
        ...(signal ? { signal } : {}),
      });
      for (const [name, value] of Object.entries(result.counts)) {
        if (typeof value === 'number') totals[name] = (totals[name] ?? 0) + value;
      }
      const fields = {
        ...result.counts,
        ...(runs.length > 1 ? { accountSid: run.accountSid } : {}),
      };
      if (result.complete) deps.logger.info('reconcile finished', fields);
      else {
        deps.logger.warn('reconcile stopped before the deadline', fields);
        complete = false;
        break;
      }
    }
    return { complete, ...totals, ...(runs.length > 1 ? { accounts: runs.length } : {}) };
  };
