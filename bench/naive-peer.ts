/**
 * Baseline "naive peer": what the common tutorials do, updated for Twilio's enforced media auth.
 * The `twilio` SDK is loaded (as those samples do, for the client and signature checks), each body
 * is read whole into memory, then one PutObject, then the SDK deletes the media — one at a time.
 * Bench code only: never imported from lib/ or functions/.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import twilio from 'twilio';

export interface NaiveMedia {
  messageSid: string;
  mediaSid: string;
  /** The MediaUrlN of the webhook. */
  url: string;
  contentType: string;
}

export interface NaivePeerOptions {
  accountSid: string;
  authToken: string;
  /** Where the SDK's REST calls go (the emulator stands in for api.twilio.com). */
  apiBaseUrl: string;
  s3: S3Client;
  bucket: string;
}

export const createNaivePeer = (options: NaivePeerOptions) => {
  const client = twilio(options.accountSid, options.authToken);
  client.api.baseUrl = options.apiBaseUrl;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;

  const archiveOne = async (media: NaiveMedia): Promise<void> => {
    // Since Twilio enforces auth, the tutorials' fix: auth on the first hop, then follow the
    // Location by hand without it (the CDN refuses an Authorization header).
    const first = await fetch(media.url, {
      headers: { Authorization: authorization },
      redirect: 'manual',
    });
    const location = first.headers.get('location');
    const response = location ? await fetch(location) : first;
    if (!response.ok) throw new Error(`download failed: ${response.status}`);
    const body = Buffer.from(await response.arrayBuffer());
    await options.s3.send(
      new PutObjectCommand({
        Bucket: options.bucket,
        Key: `naive/${media.messageSid}/${media.mediaSid}`,
        Body: body,
        ContentType: response.headers.get('content-type') ?? media.contentType,
      }),
    );
    await client.messages(media.messageSid).media(media.mediaSid).remove();
  };

  return {
    archiveOne,
    /** One media at a time, as the samples' webhook handlers loop over MediaUrlN. */
    archiveAll: async (media: readonly NaiveMedia[]) => {
      for (const item of media) await archiveOne(item);
    },
  };
};
