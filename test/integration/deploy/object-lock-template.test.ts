import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CfnTemplate,
  lintTemplate,
  packageService,
  resolveConditions,
} from './cloudformation.ts';

/**
 * Packages the service with Object Lock on (GOVERNANCE, 30 days) and checks the bucket
 * CloudFormation would create; the default template (Object Lock off) is checked by
 * serverless-template.test.ts, whose bucket must then carry no Object Lock setting.
 */
const ACCOUNT_SID = `AC${'c'.repeat(32)}`;
let locked: CfnTemplate;
let compliance: CfnTemplate;
let unlocked: CfnTemplate;
const scratchDirs: string[] = [];

const bucketOf = (template: CfnTemplate) => template.Resources.ArchiveBucket?.Properties ?? {};

beforeAll(async () => {
  const variants: Record<string, string>[] = [
    { objectLockMode: 'GOVERNANCE', objectLockDays: '30' },
    { objectLockMode: 'COMPLIANCE', objectLockDays: '2555' },
    {},
  ];
  // One at a time: every packaging run writes the same .esbuild/ directory.
  const runs = [];
  for (const [index, params] of variants.entries()) {
    runs.push(
      await packageService({
        stage: `lock${index}`,
        params: { twilioAccountSid: ACCOUNT_SID, ...params },
      }),
    );
  }
  for (const run of runs) scratchDirs.push(run.artifactDir, run.homeDir);
  [locked, compliance, unlocked] = runs.map((run) => resolveConditions(run.template)) as [
    CfnTemplate,
    CfnTemplate,
    CfnTemplate,
  ];
}, 400_000);

afterAll(async () => {
  await Promise.all(scratchDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('Object Lock as a deploy option', () => {
  it('creates the bucket with Object Lock and a default retention in the chosen mode', () => {
    // Assess
    expect(bucketOf(locked)).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        // A --param arrives as a string; CloudFormation reads "30" as the integer.
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: '30' } },
      },
      // Object Lock needs versioning; it stays on.
      VersioningConfiguration: { Status: 'Enabled' },
    });
    expect(bucketOf(compliance).ObjectLockConfiguration.Rule.DefaultRetention).toEqual({
      Mode: 'COMPLIANCE',
      Days: '2555',
    });
  });

  it('leaves Object Lock out entirely by default', () => {
    // Assess
    expect(bucketOf(unlocked)).not.toHaveProperty('ObjectLockEnabled');
    expect(bucketOf(unlocked)).not.toHaveProperty('ObjectLockConfiguration');
  });

  it('passes cfn-lint with Object Lock on', () => {
    // Act
    const findings = [...lintTemplate(locked), ...lintTemplate(compliance)];

    // Assess
    expect(findings).toEqual([]);
  });

  it('cfn-lint catches a retention mode S3 does not know (control)', () => {
    // Prepare
    const broken = structuredClone(locked);
    bucketOf(broken).ObjectLockConfiguration.Rule.DefaultRetention.Mode = 'FOREVER';

    // Act
    const findings = lintTemplate(broken).map((finding) => finding.message);

    // Assess
    expect(findings.join('\n')).toContain('FOREVER');
  });
});
