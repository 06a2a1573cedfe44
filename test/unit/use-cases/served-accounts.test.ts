import { describe, expect, it } from 'vitest';
import { TwilioUnavailableError } from '../../../lib/domain/errors.ts';
import type { AccountDirectory, TwilioAccount } from '../../../lib/ports/pipeline.ts';
import { createServedAccounts } from '../../../lib/use-cases/served-accounts.ts';

const MAIN = `AC${'0'.repeat(32)}`;
const SUB = `AC${'1'.repeat(32)}`;
const OTHER = `AC${'2'.repeat(32)}`;

const account = (sid: string): TwilioAccount => ({
  sid,
  ownerAccountSid: MAIN,
  status: 'active',
  friendlyName: sid,
  dateCreated: '2026-01-01T00:00:00.000Z',
  dateUpdated: '2026-01-01T00:00:00.000Z',
});

const directoryOf = (sids: string[]) => {
  const calls: string[] = [];
  let failing = false;
  const directory: AccountDirectory = {
    async listSubaccounts() {
      calls.push('list');
      if (failing) throw new TwilioUnavailableError('down');
      return sids.map(account);
    },
    async getSubaccount() {
      throw new Error('not used');
    },
  };
  return { directory, calls, fail: () => (failing = true) };
};

describe('createServedAccounts', () => {
  it('serves the main account and a listed scope without asking Twilio', async () => {
    const { directory, calls } = directoryOf([]);
    const served = createServedAccounts({
      mainAccountSid: MAIN,
      scope: { kind: 'list', sids: [SUB] },
      directory,
    });
    expect([await served(MAIN), await served(SUB), await served(OTHER)]).toEqual([
      true,
      true,
      false,
    ]);
    expect(calls).toEqual([]);
  });

  it("under all, serves what the main account's list names, listing at most once a minute", async () => {
    // Prepare
    let clock = 0;
    const { directory, calls } = directoryOf([SUB]);
    const served = createServedAccounts({
      mainAccountSid: MAIN,
      scope: { kind: 'all' },
      directory,
      now: () => clock,
    });

    // Act
    const first = [await served(SUB), await served(OTHER), await served(OTHER)];
    clock += 60_000;
    const later = await served(OTHER);

    // Assess
    expect(first).toEqual([true, false, false]);
    expect(later).toBe(false);
    expect(calls).toEqual(['list', 'list']);
  });

  it('fails (to be retried) when the list cannot be read, and does not list again at once', async () => {
    const { directory, calls, fail } = directoryOf([SUB]);
    fail();
    const served = createServedAccounts({
      mainAccountSid: MAIN,
      scope: { kind: 'all' },
      directory,
    });
    await expect(served(SUB)).rejects.toThrow(TwilioUnavailableError);
    expect(await served(SUB)).toBe(false);
    expect(calls).toEqual(['list']);
  });

  it('never serves a value that is not an account SID', async () => {
    const served = createServedAccounts({ mainAccountSid: MAIN, scope: { kind: 'all' } });
    expect(await served('AC-not-a-sid')).toBe(false);
  });
});
