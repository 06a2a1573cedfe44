// Cold-start baseline: the webhook handler a typical sample ships, importing the `twilio` SDK for
// its signature check. Bench code only; loaded unbundled from node_modules, as such samples deploy.
import twilio from 'twilio';

const authToken = process.env.TWILIO_AUTH_TOKEN ?? '';
const publicUrl = process.env.PUBLIC_WEBHOOK_URL ?? '';

export const handler = async (event) => {
  const params = Object.fromEntries(new URLSearchParams(event.body ?? ''));
  const signature = event.headers?.['x-twilio-signature'] ?? '';
  if (!twilio.validateRequest(authToken, signature, publicUrl, params)) {
    return { statusCode: 403, body: '' };
  }
  return { statusCode: 200, headers: { 'Content-Type': 'text/xml' }, body: '<Response/>' };
};
