import { describe, expect, it } from 'vitest';
import { TwilioUnavailableError } from '../../../lib/domain/errors.ts';
import { DEFAULT_TOKEN_CACHE_POLICY as POLICY } from '../../../lib/domain/token-cache-policy.ts';
import type { AccountDirectory, TwilioAccount } from '../../../lib/ports/pipeline.ts';
import { createAccountTokens } from '../../../lib/use-cases/account-tokens.ts';

const MAIN = `AC${'a'.repeat(32)}`;
const SUB = `AC${'b'.repeat(32)}`;
const OTHER = `AC${'c'.repeat(32)}`;

const account = (sid: string): TwilioAccount => ({
  sid,
  ownerAccountSid: MAIN,
  status: 'active',
  friendlyName: sid,
  dateCreated: '2026-01-01T00:00:00.000Z',
  dateUpdated: '2026-01-01T00:00:00.000Z',
});

/** A directory whose answers tests change, counting calls; `gate` holds lookups until opened. */
class FakeDirectory implements AccountDirectory {
  tokens = new Map<string, string>([[SUB, 'sub-token-1']]);
  lists = 0;
  lookups = 0;
  down = false;
  gate: Promise<void> = Promise.resolve();
  async listSubaccounts() {
    this.lists += 1;
    await this.gate;
    if (this.down) throw new TwilioUnavailableError('down');
    return [...this.tokens.keys()].map(account);
  }
  async getSubaccount(sid: string) {
    this.lookups += 1;
    await this.gate;
    if (this.down) throw new TwilioUnavailableError('down');
    const authToken = this.tokens.get(sid);
    return authToken === undefined ? undefined : { ...account(sid), authToken };
  }
}

const setup = (kind: 'all' | 'list' = 'all') => {
  const directory = new FakeDirectory();
  const clock = { now: 1_000_000 };
  const tokens = createAccountTokens({
    mainAccountSid: MAIN,
    mainTokens: ['main-token', 'main-previous'],
    scope: kind === 'all' ? { kind: 'all' } : { kind: 'list', sids: [SUB] },
    directory,
    now: () => clock.now,
  });
  return { directory, clock, tokens };
};

