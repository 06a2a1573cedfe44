import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioAccountDirectory } from '../../../lib/adapters/twilio-account-directory.ts';
import { TwilioAuthError } from '../../../lib/domain/errors.ts';
import {
  randomSid,
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/local/twilio-emulator.ts';

describe('createTwilioAccountDirectory against the emulator', () => {
  let emulator: TwilioEmulator;
  const directory = (credentials?: { username: string; password: string }) =>
    createTwilioAccountDirectory({
      apiBaseUrl: emulator.apiBaseUrl,
      accountSid: emulator.accountSid,
      credentials: credentials ?? { username: emulator.accountSid, password: emulator.authToken },
      pageSize: 2,
      retry: { attempts: 0 },
    });

  beforeAll(async () => {
    emulator = await startTwilioEmulator({
      subaccounts: [
        { friendlyName: 'one' },
        { friendlyName: 'two', status: 'suspended' },
        { friendlyName: 'three', status: 'closed', dateUpdated: new Date('2026-11-01T00:00:00Z') },
        { friendlyName: 'four' },
        { friendlyName: 'five' },
      ],
    });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it('lists every subaccount with its status across pages, without the main account', async () => {
    // Act
    const accounts = await directory().listSubaccounts();

    // Assess
    expect(accounts.map((a) => [a.sid, a.status])).toEqual(
      emulator.subaccounts.map((a) => [a.sid, a.status]),
    );
    expect(accounts.find((a) => a.status === 'closed')?.dateUpdated).toBe(
      '2026-11-01T00:00:00.000Z',
    );
    const pages = emulator.requests.filter((r) => r.path === '/2010-04-01/Accounts.json');
    expect(pages.length).toBe(3);
  });

  it("returns a subaccount's current token, and nothing for an SID that is not one", async () => {
    // Prepare
    const [first] = emulator.subaccounts;
    if (!first) throw new Error('seed missing');

    // Act
    const before = await directory().getSubaccount(first.sid);
    const rotated = emulator.rotateSubaccountToken(first.sid);
    const after = await directory().getSubaccount(first.sid);
    const stranger = await directory().getSubaccount(randomSid('AC'));
    const main = await directory().getSubaccount(emulator.accountSid);

    // Assess
    expect(before?.authToken).not.toBe(rotated);
    expect(after?.authToken).toBe(rotated);
    expect(stranger).toBeUndefined();
    expect(main).toBeUndefined();
  });

  it("refuses a subaccount's credential on another subaccount's record", async () => {
    // Prepare
    const [first, second] = emulator.subaccounts;
    if (!first || !second) throw new Error('seed missing');

    // Act
    const result = directory({ username: first.sid, password: first.authToken }).getSubaccount(
      second.sid,
    );

    // Assess
    await expect(result).rejects.toBeInstanceOf(TwilioAuthError);
  });
});
