import { describe, expect, it } from 'vitest';
import {
  AccountNotServedError,
  orderForBackfill,
  servedAccounts,
} from '../../../lib/backfill/accounts.ts';
import type { AccountDirectory, TwilioAccount } from '../../../lib/ports.ts';

const MAIN = `AC${'0'.repeat(32)}`;
const sid = (n: number) => `AC${String(n).padStart(32, '0')}`;
const sub = (n: number, status: string, created: string, updated = created): TwilioAccount => ({
  sid: sid(n),
  ownerAccountSid: MAIN,
  status,
  friendlyName: `tenant ${n}`,
  dateCreated: created,
  dateUpdated: updated,
});

const directoryOf = (accounts: TwilioAccount[]): AccountDirectory => ({
  listSubaccounts: async () => accounts,
  getSubaccount: async () => undefined,
});

const ACCOUNTS = [
  sub(1, 'active', '2024-01-01T00:00:00.000Z'),
  sub(2, 'closed', '2025-01-01T00:00:00.000Z', '2026-11-20T10:00:00.000Z'),
  sub(3, 'active', '2023-06-01T00:00:00.000Z'),
  sub(4, 'suspended', '2025-05-01T00:00:00.000Z'),
  sub(5, 'closed', '2025-01-01T00:00:00.000Z', '2026-11-10T10:00:00.000Z'),
];

describe('servedAccounts', () => {
  it('orders closed (nearest deletion first), then suspended, then main, then oldest first', async () => {
    // Act
    const accounts = await servedAccounts(
      { accountSid: MAIN, subaccounts: { kind: 'all' } },
      directoryOf(ACCOUNTS),
    );

    // Assess
    expect(accounts.map((account) => [account.sid, account.status])).toEqual([
      [sid(5), 'closed'],
      [sid(2), 'closed'],
      [sid(4), 'suspended'],
      [MAIN, 'active'],
      [sid(3), 'active'],
      [sid(1), 'active'],
    ]);
    expect(accounts[0]?.deletionDeadline).toBe('2026-12-10');
    expect(accounts[1]?.deletionDeadline).toBe('2026-12-20');
  });

  it('serves only the listed subaccounts, and --account narrows to one served account', async () => {
    // Prepare
    const config = { accountSid: MAIN, subaccounts: { kind: 'list' as const, sids: [sid(1)] } };

    // Act
    const listed = await servedAccounts(config, directoryOf(ACCOUNTS));
    const one = await servedAccounts(config, directoryOf(ACCOUNTS), sid(1));
    const outside = servedAccounts(config, directoryOf(ACCOUNTS), sid(3));

    // Assess
    expect(listed.map((account) => account.sid)).toEqual([MAIN, sid(1)]);
    expect(one.map((account) => account.sid)).toEqual([sid(1)]);
    await expect(outside).rejects.toBeInstanceOf(AccountNotServedError);
  });

  it('is the main account alone without TWILIO_SUBACCOUNTS', async () => {
    // Act
    const accounts = await servedAccounts({ accountSid: MAIN }, undefined);

    // Assess
    expect(accounts).toEqual([{ sid: MAIN, main: true, status: 'active' }]);
    expect(orderForBackfill(accounts)).toEqual(accounts);
  });
});
