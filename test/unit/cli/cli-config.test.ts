import { describe, expect, it } from 'vitest';
import { ConfigurationError, readCliConfig } from '../../../lib/config.ts';

describe('readCliConfig', () => {
  it('targets the local stack with defaults under --local', () => {
    // Act
    const config = readCliConfig({ local: true }, {});

    // Assess
    expect(config).toEqual({
      bucket: 'twilio-media-archive',
      archivePrefix: 'media/',
      s3: {
        endpoint: 'http://127.0.0.1:4569',
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      },
    });
  });

  it('honours LOCAL_S3_PORT, ARCHIVE_BUCKET, ARCHIVE_PREFIX and TWILIO_ACCOUNT_SID', () => {
    // Prepare
    const sid = `AC${'c'.repeat(32)}`;

    // Act
    const config = readCliConfig(
      { local: true },
      { LOCAL_S3_PORT: '5000', ARCHIVE_BUCKET: 'b', ARCHIVE_PREFIX: 'x', TWILIO_ACCOUNT_SID: sid },
    );

    // Assess
    expect(config).toMatchObject({
      bucket: 'b',
      archivePrefix: 'x/',
      accountSid: sid,
      s3: { endpoint: 'http://127.0.0.1:5000' },
    });
  });

  it('uses the AWS credential chain and requires ARCHIVE_BUCKET without --local', () => {
    // Act
    const config = readCliConfig(
      { local: false },
      { ARCHIVE_BUCKET: 'prod', AWS_REGION: 'eu-west-1' },
    );

    // Assess
    expect(config).toEqual({
      bucket: 'prod',
      archivePrefix: 'media/',
      s3: { region: 'eu-west-1', forcePathStyle: false },
    });
    expect(() => readCliConfig({ local: false }, {})).toThrow(ConfigurationError);
    expect(() => readCliConfig({ local: true }, { TWILIO_ACCOUNT_SID: 'x' })).toThrow(
      'TWILIO_ACCOUNT_SID',
    );
    expect(() => readCliConfig({ local: true }, { LOCAL_S3_PORT: '0' })).toThrow('LOCAL_S3_PORT');
  });
});
