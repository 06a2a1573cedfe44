import { describe, expect, it } from 'vitest';
import { readReconcileConfig } from '../../../lib/config/lambda.ts';
import { createReconcileHandler } from '../../../lib/handlers/reconcile-handler.ts';
import type { ReconcileRunStatus } from '../../../lib/ports/pipeline.ts';
import { reconcile, reconcileWindow } from '../../../lib/use-cases/reconcile.ts';
import { FakeJobQueue } from '../../helpers/fake-job-queue.ts';
import { ACCOUNT, FakeCatalog, mediaFor, message, sid } from './backfill/fakes.ts';

describe('reconcileWindow', () => {
  it('covers today and the N UTC days before it', () => {
    // Act / Assess
    expect(reconcileWindow(new Date('2025-03-01T00:30:00Z'), 2)).toEqual({
      since: '2025-02-27',
      until: '2025-03-01',
    });
  });
});

describe('createReconcileHandler', () => {
  it('enqueues missing media of the window as reconcile jobs and leaves recent ones alone', async () => {
    // Prepare
    const now = new Date('2025-01-12T12:00:00.000Z');
    const messages = {
      '2025-01-10': [message(1, { dateCreated: '2025-01-10T10:00:00.000Z' })],
      '2025-01-12': [
        message(2, { dateCreated: '2025-01-12T11:00:00.000Z' }),
        message(3, { dateCreated: '2025-01-12T11:55:00.000Z' }),
      ],
    };
    const catalog = new FakeCatalog(messages, mediaFor(Object.values(messages).flat()));
    const queue = new FakeJobQueue();
    const logged: unknown[] = [];
    const handler = createReconcileHandler({
      catalog,
      presence: {
        archivedMediaOf: async (m) => new Set(m.sid === sid('MM', 1) ? [sid('ME', 100)] : []),
      },
      queue,
      settings: { accountSid: ACCOUNT, lookbackDays: 2, minAgeMinutes: 15, direction: 'inbound' },
      logger: { info: (...args: unknown[]) => logged.push(args), warn: () => undefined },
      now: () => now,
    });

    // Act
    const result = await handler({});

    // Assess
    expect(queue.jobs.map((job) => [job.mediaSid, job.source])).toEqual([
      [sid('ME', 200), 'reconcile'],
    ]);
    expect(result).toMatchObject({
      complete: true,
      enqueued: 1,
      alreadyArchived: 1,
      skippedRecent: 1,
    });
    expect(catalog.messageCalls).toEqual(['2025-01-10', '2025-01-11', '2025-01-12', 'unsent']);
    expect(logged).toHaveLength(1);
  });
});

describe('createReconcileHandler with subaccounts', () => {
  it('reconciles the main account, then each subaccount at its own catalog, and sums the counts', async () => {
    // Prepare
    const now = new Date('2025-01-12T12:00:00.000Z');
    const sub = `AC${'b'.repeat(32)}`;
    const mainMessages = {
      '2025-01-11': [message(1, { dateCreated: '2025-01-11T10:00:00.000Z' })],
    };
    const subMessages = {
      '2025-01-11': [
        message(2, { dateCreated: '2025-01-11T10:00:00.000Z' }),
        message(3, { dateCreated: '2025-01-11T11:00:00.000Z' }),
      ],
    };
    const subCatalog = new FakeCatalog(subMessages, mediaFor(Object.values(subMessages).flat()));
    const queue = new FakeJobQueue();
    const logged: unknown[][] = [];
    const handler = createReconcileHandler({
      catalog: new FakeCatalog(mainMessages, mediaFor(Object.values(mainMessages).flat())),
      presence: { archivedMediaOf: async () => new Set<string>() },
      queue,
      settings: { accountSid: ACCOUNT, lookbackDays: 2, minAgeMinutes: 15, direction: 'inbound' },
      accounts: {
        subaccounts: async () => [sub],
        catalogFor: (accountSid) => {
          expect(accountSid).toBe(sub);
          return subCatalog;
        },
        presenceFor: () => ({ archivedMediaOf: async () => new Set<string>() }),
      },
      logger: { info: (...args: unknown[]) => logged.push(args), warn: () => undefined },
      now: () => now,
    });

    // Act
    const result = await handler({});

    // Assess
    expect(queue.jobs.map((job) => job.accountSid)).toEqual([ACCOUNT, sub, sub]);
    // Each job carries its own message for the record, read from its own account's lists.
    expect(
      queue.jobs.map((job) => [job.accountSid, job.message?.direction, job.message?.media]),
    ).toEqual([
      [ACCOUNT, 'inbound', [{ sid: sid('ME', 100), contentType: 'image/jpeg' }]],
      [sub, 'inbound', [{ sid: sid('ME', 200), contentType: 'image/jpeg' }]],
      [sub, 'inbound', [{ sid: sid('ME', 300), contentType: 'image/jpeg' }]],
    ]);
    expect(result).toMatchObject({ complete: true, enqueued: 3, accounts: 2 });
    expect(logged.map((line) => (line[1] as { accountSid?: string }).accountSid)).toEqual([
      ACCOUNT,
      sub,
    ]);
  });
});

describe('reconcile status', () => {
  const run = (status: { record(s: ReconcileRunStatus): Promise<void> } | undefined) => {
    const messages = { '2025-01-11': [message(1, { dateCreated: '2025-01-11T10:00:00.000Z' })] };
    return reconcile(
      {
        catalog: new FakeCatalog(messages, mediaFor(Object.values(messages).flat())),
        presence: { archivedMediaOf: async () => new Set<string>() },
        queue: new FakeJobQueue(),
        ...(status ? { status } : {}),
      },
      {
        accountSid: ACCOUNT,
        lookbackDays: 1,
        minAgeMinutes: 15,
        direction: 'inbound',
        now: new Date('2025-01-12T12:00:00.000Z'),
      },
    );
  };

  it('records the window, the counts and whether the run completed', async () => {
    // Prepare
    const recorded: ReconcileRunStatus[] = [];

    // Act
    await run({ record: async (s) => void recorded.push(s) });

    // Assess
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      complete: true,
      since: '2025-01-11',
      until: '2025-01-12',
      direction: 'inbound',
      counts: { enqueued: 1, alreadyArchived: 0 },
    });
    expect(Date.parse(recorded[0]?.finishedAt ?? '')).not.toBeNaN();
  });

  it('fails the run when the status cannot be recorded', async () => {
    // Act / Assess
    await expect(
      run({
        record: async () => {
          throw new Error('AccessDenied');
        },
      }),
    ).rejects.toThrow('AccessDenied');
  });
});

describe('readReconcileConfig', () => {
  const env = {
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: 'token',
    ARCHIVE_BUCKET: 'bucket',
    MEDIA_QUEUE_URL: 'https://sqs.example/1/media',
  };

  it('defaults to 2 days, 15 minutes of grace, inbound', () => {
    // Act
    const config = readReconcileConfig(env);

    // Assess
    expect(config).toMatchObject({ lookbackDays: 2, minAgeMinutes: 15, direction: 'inbound' });
    expect(config.mediaQueueUrl).toBe(env.MEDIA_QUEUE_URL);
  });

  it('rejects a bad look-back and a missing queue', () => {
    // Act / Assess
    expect(() => readReconcileConfig({ ...env, RECONCILE_LOOKBACK_DAYS: '0' })).toThrow(
      'RECONCILE_LOOKBACK_DAYS',
    );
    expect(() => readReconcileConfig({ ...env, MEDIA_QUEUE_URL: '' })).toThrow('MEDIA_QUEUE_URL');
  });
});
