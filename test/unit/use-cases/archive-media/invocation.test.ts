import { describe, expect, it } from 'vitest';
import { archiveKeyFor } from '../../../../lib/domain/archive-key.ts';
import { OverwriteRefusedError, PermanentError } from '../../../../lib/domain/errors.ts';
import { MetricName } from '../../../../lib/domain/metric-names.ts';
import {
  approveOverwrite,
  countArchived,
  createOnly,
  headsFirst,
} from '../../../../lib/use-cases/archive-media/invocation.ts';
import { archiveMediaFixture } from '../../../helpers/archive-media-fixture.ts';
import type { FakeArchiveStore } from '../../../helpers/fake-ports.ts';
import { mediaJobFactory } from '../../../helpers/sqs-event.ts';

const build = (attempt: number, job = mediaJobFactory({ from: '+15550001111' })) => {
  const fx = archiveMediaFixture({ maxMediaBytes: 1024 });
  return { invocation: fx.invocation(attempt, job), logger: fx.logger, metrics: fx.metrics, job };
};

describe('archiveMedia invocation', () => {
  it('derives the key and the ids every log line carries, with no phone number', () => {
    // Act
    const { invocation, job } = build(1);

    // Assess
    const key = archiveKeyFor('media/', job);
    expect(invocation.key).toBe(key);
    expect(invocation.ref).toEqual({
      accountSid: job.accountSid,
      messageSid: job.messageSid,
      mediaSid: job.mediaSid,
    });
    expect(invocation.ids).toEqual({ messageSid: job.messageSid, mediaSid: job.mediaSid, key });
    expect(JSON.stringify(invocation.ids)).not.toContain('+1555');
  });

  it('HEADs first only on a redelivery', () => {
    // Assess
    expect(headsFirst(build(1).invocation)).toBe(false);
    expect(headsFirst(build(2).invocation)).toBe(true);
  });

  it('writes create-only unless a HEAD found an object it judged unproven', () => {
    // Assess
    expect(createOnly(undefined)).toBe(true);
    expect(createOnly({ key: 'k', size: 1, metadata: {} })).toBe(false);
  });

  it('counts one archived media and its bytes', () => {
    // Prepare
    const { invocation, metrics } = build(1);

    // Act
    countArchived(invocation, 4096);

    // Assess
    expect(metrics.total(MetricName.MediaArchived)).toBe(1);
    expect(metrics.total(MetricName.BytesArchived)).toBe(4096);
  });

  it('warns of an overwrite with the reason that fits, and counts it', async () => {
    // Prepare
    const { invocation, logger, metrics } = build(2);
    const proof = {
      size: 1,
      sha256Hex: 'a'.repeat(64),
      wholeBy: 'stored-copy',
      s3: 's3-checksum',
    } as const;

    // Act
    await approveOverwrite(invocation, undefined, 'differs');
    await approveOverwrite(invocation, proof, 'differs');

    // Assess
    expect(logger.lines.map((line) => line.message)).toEqual([
      'object at the archive key lacks S3-confirmed checksums; overwriting it',
      'differs',
    ]);
    expect(logger.lines[0]?.fields).toEqual(invocation.ids);
    expect(metrics.total(MetricName.ArchiveOverwritten)).toBe(2);
  });

  it('refuses to overwrite where the bucket keeps no old versions: nothing replaced, media kept at Twilio', async () => {
    // Prepare: a bucket without versioning (the local S3, or versioning suspended).
    const fx = archiveMediaFixture({ maxMediaBytes: 1024 });
    (fx.store as FakeArchiveStore).versioned = false;
    const invocation = fx.invocation(2, mediaJobFactory());

    // Act
    const approval = approveOverwrite(invocation, undefined, 'differs');

    // Assess: permanent, so it is dead-lettered with its reason instead of retried into the same wall.
    await expect(approval).rejects.toBeInstanceOf(OverwriteRefusedError);
    await expect(approval).rejects.toBeInstanceOf(PermanentError);
    expect(fx.metrics.total(MetricName.ArchiveOverwritten)).toBe(0);
  });
});
