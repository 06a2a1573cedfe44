import { Ajv, type ValidateFunction } from 'ajv';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioMediaSource } from '../../../lib/adapters/twilio/twilio-media-source.ts';
import { MediaNotDeletableYetError } from '../../../lib/domain/errors.ts';
import {
  type SeededMessage,
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import spec from '../../helpers/twilio-spec-schemas.json' with { type: 'json' };

type Schema = Record<string, unknown>;

/**
 * The spec lists no `required` and allows any extra field. Twilio answers with every property it
 * documents (null when empty), so the contract is stricter than the schema: every documented
 * property present, no undocumented one invented.
 */
const strict = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(strict);
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === 'properties'
        ? Object.fromEntries(
            Object.entries(value as Schema).map(([name, property]) => [name, strict(property)]),
          )
        : strict(value);
  }
  if (out.properties && typeof out.properties === 'object') {
    out.required = Object.keys(out.properties);
    out.additionalProperties = false;
  }
  return out;
};

const RFC_2822 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addFormat('date-time-rfc-2822', RFC_2822);
ajv.addFormat(
  'date-time',
  (value: string) => !Number.isNaN(Date.parse(value)) && value.includes('T'),
);
// Twilio's `uri` fields are relative paths (`/2010-04-01/…`), its `url` fields absolute.
ajv.addFormat('uri', (value: string) => value.startsWith('/') || URL.canParse(value));
for (const name of [
  'uri-map',
  'phone-number',
  'iso-country-code',
  'int64',
  'decimal',
  'uri-template',
]) {
  ajv.addFormat(name, true);
}
const components = strict(spec.components);
const validators = new Map<string, ValidateFunction>();
const validatorOf = (operation: keyof typeof spec.operations): ValidateFunction => {
  let validate = validators.get(operation);
  if (!validate) {
    validate = ajv.compile({
      ...(strict(spec.operations[operation].schema) as Schema),
      components,
    });
    validators.set(operation, validate);
  }
  return validate;
};

