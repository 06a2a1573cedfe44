import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../../lib/local/local-stack.ts';
import { randomSid } from '../../../lib/stand-ins/twilio-emulator.ts';
import { incomingMessageFields, postSignedWebhook } from '../../../lib/stand-ins/webhook-client.ts';
import { waitFor } from '../../helpers/local-sqs.ts';
import { startTestStack } from '../../helpers/local-stack.ts';
import { makeMediaBody } from '../../helpers/media-fixtures.ts';

describe('a media missing at Twilio, through the local stack', () => {
  let stack: LocalStack & { dataDir: string };
  beforeAll(async () => {
    stack = await startTestStack({}, { LOCAL_VISIBILITY_TIMEOUT: '3' });
  });
  afterAll(() => stack.close());

  it('dead-letters with "Twilio answered 404", not as an aborted invocation', async () => {
    // Prepare: a signed webhook naming a media of the message that the emulator does not hold
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    const message = emulator.addMessage({
      direction: 'inbound',
      media: [{ contentType: 'image/gif', body: makeMediaBody(100, 1) }],
    });
    const first = message.media[0];
    if (!first) throw new Error('seeded media expected');
    const missingSid = randomSid('ME');
    const missing = {
      ...first,
      sid: missingSid,
      url: first.url.replace(first.sid, missingSid),
      path: first.path.replace(first.sid, missingSid),
    };

    // Act
    const answer = await postSignedWebhook({
      webhookUrl: stack.webhookUrl,
      authToken: stack.authToken,
      fields: incomingMessageFields({
        accountSid: stack.accountSid,
        message: { sid: message.sid, media: [missing] },
      }),
    });
    const dead = await waitFor(
      async () => {
        const { Messages = [] } = await stack.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: stack.deadLetterQueueUrl,
            MessageAttributeNames: ['All'],
            WaitTimeSeconds: 1,
          }),
        );
        return Messages[0];
      },
      { timeoutMs: 60_000, what: 'the job in the dead-letter queue' },
    );

    // Assess
    expect(answer.status).toBe(200);
    const reason = JSON.stringify(dead.MessageAttributes ?? {});
    expect(reason).toContain('404');
    expect(reason.toLowerCase()).not.toContain('abort');
  }, 90_000);
});
