import { describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN_CACHE_POLICY } from '../../../lib/domain/token-cache-policy.ts';
import type { AccountDirectory, TwilioAccount } from '../../../lib/ports/pipeline.ts';
import { createSubaccountListing } from '../../../lib/use-cases/subaccount-listing.ts';

const SUB = `AC${'1'.repeat(32)}`;
const OTHER = `AC${'2'.repeat(32)}`;

/** A directory whose list answers are scripted, counting its calls. */
const directoryOf = (answers: (TwilioAccount[] | Error)[]) => {
  const calls = { list: 0 };
  const directory: AccountDirectory = {
    listSubaccounts: async () => {
      calls.list += 1;
      const answer = answers.shift() ?? [];
      if (answer instanceof Error) throw answer;
      return answer;
    },
    getSubaccount: async () => undefined,
  };
  return { directory, calls };
};

const account = (sid: string) => ({ sid, status: 'active' }) as TwilioAccount;

describe('createSubaccountListing', () => {
  it('lists at most once per interval, however many unknown SIDs arrive', async () => {
    // Prepare
    let clock = 0;
    const { directory, calls } = directoryOf([[account(SUB)], [account(SUB), account(OTHER)]]);
    const isListed = createSubaccountListing({
      directory,
      policy: { ...DEFAULT_TOKEN_CACHE_POLICY, relistIntervalMs: 60_000 },
      now: () => clock,
    });

    // Act
    const first = await Promise.all([isListed(SUB), isListed(OTHER), isListed(OTHER)]);
    clock = 59_999;
    const before = await isListed(OTHER);
    clock = 60_000;
    const after = await isListed(OTHER);

    // Assess
    expect(first).toEqual([true, false, false]);
    expect(before).toBe(false);
    expect(after).toBe(true);
    expect(calls.list).toBe(2);
  });

  it('counts a failed list call against the interval and throws what the caller maps it to', async () => {
    // Prepare
    const outage = new Error('Twilio unreachable');
    const { directory, calls } = directoryOf([outage]);
    const plain = createSubaccountListing({
      directory,
      policy: DEFAULT_TOKEN_CACHE_POLICY,
      now: () => 0,
    });
    const mapped = createSubaccountListing({
      directory: directoryOf([outage]).directory,
      policy: DEFAULT_TOKEN_CACHE_POLICY,
      now: () => 0,
      failure: (error) => new RangeError(`mapped: ${(error as Error).message}`),
    });

    // Act & Assess
    await expect(plain(SUB)).rejects.toBe(outage);
    await expect(plain(SUB)).resolves.toBe(false);
    expect(calls.list).toBe(1);
    await expect(mapped(SUB)).rejects.toThrow('mapped: Twilio unreachable');
  });
});