describe('createAccountTokens', () => {
  it('answers the main account from configuration, without asking Twilio', async () => {
    // Prepare
    const { directory, tokens } = setup();

    // Act
    const main = await tokens.tokensFor(MAIN);

    // Assess
    expect(main).toEqual(['main-token', 'main-previous']);
    expect(directory.lists + directory.lookups).toBe(0);
  });

  it('costs one list and one lookup for a burst of webhooks of a new subaccount', async () => {
    // Prepare
    const { directory, tokens } = setup();
    let open = () => {};
    directory.gate = new Promise((resolve) => {
      open = resolve;
    });

    // Act
    const burst = Array.from({ length: 50 }, () => tokens.tokensFor(SUB));
    open();
    const answers = await Promise.all(burst);

    // Assess
    expect(new Set(answers.map((answer) => answer?.join()))).toEqual(new Set(['sub-token-1']));
    expect(directory.lists).toBe(1);
    expect(directory.lookups).toBe(1);
  });

  it('refuses an SID outside the list without a lookup, and a forged SID under all with at most one list per interval', async () => {
    // Prepare
    const listed = setup('list');
    const all = setup('all');

    // Act
    const outside = await listed.tokens.tokensFor(OTHER);
    const forged = [];
    for (let n = 0; n < 20; n += 1)
      forged.push(await all.tokens.tokensFor(`AC${String(n).padStart(32, '0')}`));
    all.clock.now += POLICY.relistIntervalMs;
    forged.push(await all.tokens.tokensFor(OTHER));

    // Assess
    expect(outside).toBeUndefined();
    expect(listed.directory.lists + listed.directory.lookups).toBe(0);
    expect(forged.every((answer) => answer === undefined)).toBe(true);
    expect(all.directory.lists).toBe(2);
    expect(all.directory.lookups).toBe(0);
  });

  it('picks up a rotated token after maxAge, still accepting the old one for the rotation window', async () => {
    // Prepare
    const { directory, clock, tokens } = setup();
    await tokens.tokensFor(SUB);
    directory.tokens.set(SUB, 'sub-token-2');

    // Act
    const cached = await tokens.tokensFor(SUB);
    clock.now += POLICY.maxAgeMs;
    const refreshed = await tokens.tokensFor(SUB);
    clock.now += POLICY.previousTokenMs;
    const later = await tokens.tokensFor(SUB);

    // Assess
    expect(cached).toEqual(['sub-token-1']);
    expect(refreshed).toEqual(['sub-token-2', 'sub-token-1']);
    expect(later).toEqual(['sub-token-2']);
  });

  it('lets a signature mismatch force one lookup, shared by concurrent mismatches and rate-limited', async () => {
    // Prepare
    const { directory, clock, tokens } = setup();
    await tokens.tokensFor(SUB);
    directory.tokens.set(SUB, 'sub-token-2');
    const before = directory.lookups;

    // Act
    const first = await Promise.all(
      Array.from({ length: 10 }, () => tokens.tokensFor(SUB, { afterMismatch: true })),
    );
    const forgedBurst = [];
    for (let n = 0; n < 100; n += 1)
      forgedBurst.push(await tokens.tokensFor(SUB, { afterMismatch: true }));
    const duringLimit = directory.lookups - before;
    clock.now += POLICY.forcedRefreshIntervalMs;
    await tokens.tokensFor(SUB, { afterMismatch: true });

    // Assess
    expect(first.every((answer) => answer?.[0] === 'sub-token-2')).toBe(true);
    expect(forgedBurst.every((answer) => answer?.[0] === 'sub-token-2')).toBe(true);
    expect(duringLimit).toBe(1);
    expect(directory.lookups - before).toBe(2);
  });

  it('forces no second lookup when the tokens that failed came from a lookup for this request', async () => {
    // Prepare
    const { directory, clock, tokens } = setup('list');

    // Act: a forged webhook is the first to name a served subaccount, then more forged ones
    const learned = await tokens.tokensFor(SUB);
    const refreshed = await tokens.tokensFor(SUB, { afterMismatch: true, tried: learned ?? [] });
    for (let n = 0; n < 5; n += 1) {
      const again = await tokens.tokensFor(SUB);
      await tokens.tokensFor(SUB, { afterMismatch: true, tried: again ?? [] });
    }
    const forgedLookups = directory.lookups;
    // Then, an interval later, the token rotates and a genuine webhook tries the cached answer
    clock.now += POLICY.forcedRefreshIntervalMs;
    directory.tokens.set(SUB, 'sub-token-2');
    const cached = await tokens.tokensFor(SUB);
    const rotated = await tokens.tokensFor(SUB, { afterMismatch: true, tried: cached ?? [] });

    // Assess
    expect(learned).toEqual(['sub-token-1']);
    expect(refreshed).toEqual(['sub-token-1']);
    expect(forgedLookups).toBe(1);
    expect(cached).toEqual(['sub-token-1']);
    expect(rotated?.[0]).toBe('sub-token-2');
    expect(directory.lookups).toBe(2);
  });

  it('serves a stale token while Twilio is down, and fails transiently once nothing usable is cached', async () => {
    // Prepare
    const { directory, clock, tokens } = setup('list');
    await tokens.tokensFor(SUB);
    directory.down = true;

    // Act
    clock.now += POLICY.maxAgeMs;
    const stale = await tokens.tokensFor(SUB);
    clock.now += POLICY.maxStaleMs;
    const expired = tokens.tokensFor(SUB);

    // Assess
    expect(stale).toEqual(['sub-token-1']);
    await expect(expired).rejects.toBeInstanceOf(TwilioUnavailableError);
  });

  it('forgets a subaccount Twilio no longer returns once its entry is looked up again', async () => {
    // Prepare
    const { directory, clock, tokens } = setup('list');
    await tokens.tokensFor(SUB);
    directory.tokens.delete(SUB);

    // Act
    clock.now += POLICY.maxAgeMs;
    const gone = await tokens.tokensFor(SUB);

    // Assess
    expect(gone).toBeUndefined();
  });
});
