import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioAccountReader } from '../../../lib/adapters/twilio-account-reader.ts';
import { UnsafePageUriError } from '../../../lib/adapters/twilio-catalog.ts';
import { TwilioAuthError } from '../../../lib/domain/errors.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../../../lib/local/twilio-emulator.ts';

const WEBHOOK = 'https://abc.execute-api.eu-west-1.amazonaws.com/twilio/messages';

describe('createTwilioAccountReader against the Twilio emulator', () => {
  let emulator: TwilioEmulator;

  beforeAll(async () => {
    emulator = await startTwilioEmulator({
      phoneNumbers: Array.from({ length: 7 }, (_, i) => ({ smsUrl: i === 6 ? WEBHOOK : null })),
      messagingServices: Array.from({ length: 5 }, (_, i) => ({
        friendlyName: `service ${i}`,
        inboundRequestUrl: i === 0 ? WEBHOOK : null,
      })),
    });
  });
  afterAll(() => emulator.close());

  const reader = (password = emulator.authToken, username = emulator.accountSid) =>
    createTwilioAccountReader({
      apiBaseUrl: emulator.apiBaseUrl,
      messagingBaseUrl: emulator.messagingBaseUrl,
      accountSid: emulator.accountSid,
      credentials: { username, password },
      pageSize: 3,
      retry: { attempts: 0 },
    });

  it('probes with one list request of one number', async () => {
    // Prepare
    emulator.clearRequests();

    // Act
    await reader().probe();

    // Assess
    expect(emulator.requests.map((r) => [r.origin, r.path, r.status])).toEqual([
      ['api', `/2010-04-01/Accounts/${emulator.accountSid}/IncomingPhoneNumbers.json`, 200],
    ]);
  });

  it('reads every number and service across pages, each list on its own origin', async () => {
    // Prepare
    emulator.clearRequests();

    // Act
    const [numbers, services] = await Promise.all([
      reader().listPhoneNumbers(),
      reader().listMessagingServices(),
    ]);

    // Assess
    expect(numbers).toHaveLength(7);
    expect(numbers.filter((n) => n.smsUrl === WEBHOOK)).toHaveLength(1);
    expect(numbers[0]).toMatchObject({ smsUrl: null, smsMethod: 'POST', smsApplicationSid: null });
    expect(services.map((s) => s.friendlyName)).toEqual([0, 1, 2, 3, 4].map((i) => `service ${i}`));
    expect(services[0]).toMatchObject({
      inboundRequestUrl: WEBHOOK,
      useInboundWebhookOnNumber: false,
    });
    const origins = emulator.requests.map((r) => r.origin);
    expect(origins.filter((o) => o === 'api')).toHaveLength(3);
    expect(origins.filter((o) => o === 'messaging')).toHaveLength(2);
  });

  it('works with the API key too', async () => {
    // Act
    const numbers = await reader(emulator.apiKey.secret, emulator.apiKey.sid).listPhoneNumbers();

    // Assess
    expect(numbers).toHaveLength(7);
  });

  it('turns a refused credential into a TwilioAuthError naming the code', async () => {
    // Act
    const probe = reader('wrong-token').probe();
    const services = reader('wrong-token').listMessagingServices();

    // Assess
    await expect(probe).rejects.toThrow(TwilioAuthError);
    await expect(probe).rejects.toThrow('Twilio refused the credential (401 code 20003)');
    await expect(services).rejects.toThrow(TwilioAuthError);
  });

  it('never follows a next page to another origin', async () => {
    // Prepare: an answer whose next page points elsewhere.
    let calls = 0;
    const hostile = createTwilioAccountReader({
      apiBaseUrl: emulator.apiBaseUrl,
      messagingBaseUrl: emulator.messagingBaseUrl,
      accountSid: emulator.accountSid,
      credentials: { username: emulator.accountSid, password: emulator.authToken },
      fetch: async () => {
        calls += 1;
        return Response.json({
          services: [],
          meta: { next_page_url: 'https://evil.example/v1/Services' },
        });
      },
    });

    // Act / Assess
    await expect(hostile.listMessagingServices()).rejects.toThrow(UnsafePageUriError);
    expect(calls).toBe(1);
  });
});
