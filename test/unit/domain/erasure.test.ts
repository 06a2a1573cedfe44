import { describe, expect, it } from 'vitest';
import {
  type ErasureReceipt,
  eraseVerdict,
  erasureReceiptKey,
  serializeErasureReceipt,
} from '../../../lib/domain/erasure.ts';

const NOW = new Date('2026-12-08T00:00:00.000Z');
const LATER = new Date('2027-12-08T00:00:00.000Z');
const EARLIER = new Date('2026-12-01T00:00:00.000Z');

describe('eraseVerdict', () => {
  it('never deletes under a legal hold or COMPLIANCE retention, even when bypassing governance', () => {
    // Act
    const held = eraseVerdict({ legalHold: 'ON' }, NOW, true);
    const compliance = eraseVerdict({ mode: 'COMPLIANCE', retainUntil: LATER }, NOW, true);

    // Assess
    expect(held).toEqual({ action: 'retain', reason: 'legal hold' });
    expect(compliance).toEqual({
      action: 'retain',
      reason: 'COMPLIANCE retention until 2027-12-08T00:00:00.000Z',
    });
  });

  it('deletes under GOVERNANCE retention only when asked to bypass it', () => {
    // Act
    const kept = eraseVerdict({ mode: 'GOVERNANCE', retainUntil: LATER }, NOW, false);
    const bypassed = eraseVerdict({ mode: 'GOVERNANCE', retainUntil: LATER }, NOW, true);

    // Assess
    expect(kept).toMatchObject({ action: 'retain' });
    expect(bypassed).toEqual({ action: 'delete', bypassGovernance: true });
  });

  it('deletes once the retention has passed, or when there is none', () => {
    // Act / Assess
    expect(eraseVerdict({ mode: 'COMPLIANCE', retainUntil: EARLIER }, NOW, false)).toEqual({
      action: 'delete',
      bypassGovernance: false,
    });
    expect(eraseVerdict({ legalHold: 'OFF' }, NOW, false)).toEqual({
      action: 'delete',
      bypassGovernance: false,
    });
  });

  it('names receipts by time under _erasures/, outside the prefix only the archiver writes', () => {
    // Act / Assess
    expect(erasureReceiptKey(NOW, 'ab12cd34')).toBe(
      '_erasures/2026-12-08T00-00-00.000Z-ab12cd34.json',
    );
  });
});

describe('serializeErasureReceipt', () => {
  it('writes the receipt as one JSON document that reads back the same, ending in a newline', () => {
    // Prepare
    const receipt = {
      schema: 'twilio-media-archiver/erasure-receipt',
      version: 1,
      erasedAt: '2026-12-08T04:53:42.155Z',
      request: { kind: 'message', messageSid: 'MM00000000000000000000000000000001' },
      counts: { messages: 1, keys: 2, versionsDeleted: 2, versionsRetained: 0 },
    } as unknown as ErasureReceipt;

    // Act
    const text = serializeErasureReceipt(receipt);

    // Assess
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(receipt);
  });
});
