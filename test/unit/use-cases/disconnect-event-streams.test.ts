import { describe, expect, it } from 'vitest';
import type { RemovedResource } from '../../../lib/use-cases/disconnect-event-streams.ts';
import {
  describeSink,
  disconnectEventStreams,
} from '../../../lib/use-cases/disconnect-event-streams.ts';
import { FakeEventStreams, webhookTarget } from '../../helpers/fake-event-streams.ts';

const MAIN = `AC${'a'.repeat(32)}`;
const SUB = `AC${'b'.repeat(32)}`;
const PASSWORD = 'sink-password-0123456789';
const OURS = webhookTarget(`https://twilio-events:${PASSWORD}@abc.example.com/twilio/events`);
const KINESIS = {
  kind: 'kinesis' as const,
  arn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/twilio-events',
  roleArn: 'arn:aws:iam::123456789012:role/twilio-events',
  externalId: 'external-id-secret',
};
const account = (sid: string) => ({ sid, credentials: { username: sid, password: 'token' } });

const run = async (
  world: FakeEventStreams,
  plan: { target?: typeof OURS | typeof KINESIS; accounts?: string[]; dryRun?: boolean } = {},
) => {
  const lines: RemovedResource[] = [];
  const results = await disconnectEventStreams(
    { events: world.factory },
    {
      target: plan.target ?? OURS,
      accounts: (plan.accounts ?? [MAIN]).map(account),
      dryRun: plan.dryRun ?? false,
    },
    (resource) => lines.push(resource),
  );
  return { results, lines };
};

describe('disconnectEventStreams', () => {
  it('deletes the subscription first, then the sink', async () => {
    // Prepare
    const world = new FakeEventStreams();
    const sink = world.addSink(MAIN, OURS);
    const subscription = world.addSubscription(MAIN, sink.sid);

    // Act
    const { results, lines } = await run(world);

    // Assess
    expect(world.calls).toEqual([
      `${MAIN} DELETE ${subscription.sid}`,
      `${MAIN} DELETE ${sink.sid}`,
    ]);
    expect(world.sinks.get(MAIN)).toEqual([]);
    expect(world.subscriptions.get(MAIN)).toEqual([]);
    expect(lines).toEqual([
      { accountSid: MAIN, kind: 'subscription', sid: subscription.sid, outcome: 'deleted' },
      { accountSid: MAIN, kind: 'sink', sid: sink.sid, outcome: 'deleted' },
    ]);
    expect(results).toEqual([{ accountSid: MAIN, removed: lines }]);
  });

  it("never touches another app's sink or subscription on the same account", async () => {
    // Prepare
    const world = new FakeEventStreams();
    const ours = world.addSink(MAIN, OURS);
    world.addSubscription(MAIN, ours.sid);
    const theirs = world.addSink(MAIN, webhookTarget('https://other-app.example.com/events'));
    const theirSubscription = world.addSubscription(MAIN, theirs.sid);
    // Same URL, other credentials: not what connect made for this deployment either.
    const lookalike = world.addSink(
      MAIN,
      webhookTarget('https://twilio-events:other@abc.example.com/twilio/events'),
    );

    // Act
    await run(world);

    // Assess
    expect(world.sinks.get(MAIN)?.map((s) => s.sid)).toEqual([theirs.sid, lookalike.sid]);
    expect(world.subscriptions.get(MAIN)).toEqual([theirSubscription]);
    expect(world.calls.join('\n')).not.toContain(theirs.sid);
    expect(world.calls.join('\n')).not.toContain(lookalike.sid);
  });

  it('matches a Kinesis sink by stream, role and external id, as connect does', async () => {
    // Prepare
    const world = new FakeEventStreams();
    const ours = world.addSink(MAIN, KINESIS);
    const otherRole = world.addSink(MAIN, { ...KINESIS, roleArn: `${KINESIS.roleArn}-2` });

    // Act
    const { lines } = await run(world, { target: KINESIS });

    // Assess
    expect(lines.map((l) => l.sid)).toEqual([ours.sid]);
    expect(world.sinks.get(MAIN)).toEqual([otherRole]);
  });

  it('--dry-run lists what would go and deletes nothing', async () => {
    // Prepare
    const world = new FakeEventStreams();
    const sink = world.addSink(MAIN, OURS);
    const subscription = world.addSubscription(MAIN, sink.sid);

    // Act
    const { lines } = await run(world, { dryRun: true });

    // Assess
    expect(lines.map((l) => [l.kind, l.sid, l.outcome])).toEqual([
      ['subscription', subscription.sid, 'would delete'],
      ['sink', sink.sid, 'would delete'],
    ]);
    expect(world.calls).toEqual([]);
    expect(world.sinks.get(MAIN)).toEqual([sink]);
  });

  it('acts on each account with its own client, and a second run removes nothing', async () => {
    // Prepare
    const world = new FakeEventStreams();
    world.addSubscription(MAIN, world.addSink(MAIN, OURS).sid);
    world.addSubscription(SUB, world.addSink(SUB, OURS).sid);

    // Act
    const first = await run(world, { accounts: [MAIN, SUB] });
    const second = await run(world, { accounts: [MAIN, SUB] });

    // Assess
    expect(first.lines.map((l) => [l.accountSid, l.kind])).toEqual([
      [MAIN, 'subscription'],
      [MAIN, 'sink'],
      [SUB, 'subscription'],
      [SUB, 'sink'],
    ]);
    expect(second.lines).toEqual([]);
    expect(second.results).toEqual([
      { accountSid: MAIN, removed: [] },
      { accountSid: SUB, removed: [] },
    ]);
  });

  it('reports a resource deleted by someone else meanwhile as already gone', async () => {
    // Prepare: the subscription vanishes between the list and the delete
    const world = new FakeEventStreams();
    const sink = world.addSink(MAIN, OURS);
    const subscription = world.addSubscription(MAIN, sink.sid);
    const client = world.factory(MAIN, { username: MAIN, password: 'token' });
    const racing = {
      ...client,
      listSubscriptions: async () => {
        const listed = await client.listSubscriptions();
        await client.deleteSubscription(subscription.sid);
        return listed;
      },
    };

    // Act
    const lines: RemovedResource[] = [];
    await disconnectEventStreams(
      { events: () => racing },
      { target: OURS, accounts: [account(MAIN)], dryRun: false },
      (r) => lines.push(r),
    );

    // Assess
    expect(lines.map((l) => [l.kind, l.outcome])).toEqual([
      ['subscription', 'gone'],
      ['sink', 'deleted'],
    ]);
  });

  it('names the sink with its password masked', () => {
    // Act
    const webhook = describeSink(OURS);
    const kinesis = describeSink(KINESIS);

    // Assess
    expect(webhook).toBe('https://twilio-events:****@abc.example.com/twilio/events');
    expect(kinesis).not.toContain(KINESIS.externalId);
  });
});
