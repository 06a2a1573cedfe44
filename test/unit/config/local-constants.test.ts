import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ARCHIVER_TIMEOUT_SECONDS,
  EVENTS_PATH,
  WEBHOOK_PATH,
} from '../../../lib/config/local-constants.ts';

// serverless.yml holds CloudFormation tags (!If, !Sub) a plain YAML parser refuses: read the two
// values by their place in the text.
const serverlessYml = readFileSync(new URL('../../../serverless.yml', import.meta.url), 'utf8');

describe('local constants', () => {
  it('gives the local archiver the deployed archiver timeout as its deadline', () => {
    // Prepare
    const archiverBlock = /\n {2}archiver:\n((?: {4}.*\n|\s*\n)+)/.exec(serverlessYml)?.[1] ?? '';
    // Act
    const timeout = Number(/\n? {4}timeout: (\d+)/.exec(archiverBlock)?.[1]);
    // Assess
    expect(timeout).toBeGreaterThan(0);
    expect(ARCHIVER_TIMEOUT_SECONDS).toBe(timeout);
  });

  it('serves the webhook and the event sink on the paths API Gateway routes to them', () => {
    // Act
    const paths = [...serverlessYml.matchAll(/- httpApi:\n\s+method: POST\n\s+path: (\S+)/g)].map(
      (match) => match[1],
    );
    // Assess
    expect(paths).toEqual([WEBHOOK_PATH, EVENTS_PATH]);
  });
});
