import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioMessageRedactor } from '../../../lib/adapters/twilio/twilio-message-redactor.ts';
import {
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';

describe('createTwilioMessageRedactor against the emulator with subaccounts', () => {
  let emulator: TwilioEmulator;
  const redactor = () =>
    createTwilioMessageRedactor({
      apiBaseUrl: emulator.apiBaseUrl,
      accountSid: emulator.accountSid,
      isAllowedAccount: (sid) =>
        sid === emulator.accountSid || emulator.subaccounts.some((a) => a.sid === sid),
      credentials: { username: emulator.accountSid, password: emulator.authToken },
      retry: { attempts: 0 },
    });

  beforeAll(async () => {
    emulator = await startTwilioEmulator({ subaccounts: [{ friendlyName: 'one' }, {}] });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it("blanks a subaccount's message at its own path, with the main account's credentials", async () => {
    // Prepare
    const [sub] = emulator.subaccounts;
    if (!sub) throw new Error('seed missing');
    const message = emulator.addMessage({ accountSid: sub.sid, body: 'claim 4711' });

    // Act
    const outcome = await redactor().redactBody({
      accountSid: sub.sid,
      messageSid: message.sid,
    });

    // Assess
    expect(outcome).toBe('redacted');
    expect(emulator.messageBody(message.sid)).toBe('');
  });

  it("touches no message through another account's path", async () => {
    // Prepare
    const [first, second] = emulator.subaccounts;
    if (!first || !second) throw new Error('seed missing');
    const mains = emulator.addMessage({ body: 'main account text' });
    const firsts = emulator.addMessage({ accountSid: first.sid, body: 'first tenant text' });

    // Act
    const viaSub = await redactor().redactBody({ accountSid: second.sid, messageSid: mains.sid });
    const viaMain = await redactor().redactBody({
      accountSid: emulator.accountSid,
      messageSid: firsts.sid,
    });

    // Assess
    expect([viaSub, viaMain]).toEqual(['already-gone', 'already-gone']);
    expect(emulator.messageBody(mains.sid)).toBe('main account text');
    expect(emulator.messageBody(firsts.sid)).toBe('first tenant text');
  });

  it('reads the body Twilio holds, and nothing through another account’s path', async () => {
    // Prepare
    const [first, second] = emulator.subaccounts;
    if (!first || !second) throw new Error('seed missing');
    const message = emulator.addMessage({ accountSid: first.sid, body: 'claim 4711 as sent' });

    // Act
    const before = await redactor().readBody({ accountSid: first.sid, messageSid: message.sid });
    const elsewhere = await redactor().readBody({
      accountSid: second.sid,
      messageSid: message.sid,
    });
    await redactor().redactBody({ accountSid: first.sid, messageSid: message.sid });
    const after = await redactor().readBody({ accountSid: first.sid, messageSid: message.sid });

    // Assess
    expect(before).toEqual({ status: 'found', body: 'claim 4711 as sent' });
    expect(elsewhere).toEqual({ status: 'gone' });
    expect(after).toEqual({ status: 'found', body: '' });
    const reads = emulator.requests.filter(
      (r) => r.method === 'GET' && r.path.endsWith(`/Messages/${message.sid}.json`),
    );
    expect(reads.map((r) => r.status)).toEqual([200, 404, 200]);
  });
});
