import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = 'valid' | 'bad-signature' | 'expired';

/**
 * Signs CDN paths the way CloudFront/S3 presigned URLs do: an expiry plus an HMAC over path and
 * expiry, so a URL cannot be retargeted or extended without the emulator's secret.
 */
export const createCdnSigner = (secret: string, ttlSeconds: number) => {
  const mac = (path: string, expires: string) =>
    createHmac('sha256', secret).update(`${path}\n${expires}`).digest('base64url');

  return {
    sign(path: string, nowMs: number): string {
      const expires = String(Math.floor(nowMs / 1000) + ttlSeconds);
      return `${path}?Expires=${expires}&Signature=${mac(path, expires)}`;
    },
    check(path: string, query: URLSearchParams, nowMs: number): SignatureCheck {
      const expires = query.get('Expires');
      const signature = query.get('Signature');
      if (!expires || !signature || !/^\d+$/.test(expires)) return 'bad-signature';
      const expected = Buffer.from(mac(path, expires));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return 'bad-signature';
      }
      return Number(expires) <= Math.floor(nowMs / 1000) ? 'expired' : 'valid';
    },
  };
};
