import { describe, expect, it } from 'vitest';
import {
  isAccountSid,
  isMediaSid,
  isMessageSid,
  mediaResourcePath,
} from '../../../lib/domain/sids.ts';

const HEX32 = '0123456789abcdefABCDEF0123456789';

describe('sids', () => {
  it('accepts each SID kind only with its own prefix and 32 hex digits', () => {
    // Assess
    expect(isAccountSid(`AC${HEX32}`)).toBe(true);
    expect(isMessageSid(`SM${HEX32}`)).toBe(true);
    expect(isMessageSid(`MM${HEX32}`)).toBe(true);
    expect(isMediaSid(`ME${HEX32}`)).toBe(true);
    expect(isAccountSid(`ME${HEX32}`)).toBe(false);
    expect(isMediaSid(`MM${HEX32}`)).toBe(false);
    expect(isMessageSid(`AC${HEX32}`)).toBe(false);
  });

  it('refuses wrong lengths, non-hex digits, padding and non-strings', () => {
    // Assess
    for (const value of [
      `AC${HEX32.slice(1)}`,
      `AC${HEX32}0`,
      `AC${HEX32.slice(1)}g`,
      ` AC${HEX32}`,
      `AC${HEX32}\n`,
      `ac${HEX32}`,
      undefined,
      42,
      { sid: `AC${HEX32}` },
    ]) {
      expect(isAccountSid(value), String(value)).toBe(false);
    }
  });

  it('builds the Media resource path under the 2010-04-01 API', () => {
    // Act
    const path = mediaResourcePath(`AC${HEX32}`, `MM${HEX32}`, `ME${HEX32}`);

    // Assess
    expect(path).toBe(`/2010-04-01/Accounts/AC${HEX32}/Messages/MM${HEX32}/Media/ME${HEX32}`);
  });
});
