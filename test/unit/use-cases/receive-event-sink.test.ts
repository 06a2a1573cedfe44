import { describe, expect, it } from 'vitest';
import {
  ForeignAccountWebhookError,
  InvalidWebhookError,
  SinkSignatureError,
} from '../../../lib/domain/webhook-errors.ts';
import type { AccountTokens } from '../../../lib/ports/pipeline.ts';
import {
  type ReceiveEventSinkDeps,
  receiveEventSink,
} from '../../../lib/use-cases/receive-event-sink.ts';
import { FakeJobQueue } from '../../helpers/fake-job-queue.ts';
import { FakeMessageCatalog, fakeTwilioMessage } from '../../helpers/fake-message-catalog.ts';
import { recordingLogger } from '../../helpers/fake-ports.ts';
import {
  basicAuthorization,
  inboundMessageReceivedEvent,
  signedSinkUrl,
  signSinkRequest,
  sinkTestEvent,
  TEST_SINK_PASSWORD,
  TEST_SINK_USERNAME,
} from '../../helpers/twilio-cloud-events.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from '../../helpers/twilio-webhook.ts';

const SUB = `AC${'5'.repeat(32)}`;
const SUB_TOKEN = 'b'.repeat(32);
const URL_SEEN = 'https://h.example/twilio/events';

const sinkFixture = () => {
  const queue = new FakeJobQueue();
  const tokens: AccountTokens = {
    async tokensFor(sid) {
      return sid === SUB ? [SUB_TOKEN] : undefined;
    },
  };
  const deps: ReceiveEventSinkDeps = {
    config: {
      accountSid: TEST_ACCOUNT_SID,
      authTokens: [TEST_AUTH_TOKEN],
      signature: 'required',
      sink: { username: TEST_SINK_USERNAME, password: TEST_SINK_PASSWORD },
    },
    tokens,
    catalogFor: (sid) => new FakeMessageCatalog(sid, [fakeTwilioMessage({}, 1)]),
    isServedAccount: (sid) => sid === TEST_ACCOUNT_SID || sid === SUB,
    queue,
    logger: recordingLogger() as unknown as ReceiveEventSinkDeps['logger'],
  };
  const request = (events: unknown[], token: string) => {
    const body = JSON.stringify(events);
    const url = signedSinkUrl(URL_SEEN, body);
    return {
      authorization: basicAuthorization(TEST_SINK_USERNAME, TEST_SINK_PASSWORD),
      signature: signSinkRequest(url, token),
      url,
      body,
    };
  };
  return { deps, queue, request };
};

describe('receiveEventSink', () => {
  it("checks a subaccount's batch with that subaccount's token", async () => {
    const { deps, queue, request } = sinkFixture();
    const events = [inboundMessageReceivedEvent({ accountSid: SUB })];
    await receiveEventSink(deps, request(events, SUB_TOKEN));
    await expect(receiveEventSink(deps, request(events, TEST_AUTH_TOKEN))).rejects.toThrow(
      SinkSignatureError,
    );
    expect(queue.jobs.map((job) => job.accountSid)).toEqual([SUB]);
  });

  it('accepts the sink test event, signed by the account its id names', async () => {
    const { deps, queue, request } = sinkFixture();
    const outcomes = await receiveEventSink(
      deps,
      request([sinkTestEvent({ accountSid: TEST_ACCOUNT_SID })], TEST_AUTH_TOKEN),
    );
    expect(outcomes).toMatchObject([{ outcome: 'skipped', reason: 'sink test event' }]);
    expect(queue.calls).toEqual([]);
  });

  it('refuses a batch naming two accounts, and one of an account not served', async () => {
    const { deps, request } = sinkFixture();
    const mixed = [
      inboundMessageReceivedEvent({ accountSid: SUB }),
      inboundMessageReceivedEvent({ accountSid: TEST_ACCOUNT_SID }),
    ];
    await expect(receiveEventSink(deps, request(mixed, TEST_AUTH_TOKEN))).rejects.toThrow(
      InvalidWebhookError,
    );
    const foreign = [inboundMessageReceivedEvent({ accountSid: `AC${'7'.repeat(32)}` })];
    await expect(receiveEventSink(deps, request(foreign, TEST_AUTH_TOKEN))).rejects.toThrow(
      ForeignAccountWebhookError,
    );
  });
});
