import { readWebhookConfig } from '../lib/config.ts';
import { createWebhookDeps } from '../lib/deps.ts';
import { createWebhookHandler } from '../lib/http/webhook-handler.ts';

// Read once per cold start: a misconfigured function fails on its first request, loudly.
const config = readWebhookConfig();

export const handler = createWebhookHandler(createWebhookDeps(config));
