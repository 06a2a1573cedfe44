import { readArchiverConfig } from '../lib/config.ts';
import { createArchiverDeps } from '../lib/deps.ts';
import { createArchiverHandler } from '../lib/process-media-batch.ts';
import { resolveSecrets } from '../lib/secrets.ts';

// Read once per cold start (secrets from SSM when `*_PARAMETER` names them): a misconfigured
// function fails on its first batch, loudly, and every record of it is retried.
const config = readArchiverConfig(await resolveSecrets(process.env));

export const handler = createArchiverHandler(createArchiverDeps(config));
