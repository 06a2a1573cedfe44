import { readWebhookConfig } from '../lib/config.ts';
import { createWebhookDeps } from '../lib/deps.ts';
import { createWebhookHandler } from '../lib/http/webhook-handler.ts';
import { resolveSecrets } from '../lib/secrets.ts';

// Read once per cold start (the auth tokens from SSM when `*_PARAMETER` names them): a
// misconfigured function fails on its first request, loudly.
const config = readWebhookConfig(await resolveSecrets(process.env));

export const handler = createWebhookHandler(createWebhookDeps(config));
