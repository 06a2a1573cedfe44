import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MediaJob, serializeMediaJob } from '../../../lib/domain/media-job.ts';
import type { LocalStack } from '../../../lib/local/local-stack.ts';
import type { SeededMessage, SubaccountRecord } from '../../../lib/stand-ins/twilio-emulator.ts';
import { incomingMessageFields, postSignedWebhook } from '../../../lib/stand-ins/webhook-client.ts';
import { approximateCount, waitFor } from '../../helpers/local-sqs.ts';
import { type ArchivedObject, readArchive, startTestStack } from '../../helpers/local-stack.ts';
import { makeMediaBody } from '../../helpers/media-fixtures.ts';
import { runMediaArchive } from '../../helpers/run-cli.ts';

const DAY = 86_400_000;

/**
 * TWILIO_SUBACCOUNTS=all through the real webhook and archiver handlers, the emulator playing a
 * main account with three subaccounts (two active, one closed five days ago).
 */
describe('a main account and its subaccounts in one deployment', () => {
  let stack: LocalStack & { dataDir: string };
  let tenants: SubaccountRecord[];
  let active: Array<{ tenant: SubaccountRecord; message: SeededMessage }>;
  let misSigned: SeededMessage;
  let closedMessage: SeededMessage;
  let closedAt: Date;
  let answers: Array<{ name: string; status: number }>;
  let archive: ArchivedObject[];

  const cliEnv = () => {
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    return {
      TWILIO_ACCOUNT_SID: emulator.accountSid,
      TWILIO_AUTH_TOKEN: emulator.authToken,
      TWILIO_SUBACCOUNTS: 'all',
      ARCHIVE_BUCKET: stack.bucket,
      LOCAL_S3_PORT: new URL(stack.s3Endpoint).port,
      LOCAL_SQS_PORT: new URL(stack.sqsEndpoint).port,
      LOCAL_TWILIO_PORT: new URL(emulator.apiBaseUrl).port,
      LOCAL_TWILIO_CDN_PORT: new URL(emulator.cdnBaseUrl).port,
      // Where the stack keeps its demo account: --local sends only that one to the emulator's port.
      LOCAL_DATA_DIR: stack.dataDir,
    };
  };

  beforeAll(async () => {
    // Prepare
    closedAt = new Date(Date.now() - 5 * DAY);
    stack = await startTestStack({
      lambdaEnv: { TWILIO_SUBACCOUNTS: 'all' },
      emulator: {
        subaccounts: [
          { friendlyName: 'clinic', dateCreated: new Date('2024-01-01T00:00:00Z') },
          { friendlyName: 'help desk', dateCreated: new Date('2024-06-01T00:00:00Z') },
          {
            friendlyName: 'gone',
            status: 'closed',
            dateCreated: new Date('2025-01-01T00:00:00Z'),
            dateUpdated: closedAt,
          },
        ],
      },
    });
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    tenants = [...emulator.subaccounts];
    const [clinic, helpDesk, gone] = tenants as [
      SubaccountRecord,
      SubaccountRecord,
      SubaccountRecord,
    ];
    active = [clinic, helpDesk].map((tenant, n) => ({
      tenant,
      message: emulator.addMessage({
        accountSid: tenant.sid,
        media: [{ contentType: 'image/jpeg', body: makeMediaBody(2_000 + n, 10 + n) }],
      }),
    }));
    misSigned = emulator.addMessage({
      accountSid: clinic.sid,
      media: [{ contentType: 'image/png', body: makeMediaBody(700, 20) }],
    });
    closedMessage = emulator.addMessage({
      accountSid: gone.sid,
      dateCreated: new Date(Date.now() - 2 * DAY),
      media: [{ contentType: 'image/gif', body: makeMediaBody(900, 30) }],
    });
    const post = async (
      name: string,
      accountSid: string,
      message: SeededMessage,
      token: string,
    ) => {
      const fields = incomingMessageFields({ accountSid, message });
      const answer = await postSignedWebhook({
        webhookUrl: stack.webhookUrl,
        authToken: token,
        fields,
      });
      return { name, status: answer.status };
    };

    // Act
    answers = [];
    for (const { tenant, message } of active) {
      answers.push(await post(tenant.friendlyName, tenant.sid, message, tenant.authToken));
    }
    answers.push(
      await post('clinic signed by help desk', clinic.sid, misSigned, helpDesk.authToken),
    );
    await waitFor(
      async () =>
        active.every(({ message }) => message.media.every((m) => !emulator.hasMedia(m.sid))) &&
        (await approximateCount(stack.sqs, stack.queueUrl)) === 0,
      { timeoutMs: 60_000, what: "every tenant's media archived and the queue drained" },
    );
    archive = await readArchive(stack.s3, stack.bucket);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it("accepts each subaccount's webhook signed with its own token, refuses one signed with another's", () => {
    // Assess
    expect(answers).toEqual([
      { name: 'clinic', status: 200 },
      { name: 'help desk', status: 200 },
      { name: 'clinic signed by help desk', status: 403 },
    ]);
    expect(stack.emulator?.hasMedia(misSigned.media[0]?.sid ?? '')).toBe(true);
  });

  it("archives each tenant's media under that account and deletes it there with the main credentials", () => {
    // Assess
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    for (const { tenant, message } of active) {
      const media = message.media[0];
      if (!media) throw new Error('seed missing');
      const object = archive.find((o) => o.key.includes(media.sid));
      expect(object?.key.startsWith(`${stack.archivePrefix}${tenant.sid}/`)).toBe(true);
      expect(object?.sha256).toBe(media.sha256);
      expect(object?.metadata['account-sid']).toBe(tenant.sid);
      const deletes = emulator.requests.filter(
        (r) => r.method === 'DELETE' && r.mediaSid === media.sid && r.status === 204,
      );
      expect(deletes.map((r) => [r.path, r.authorizedAs])).toEqual([
        [`${media.path}.json`, emulator.accountSid],
      ]);
    }
    expect(archive.some((o) => o.key.includes(misSigned.media[0]?.sid ?? '-'))).toBe(false);
  });

  it('learned each subaccount token with one lookup, not one per webhook', () => {
    // Assess
    const lookups = stack.emulator?.requests.filter((r) =>
      /^\/2010-04-01\/Accounts\/AC\w+\.json$/.test(r.path),
    );
    const byPath = new Map<string, number>();
    for (const r of lookups ?? []) byPath.set(r.path, (byPath.get(r.path) ?? 0) + 1);
    // clinic: its first webhook, then one forced lookup for the mis-signed one; help desk: one.
    expect(byPath.get(`/2010-04-01/Accounts/${tenants[0]?.sid}.json`)).toBe(2);
    expect(byPath.get(`/2010-04-01/Accounts/${tenants[1]?.sid}.json`)).toBe(1);
  });

  it("refuses a subaccount credential on another subaccount's paths at the emulator", async () => {
    // Prepare
    const [clinic, helpDesk] = tenants as [SubaccountRecord, SubaccountRecord];
    const auth = `Basic ${Buffer.from(`${helpDesk.sid}:${helpDesk.authToken}`).toString('base64')}`;

    // Act
    const other = await fetch(`${stack.emulator?.apiBaseUrl}${misSigned.media[0]?.path}.json`, {
      headers: { Authorization: auth },
    });
    const own = await fetch(
      `${stack.emulator?.apiBaseUrl}/2010-04-01/Accounts/${helpDesk.sid}/Messages.json`,
      { headers: { Authorization: auth } },
    );
    await other.body?.cancel();
    await own.body?.cancel();

    // Assess
    expect(clinic.sid).not.toBe(helpDesk.sid);
    expect(other.status).toBe(401);
    expect(own.status).toBe(200);
  });

  it('accepts a burst signed with a token rotated mid-burst, after one more lookup', async () => {
    // Prepare
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    const helpDesk = tenants[1] as SubaccountRecord;
    const path = `/2010-04-01/Accounts/${helpDesk.sid}.json`;
    const lookups = () => emulator.requests.filter((r) => r.path === path).length;
    const before = lookups();
    const oldToken = helpDesk.authToken;
    const burst = Array.from({ length: 8 }, () =>
      emulator.addMessage({
        accountSid: helpDesk.sid,
        media: [{ contentType: 'image/jpeg', body: makeMediaBody(300, 40) }],
      }),
    );
    const send = (message: SeededMessage, token: string) =>
      postSignedWebhook({
        webhookUrl: stack.webhookUrl,
        authToken: token,
        fields: incomingMessageFields({ accountSid: helpDesk.sid, message }),
      });

    // Act: two webhooks signed before the rotation, then Twilio rotates, then six with the new token.
    const early = await Promise.all(burst.slice(0, 2).map((m) => send(m, oldToken)));
    const newToken = emulator.rotateSubaccountToken(helpDesk.sid);
    const late = await Promise.all(burst.slice(2).map((m) => send(m, newToken)));
    const retried = await send(burst[0] as SeededMessage, oldToken);
    await waitFor(
      async () =>
        burst.every((m) => m.media.every((media) => !emulator.hasMedia(media.sid))) &&
        (await approximateCount(stack.sqs, stack.queueUrl)) === 0,
      { timeoutMs: 60_000, what: 'the burst archived' },
    );

    // Assess
    expect([...early, ...late, retried].map((a) => a.status)).toEqual(Array(9).fill(200));
    expect(lookups() - before).toBe(1);
  });

  it('backfills the closed subaccount first, warning of its deletion deadline', async () => {
    // Prepare
    const since = new Date(Date.now() - 3 * DAY).toISOString().slice(0, 10);
    const deadline = new Date(closedAt.getTime() + 30 * DAY).toISOString().slice(0, 10);

    // Act
    const result = await runMediaArchive(
      ['backfill', '--local', '--since', since, '--direct', '--json'],
      cliEnv(),
      stack.dataDir,
    );

    // Assess
    expect(result.stderr).toContain(`subaccount ${tenants[2]?.sid} is closed`);
    expect(result.stderr).toContain(deadline);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      accounts: Array<{ accountSid: string; status: string; counts: { enqueued: number } }>;
    };
    expect(summary.accounts[0]).toMatchObject({ accountSid: tenants[2]?.sid, status: 'closed' });
    expect(summary.accounts.map((a) => a.accountSid).sort()).toEqual(
      [stack.accountSid, ...tenants.map((t) => t.sid)].sort(),
    );
    const closed = summary.accounts[0];
    expect(closed?.counts.enqueued).toBe(1);
    expect(stack.emulator?.hasMedia(closedMessage.media[0]?.sid ?? '')).toBe(false);
  });

  it("redrive --account moves one tenant's dead letters and leaves the others'", async () => {
    // Prepare
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    const [clinic, helpDesk] = tenants as [SubaccountRecord, SubaccountRecord];
    const dead = [clinic, helpDesk].map((tenant) => {
      const message = emulator.addMessage({
        accountSid: tenant.sid,
        media: [{ contentType: 'image/png', body: makeMediaBody(400, 50) }],
      });
      const media = message.media[0] as SeededMessage['media'][number];
      const job: MediaJob = {
        version: 1,
        accountSid: tenant.sid,
        messageSid: message.sid,
        mediaSid: media.sid,
        contentType: media.contentType,
        receivedAt: new Date().toISOString(),
        index: 0,
        source: 'webhook',
      };
      return { tenant, media, job };
    });
    for (const { job } of dead) {
      await stack.sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.deadLetterQueueUrl,
          MessageBody: serializeMediaJob(job),
        }),
      );
    }

    // Act
    const result = await runMediaArchive(
      ['redrive', '--local', '--account', helpDesk.sid, '--json'],
      cliEnv(),
      stack.dataDir,
    );
    await waitFor(async () => !emulator.hasMedia(dead[1]?.media.sid ?? ''), {
      timeoutMs: 60_000,
      what: "the help desk's redriven job archived",
    });

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ moved: 1, method: 'copy' });
    expect(emulator.hasMedia(dead[0]?.media.sid ?? '')).toBe(true);
    const left = await runMediaArchive(
      ['redrive', '--local', '--dry-run', '--json'],
      cliEnv(),
      stack.dataDir,
    );
    const remaining = JSON.parse(left.stdout) as { jobs: Array<{ accountSid: string }> };
    expect(remaining.jobs.map((job) => job.accountSid)).toEqual([clinic.sid]);
  });

  it('media-archive stats shows each account', async () => {
    // Act
    const result = await runMediaArchive(['stats', '--local', '--json'], cliEnv(), stack.dataDir);
    const text = await runMediaArchive(['stats', '--local'], cliEnv(), stack.dataDir);

    // Assess
    expect(result.code).toBe(0);
    const stats = JSON.parse(result.stdout) as { byAccount: Record<string, { count: number }> };
    expect(Object.keys(stats.byAccount).sort()).toEqual(tenants.map((t) => t.sid).sort());
    // The clinic's refused webhook left its media at Twilio: the backfill archived it; the help
    // desk's burst added eight, its redriven dead letter one.
    expect(tenants.map((tenant) => stats.byAccount[tenant.sid]?.count)).toEqual([2, 10, 1]);
    expect(text.stdout).toContain('by account');
  });
});
