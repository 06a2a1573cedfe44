import { describe, expect, it } from 'vitest';
import { InvalidJobError } from '../../../lib/domain/errors.ts';
import { type MediaJob, parseMediaJob, serializeMediaJob } from '../../../lib/domain/media-job.ts';

const validJob = (overrides: Partial<Record<keyof MediaJob, unknown>> = {}) => ({
  version: 1,
  accountSid: `AC${'a'.repeat(32)}`,
  messageSid: `MM${'b'.repeat(32)}`,
  mediaSid: `ME${'c'.repeat(32)}`,
  contentType: 'image/jpeg',
  receivedAt: '2026-11-26T17:01:59.123Z',
  index: 0,
  source: 'webhook',
  ...overrides,
});

describe('parseMediaJob', () => {
  it('round-trips a valid job', () => {
    // Prepare
    const job = validJob();

    // Act
    const parsed = parseMediaJob(JSON.stringify(job));

    // Assess
    expect(parsed).toEqual(job);
    expect(parseMediaJob(serializeMediaJob(parsed))).toEqual(parsed);
  });

  it('defaults a missing source to webhook and keeps addresses only when present', () => {
    // Prepare
    const { source: _omitted, ...job } = validJob({ from: '+15550001111' });

    // Act
    const parsed = parseMediaJob(JSON.stringify(job));

    // Assess
    expect(parsed.source).toBe('webhook');
    expect(parsed.from).toBe('+15550001111');
    expect(parsed).not.toHaveProperty('to');
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '42'],
    ['wrong version', JSON.stringify(validJob({ version: 2 }))],
    ['bad account', JSON.stringify(validJob({ accountSid: 'AC../../etc' }))],
    ['bad message', JSON.stringify(validJob({ messageSid: `XX${'b'.repeat(32)}` }))],
    ['bad media', JSON.stringify(validJob({ mediaSid: `ME${'c'.repeat(31)}/` }))],
    ['bad content type', JSON.stringify(validJob({ contentType: 'image jpeg' }))],
    ['non-UTC time', JSON.stringify(validJob({ receivedAt: '2026-11-26T17:01:59+01:00' }))],
    ['impossible time', JSON.stringify(validJob({ receivedAt: '2026-13-45T17:01:59Z' }))],
    ['index out of range', JSON.stringify(validJob({ index: 10 }))],
    ['fractional index', JSON.stringify(validJob({ index: 1.5 }))],
    ['unknown source', JSON.stringify(validJob({ source: 'elsewhere' }))],
  ])('refuses %s as a permanent InvalidJobError', (_case, body) => {
    // Act
    const act = () => parseMediaJob(body);

    // Assess
    expect(act).toThrow(InvalidJobError);
  });
});