const problems = (operation: keyof typeof spec.operations, body: unknown): string[] => {
  const validate = validatorOf(operation);
  return validate(body)
    ? []
    : (validate.errors ?? []).map(
        (e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
      );
};

describe('the emulator against the schemas of Twilio’s published spec', () => {
  let emulator: TwilioEmulator;
  let sub: string;
  let inbound: SeededMessage;
  let unsent: SeededMessage;
  let scheduled: SeededMessage;
  const get = async (path: string, init: RequestInit = {}, base?: string) => {
    const response = await fetch(`${base ?? emulator.apiBaseUrl}${path}`, {
      ...init,
      headers: {
        Authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
        ...init.headers,
      },
    });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', text };
  };
  const json = async (path: string, init: RequestInit = {}, base?: string) => {
    const answer = await get(path, init, base);
    return { ...answer, body: JSON.parse(answer.text) as Record<string, unknown> };
  };
  const account = () => `/2010-04-01/Accounts/${emulator.accountSid}`;

  beforeAll(async () => {
    // Prepare
    emulator = await startTwilioEmulator({
      subaccounts: [{ friendlyName: 'clinic' }],
      phoneNumbers: [{ smsUrl: 'https://hooks.example.com/twilio/messages' }],
      messagingServices: [
        { friendlyName: 'Support', inboundRequestUrl: 'https://hooks.example.com/x' },
      ],
    });
    sub = emulator.subaccounts[0]?.sid as string;
    inbound = emulator.addMessage({
      media: [{ contentType: 'image/jpeg', body: Buffer.from('jpeg') }],
    });
    unsent = emulator.addMessage({
      direction: 'outbound-api',
      status: 'failed',
      dateSent: null,
      media: [{ contentType: 'image/png', body: Buffer.from('png') }],
    });
    scheduled = emulator.addMessage({
      direction: 'outbound-api',
      status: 'scheduled',
      dateSent: null,
    });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it('answers Accounts.json and Accounts/{AC}.json as ListAccountResponse and api.v2010.account', async () => {
    // Act
    const list = await json('/2010-04-01/Accounts.json');
    const one = await json(`/2010-04-01/Accounts/${sub}.json`);

    // Assess
    expect(problems('GET /2010-04-01/Accounts.json', list.body)).toEqual([]);
    expect(problems('GET /2010-04-01/Accounts/{Sid}.json', one.body)).toEqual([]);
  });

  it('answers the Messages list (filtered and not), one Message and a redaction per the spec', async () => {
    // Act
    const day = new Date().toISOString().slice(0, 10);
    const filtered = await json(`${account()}/Messages.json?DateSent=${day}&PageSize=1000`);
    const all = await json(`${account()}/Messages.json?PageSize=2`);
    const one = await json(`${account()}/Messages/${unsent.sid}.json`);
    const redacted = await json(`${account()}/Messages/${inbound.sid}.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Body=',
    });

    // Assess
    for (const page of [filtered, all]) {
      expect(problems('GET /2010-04-01/Accounts/{AccountSid}/Messages.json', page.body)).toEqual(
        [],
      );
    }
    expect(problems('GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json', one.body)).toEqual(
      [],
    );
    expect(one.body.date_sent).toBeNull();
    expect(
      problems('POST /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json', redacted.body),
    ).toEqual([]);
  });

  it('answers the Media list and one Media per the spec', async () => {
    // Act
    const list = await json(`${account()}/Messages/${inbound.sid}/Media.json?PageSize=1000`);
    const one = await json(`${inbound.media[0]?.path}.json`);

    // Assess
    expect(
      problems('GET /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media.json', list.body),
    ).toEqual([]);
    expect(
      problems(
        'GET /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}.json',
        one.body,
      ),
    ).toEqual([]);
  });

  it('answers IncomingPhoneNumbers.json and the Messaging Services list per the spec', async () => {
    // Act
    const numbers = await json(`${account()}/IncomingPhoneNumbers.json`);
    const services = await json('/v1/Services', {}, emulator.messagingBaseUrl);

    // Assess
    expect(
      problems('GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json', numbers.body),
    ).toEqual([]);
    expect(problems('GET /v1/Services', services.body)).toEqual([]);
  });

  it('answers errors in JSON on .json paths and in XML without an extension, with the same code', async () => {
    // Act
    const missing = `${account()}/Messages/${inbound.sid}/Media/ME${'0'.repeat(32)}`;
    const asJson = await json(`${missing}.json`);
    const asXml = await get(missing);
    const deleteXml = await get(missing, { method: 'DELETE' });

    // Assess: the shape twilio-node's RestException reads (the spec has no error schema)
    expect(asJson.status).toBe(404);
    expect(Object.keys(asJson.body).sort()).toEqual(['code', 'message', 'more_info', 'status']);
    expect(asJson.body.code).toBe(20404);
    expect(asXml.status).toBe(404);
    expect(asXml.type).toMatch(/xml/);
    expect(asXml.text).toMatch(/<TwilioResponse><RestException><Code>20404<\/Code>/);
    expect(deleteXml.text).toContain('<Code>20404</Code>');
  });

  it('pages as the spec says: PageSize at most 1000, Page only client state', async () => {
    // Act
    const tooBig = await json(`${account()}/Messages.json?PageSize=1001`);
    const first = await json(`${account()}/Messages.json?PageSize=1`);
    const pageWithoutToken = await json(`${account()}/Messages.json?PageSize=1&Page=2`);
    const next = await json(String(first.body.next_page_uri));

    // Assess
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.code).toBe(20001);
    const sids = (page: { body: Record<string, unknown> }) =>
      (page.body.messages as { sid: string }[]).map((m) => m.sid);
    expect(sids(pageWithoutToken)).toEqual(sids(first));
    expect(sids(next)).not.toEqual(sids(first));
  });

  it('filters DateSent by the day of a date-time, as twilio-node sends it, and never lists unsent', async () => {
    // Act
    const day = new Date().toISOString().slice(0, 10);
    const asDay = await json(`${account()}/Messages.json?DateSent=${day}`);
    const asDateTime = await json(`${account()}/Messages.json?DateSent=${day}T00:00:00Z`);

    // Assess
    const sids = (page: { body: Record<string, unknown> }) =>
      (page.body.messages as { sid: string }[]).map((m) => m.sid);
    expect(sids(asDateTime)).toEqual(sids(asDay));
    expect(sids(asDay)).toContain(inbound.sid);
    expect(sids(asDay)).not.toContain(unsent.sid);
  });

  it('cancels a scheduled message with Status=canceled, and refuses it for any other', async () => {
    // Act
    const canceled = await json(`${account()}/Messages/${scheduled.sid}.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Status=canceled',
    });
    const refused = await json(`${account()}/Messages/${unsent.sid}.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Status=canceled',
    });

    // Assess
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expect(
      problems('POST /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json', canceled.body),
    ).toEqual([]);
    expect(refused.status).toBe(400);
  });

  it("serves every call the product makes to twilio@6's own client", async () => {
    // Prepare: twilio-node, its requests sent to the emulator's origins instead of Twilio's
    class EmulatorClient extends twilio.RequestClient {
      override request<TData>(opts: Parameters<twilio.RequestClient['request']>[0]) {
        const uri = opts.uri
          .replace('https://api.twilio.com', emulator.apiBaseUrl)
          .replace('https://messaging.twilio.com', emulator.messagingBaseUrl);
        return super.request<TData>({ ...opts, uri } as Parameters<
          twilio.RequestClient['request']
        >[0] & { data?: TData });
      }
    }
    const client = twilio(emulator.accountSid, emulator.authToken, {
      httpClient: new EmulatorClient(),
    });
    const fresh = emulator.addMessage({
      media: [{ contentType: 'image/gif', body: Buffer.from('gif') }],
    });

    // Act
    const accounts = await client.api.v2010.accounts.list();
    const subaccount = await client.api.v2010.accounts(sub).fetch();
    const sentToday = await client.messages.list({ dateSent: new Date(), pageSize: 1 });
    const everything = await client.messages.list({ pageSize: 1 });
    const media = await client.messages(fresh.sid).media.list({ pageSize: 1000 });
    const mediaOne = await client
      .messages(fresh.sid)
      .media(fresh.media[0]?.sid as string)
      .fetch();
    const numbers = await client.incomingPhoneNumbers.list();
    const services = await client.messaging.v1.services.list();
    const redacted = await client.messages(fresh.sid).update({ body: '' });
    const removed = await client
      .messages(fresh.sid)
      .media(fresh.media[0]?.sid as string)
      .remove();
    const gone = await client
      .messages(fresh.sid)
      .media(fresh.media[0]?.sid as string)
      .remove()
      .catch((error: { code?: number; status?: number }) => error);

    // Assess
    expect(accounts.map((a) => a.sid)).toEqual([emulator.accountSid, sub]);
    expect(subaccount.subresourceUris).toBeTruthy();
    expect(sentToday.map((m) => m.sid).sort()).toEqual([inbound.sid, fresh.sid].sort());
    expect(everything.map((m) => m.sid)).toContain(unsent.sid);
    expect(everything.find((m) => m.sid === unsent.sid)?.dateSent).toBeNull();
    expect(media.map((m) => m.sid)).toEqual([fresh.media[0]?.sid]);
    expect(mediaOne.contentType).toBe('image/gif');
    expect(numbers).toHaveLength(1);
    expect(services.map((s) => s.friendlyName)).toEqual(['Support']);
    expect(redacted.body).toBe('');
    expect(removed).toBe(true);
    expect(gone).toMatchObject({ status: 404, code: 20404 });
  });

  it('refuses a media DELETE right after its message arrived with 20009, read by the adapter from JSON', async () => {
    // Prepare
    const arrived = emulator.addMessage({
      media: [{ contentType: 'image/jpeg', body: Buffer.from('j') }],
    });
    const media = arrived.media[0];
    if (!media) throw new Error('seed missing');
    const source = createTwilioMediaSource({
      apiBaseUrl: emulator.apiBaseUrl,
      accountSid: emulator.accountSid,
      credentials: { username: emulator.accountSid, password: emulator.authToken },
      mediaOrigins: [emulator.cdnBaseUrl],
    });
    const ref = { accountSid: emulator.accountSid, messageSid: arrived.sid, mediaSid: media.sid };
    emulator.setFaults({ deleteRefusedForMs: 60_000 });

    // Act
    const refused = await source.deleteMedia(ref).catch((error: unknown) => error);
    emulator.setFaults({ deleteRefusedForMs: 0 });
    const later = await source.deleteMedia(ref);

    // Assess
    expect(refused).toBeInstanceOf(MediaNotDeletableYetError);
    expect((refused as Error).message).toContain('20009');
    expect(later).toBe('deleted');
  });
});
