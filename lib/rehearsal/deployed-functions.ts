import { createHash } from 'node:crypto';
import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import type { TwilioEmulator } from '../stand-ins/twilio-emulator.ts';
import type { DeployedFunction, StandInClients } from './deployment.ts';
import { type FunctionName, REGION, SQS_HOST } from './expectations.ts';
import { type LambdaProcess, startLambdaProcess } from './lambda-process.ts';
import type { Report } from './report.ts';

const PROJECT_ROOT = join(import.meta.dirname, '..', '..');
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Unpacks a deployed package and starts it with exactly its deployed environment. */
export const startDeployedFunction = async (
  name: FunctionName,
  fn: DeployedFunction,
  runDir: string,
  nodePath: string,
  overrides: Record<string, string>,
  endpoint: string,
): Promise<LambdaProcess> => {
  const c = fn.configuration;
  const taskRoot = join(runDir, name);
  for (const [file, bytes] of fn.files) {
    await mkdir(dirname(join(taskRoot, file)), { recursive: true });
    await writeFile(join(taskRoot, file), bytes);
  }
  // The nodejs24.x runtime provides the AWS SDK; the bundles leave client-ssm to it.
  const ssm = await realpath(join(PROJECT_ROOT, 'node_modules', '@aws-sdk', 'client-ssm'));
  await mkdir(join(taskRoot, 'node_modules', '@aws-sdk'), { recursive: true });
  await symlink(ssm, join(taskRoot, 'node_modules', '@aws-sdk', 'client-ssm'), 'dir');
  const deployedEnv = c.Environment?.Variables ?? {};
  const env: Record<string, string> = {
    // What Lambda itself sets in every execution environment.
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_EXECUTION_ENV: `AWS_Lambda_${c.Runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: c.FunctionName ?? name,
    AWS_LAMBDA_FUNCTION_VERSION: c.Version ?? '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.MemorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${c.FunctionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'rehearsal',
    AWS_ACCESS_KEY_ID: 'rehearsal',
    AWS_SECRET_ACCESS_KEY: 'rehearsal',
    AWS_SESSION_TOKEN: 'rehearsal',
    LAMBDA_TASK_ROOT: taskRoot,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    // Exactly the deployed environment, queue URLs pointed at the stand-in.
    ...Object.fromEntries(
      Object.entries(deployedEnv).map(([k, v]) => [k, v.replace(SQS_HOST, endpoint)]),
    ),
    ...overrides,
  };
  return startLambdaProcess({
    name,
    functionArn: c.FunctionArn ?? name,
    taskRoot,
    handler: c.Handler ?? `functions/${name}.handler`,
    timeoutSeconds: c.Timeout ?? 30,
    env,
    nodePath,
  });
};

/** Each media is in the bucket with exactly the bytes Twilio served, and was deleted at Twilio. */
export const checkArchived = async (
  report: Report,
  clients: StandInClients,
  bucket: string,
  emulator: TwilioEmulator,
  media: ReadonlyArray<{ sid: string; sha256: string; contentType: string }>,
) => {
  const lock = await clients.s3
    .send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))
    .then((answer) => answer.ObjectLockConfiguration?.Rule?.DefaultRetention)
    .catch(() => undefined);
  if (!lock) {
    report.notShown(
      'archive bucket Object Lock (GOVERNANCE, 1 day)',
      'moto dropped ObjectLockEnabled/ObjectLockConfiguration',
    );
  }
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2(
    { client: clients.s3 },
    { Bucket: bucket, Prefix: 'media/' },
  )) {
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
  }
  for (const item of media) {
    const key = keys.find((k) => k.includes(item.sid) && !k.includes('_index/'));
    if (!key) {
      report.fail(`media ${item.sid}`, 'not in the archive bucket');
      continue;
    }
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
    const deletion = emulator.deletion(item.sid);
    // Without the bucket's lock there is nothing to prove here: the template test and the moto
    // object-lock write test (test/integration/object-lock) cover it.
    if (lock && object.ObjectLockMode === 'GOVERNANCE' && object.ObjectLockRetainUntilDate) {
      report.pass(
        `${item.sid} written under the default retention (GOVERNANCE until ${object.ObjectLockRetainUntilDate.toISOString()})`,
      );
    } else if (lock) {
      report.fail(`media ${item.sid}`, 'no default retention on the archived object');
    }
    if (sha256Hex(bytes) === item.sha256 && deletion) {
      report.pass(
        `${item.contentType} ${item.sid}: exact bytes in s3://${bucket}/${key}, then DELETE at Twilio`,
      );
    } else {
      report.fail(
        `media ${item.sid}`,
        `bytes match: ${sha256Hex(bytes) === item.sha256}, deleted at Twilio: ${Boolean(deletion)}`,
      );
    }
  }
};
