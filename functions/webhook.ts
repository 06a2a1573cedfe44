import { createWebhookDeps, resolveSecrets } from '../lib/compose/lambda.ts';
import { readWebhookConfig } from '../lib/config/lambda.ts';
import { createWebhookHandler } from '../lib/handlers/webhook-handler.ts';

// Read once per cold start (the auth tokens from SSM when `*_PARAMETER` names them): a
// misconfigured function fails on its first request, loudly.
const config = readWebhookConfig(await resolveSecrets(process.env));

export const handler = createWebhookHandler(createWebhookDeps(config));
