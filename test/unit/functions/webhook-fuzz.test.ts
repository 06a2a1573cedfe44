import querystring from 'node:querystring';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookConfig } from '../../../lib/config/lambda.ts';
import { mediaResourcePath } from '../../../lib/domain/sids.ts';
import { createWebhookHandler } from '../../../lib/handlers/webhook-handler.ts';
import { apiGatewayV2Event } from '../../helpers/api-gateway-event.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';
import { FakeJobQueue } from '../../helpers/fake-job-queue.ts';
import { lambdaContext } from '../../helpers/lambda-context.ts';
import {
  buildMmsFields,
  encodeForm,
  type FormFields,
  signWebhook,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
} from '../../helpers/twilio-webhook.ts';

/**
 * Property-based fuzzing of the webhook Lambda, in process with a recording fake queue. The oracle
 * for "validly signed" is twilio-node's own `validateRequest` over the form as the handler parses
 * it (node:querystring, after base64 decoding): whatever the handler accepts must pass it.
 */

const URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/twilio?tenant=acme';
const OTHER_URL = 'https://attacker.example/prod/twilio?tenant=acme';
const OTHER_ACCOUNT = 'ACffffffffffffffffffffffffffffffff';
const config: WebhookConfig = {
  accountSid: TEST_ACCOUNT_SID,
  authTokens: [TEST_AUTH_TOKEN],
  mediaQueueUrl: 'http://127.0.0.1:1/000000000000/media',
  archiveAddresses: false,
};
const RUNS = { signedHostile: 4_000, tampered: 3_000, random: 2_000, rawBytes: 1_000 };
const MIN_CASES = 10_000;
/** Thousands of cases per property: far beyond the default 5 s per test. */
const TIMEOUT_MS = 120_000;

const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/);
const sid = (prefix: string) => hex32.map((hex) => `${prefix}${hex}`);
const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '%', '%%', '%zz', '&', '=', '+', '\u0000', '\uFFFD', '\uD800'),
);

/** A real-shaped MMS or WhatsApp webhook of the configured account. */
const realWebhook = fc
  .record({
    messageSid: fc.oneof(sid('MM'), sid('SM')),
    media: fc.array(sid('ME'), { maxLength: 10 }),
    whatsapp: fc.boolean(),
    body: anyText,
  })
  .map(({ messageSid, media, whatsapp, body }) =>
    buildMmsFields({
      messageSid,
      whatsapp,
      body,
      media: media.map((mediaSid) => ({ mediaSid, contentType: 'image/jpeg' })),
    }),
  );

/** MediaUrl values that must never yield a job outside `/Accounts/{ours}/Messages/{msg}/Media/ME…`. */
const hostileMediaUrl = (messageSid: string, mediaSid: string) => {
  const base = `https://api.twilio.com/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Messages/${messageSid}/Media`;
  return fc.oneof(
    fc.constantFrom(
      `${base}/../../../../Accounts/${OTHER_ACCOUNT}/Messages/${messageSid}/Media/${mediaSid}`,
      `${base}/${mediaSid}/../../../../../Accounts/${OTHER_ACCOUNT}`,
      `${base}/..%2F..%2F${mediaSid}`,
      `${base}/${mediaSid}%2F..%2F..`,
      `${base}%2F${mediaSid}`,
      `${base}/${mediaSid}\\..\\..`,
      `${base}/${mediaSid}.json`,
      `${base}/${mediaSid}/`,
      `${base}/${mediaSid}#x`,
      `${base}/%4D%45${mediaSid.slice(2)}`,
      `${base}/${mediaSid.slice(0, -1)}`,
      `${base}/${mediaSid}0`,
      `${base.replace(TEST_ACCOUNT_SID, OTHER_ACCOUNT)}/${mediaSid}`,
      `${base.replace(messageSid, `MM${'0'.repeat(32)}`)}/${mediaSid}`,
      `https://evil.example/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Messages/${messageSid}/Media/${mediaSid}`,
      `https://user:pass@api.twilio.com/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Messages/${messageSid}/Media/${mediaSid}`,
      `http://169.254.169.254/latest/meta-data/`,
      `file:///etc/passwd`,
      `//api.twilio.com/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Messages/${messageSid}/Media/${mediaSid}`,
      `${base}/${mediaSid}?redirect=https://evil.example/`,
      '',
    ),
    fc.webUrl(),
    anyText,
  );
};

/** Changes to the fields made before signing: hostile content under a valid signature. */
const fieldMutation = (fields: FormFields): fc.Arbitrary<FormFields> => {
  const copy = (): Record<string, string | string[]> => structuredClone(fields) as never;
  const keys = Object.keys(fields);
  const messageSid = String(fields.MessageSid);
  const mutations: Array<fc.Arbitrary<Record<string, string | string[]>>> = [
    // repeated keys
    fc.tuple(fc.constantFrom(...keys), anyText).map(([key, extra]) => {
      const f = copy();
      f[key] = [String(fields[key]), extra];
      return f;
    }),
    // empty and huge values (some beyond Twilio's 64 kB)
    fc
      .tuple(
        fc.constantFrom(...keys),
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 70_000 })),
      )
      .map(([key, size]) => {
        const f = copy();
        f[key] = 'x'.repeat(size);
        return f;
      }),
    // missing keys
    fc.constantFrom(...keys).map((key) => {
      const f = copy();
      delete f[key];
      return f;
    }),
    // hostile media URLs and SIDs
    fc.tuple(fc.integer({ min: 0, max: 10 }), sid('ME')).chain(([n, mediaSid]) =>
      hostileMediaUrl(messageSid, mediaSid).map((url) => {
        const f = copy();
        f[`MediaUrl${n}`] = url;
        if (Number(f.NumMedia) <= n) f.NumMedia = String(n + 1);
        return f;
      }),
    ),
    // another account, malformed SIDs, NumMedia out of range
    fc
      .tuple(
        fc.constantFrom('AccountSid', 'MessageSid', 'NumMedia'),
        fc.oneof(
          fc.constantFrom(OTHER_ACCOUNT, '../AC', 'AC%2F..', '-1', '11', '1e1', ' 3', '03', '0x1'),
          anyText,
        ),
      )
      .map(([key, value]) => {
        const f = copy();
        f[key] = value;
        return f;
      }),
    // arbitrary extra fields (Twilio adds fields without notice)
    fc.dictionary(anyText, anyText, { maxKeys: 5 }).map((extra) => ({ ...copy(), ...extra })),
  ];
  return fc.oneof(...mutations);
};

interface Invocation {
  event: APIGatewayProxyEventV2;
  /** The signature header sent (undefined: none). */
  signature: string | undefined;
}

const formEvent = (
  body: string,
  signature: string | undefined,
  extra: { base64?: boolean; method?: string; contentType?: string | null } = {},
): Invocation => {
  const headers: Record<string, string> = {};
  if (extra.contentType !== null) {
    headers['content-type'] = extra.contentType ?? 'application/x-www-form-urlencoded';
  }
  if (signature !== undefined) headers['x-twilio-signature'] = signature;
  return {
    event: apiGatewayV2Event({
      url: URL,
      method: extra.method ?? 'POST',
      body,
      isBase64Encoded: extra.base64 ?? false,
      headers,
    }),
    signature,
  };
};

const signed = (fields: FormFields, url = URL, token = TEST_AUTH_TOKEN) =>
  formEvent(encodeForm(fields), signWebhook(url, token, fields));

/** Transport-level tampering after signing: what an attacker without the token can send. */
const tampered = fc.tuple(realWebhook, fc.nat()).chain(([fields, salt]) => {
  const body = encodeForm(fields);
  const good = signWebhook(URL, TEST_AUTH_TOKEN, fields);
  return fc.oneof(
    fc.constant(formEvent(body, signWebhook(OTHER_URL, TEST_AUTH_TOKEN, fields))),
    fc.constant(formEvent(body, signWebhook(URL, `${TEST_AUTH_TOKEN.slice(1)}x`, fields))),
    fc.constant(formEvent(body, undefined)),
    fc
      .constantFrom('', ' ', 'null', good.toLowerCase(), `${good} `, `${good},${good}`)
      .map((s) => formEvent(body, s)),
    anyText.map((suffix) => formEvent(`${body}&${suffix}=${salt}`, good)),
    fc
      .nat({ max: Math.max(0, body.length - 1) })
      .map((i) =>
        formEvent(`${body.slice(0, i)}${body[i] === 'A' ? 'B' : 'A'}${body.slice(i + 1)}`, good),
      ),
    fc
      .constantFrom('%FF', '%C3%28', '%ED%A0%80', '%F0%28%8C%28', '%', '%G1', '%E2%82')
      .map((bytes) => formEvent(`${body}&Body=${bytes}`, good)),
    fc
      .constantFrom('!!!notbase64', body, `${Buffer.from(body).toString('base64')}@@`, '====')
      .map((b) => formEvent(b, good, { base64: true })),
    fc
      .constantFrom('GET', 'PUT', 'DELETE', 'OPTIONS')
      .map((method) => formEvent(body, good, { method })),
    fc
      .constantFrom(null, 'application/json', 'text/plain', 'multipart/form-data')
      .map((contentType) => formEvent(body, good, { contentType })),
  );
});

/** Anything at all: random bytes as the body, random headers, random base64 flag. */
const randomEvent = fc
  .record({
    body: fc.oneof(anyText, fc.string({ unit: 'binary', maxLength: 2_000 })),
    signature: fc.option(anyText, { nil: undefined }),
    base64: fc.boolean(),
    method: fc.constantFrom('POST', 'POST', 'GET', 'PATCH'),
    contentType: fc.constantFrom(null, 'application/x-www-form-urlencoded', 'text/plain'),
  })
  .map(({ body, signature, base64, method, contentType }) =>
    formEvent(body, signature, { base64, method, contentType }),
  );

/**
 * Raw bodies with invalid UTF-8 and odd encodings, signed over exactly what the handler will parse
 * from them: a sender holding the token may still send broken bytes, and must get no 5xx.
 */
const rawBytes = fc
  .tuple(
    realWebhook,
    fc.array(
      fc.constantFrom('%FF', '%C3%28', '%ED%A0%80', '%C0%AF', '%00', '%', '%2', '+', '%E2%82%AC'),
      { maxLength: 5 },
    ),
    fc.boolean(),
  )
  .map(([fields, junk, base64]) => {
    const body = `${encodeForm(fields)}&Body=${junk.join('')}&${junk.join('')}=x`;
    const parsed = querystring.parse(body) as FormFields;
    const signature = signWebhook(URL, TEST_AUTH_TOKEN, parsed);
    return base64
      ? formEvent(Buffer.from(body).toString('base64'), signature, { base64: true })
      : formEvent(body, signature);
  });

/** What the handler sees as the form: node:querystring over the (base64-decoded) body. */
const parsedForm = (event: APIGatewayProxyEventV2): Record<string, unknown> => {
  const raw = event.body ?? '';
  return querystring.parse(event.isBase64Encoded ? Buffer.from(raw, 'base64').toString() : raw);
};

describe('webhook handler under fuzzing', () => {
  let output: ReturnType<typeof captureOutput>;
  let cases = 0;
  const statuses = new Map<number, number>();
  const queue = new FakeJobQueue();
  const handler = createWebhookHandler({ queue, config });

  beforeAll(() => {
    // Every refusal is logged; keep the run quiet (and the captured text small).
    output = captureOutput();
  });

  afterAll(() => {
    output.restore();
  });

  /** Invokes a fresh handler and checks the properties every answer must have. */
  const check = async ({ event, signature }: Invocation) => {
    cases += 1;
    if (cases % 500 === 0) {
      // Fresh capture now and then, so the refusals' log lines do not pile up in memory.
      output.restore();
      output = captureOutput();
    }
    const form = parsedForm(event);
    queue.calls.length = 0;
    const response = await handler(structuredClone(event), lambdaContext());
    statuses.set(response.statusCode ?? 0, (statuses.get(response.statusCode ?? 0) ?? 0) + 1);
    const status = response.statusCode ?? 0;

    // never a 5xx; every refusal a 4xx
    expect(status === 200 || (status >= 400 && status < 500)).toBe(true);
    if (status !== 200) {
      expect(queue.calls).toEqual([]);
      return;
    }
    // never an enqueue (or an accepted answer) without a valid signature of the configured URL
    const validlySigned =
      signature !== undefined &&
      event.requestContext.http.method === 'POST' &&
      twilio.validateRequest(TEST_AUTH_TOKEN, signature, URL, form);
    expect(validlySigned).toBe(true);
    expect(response.body).toBe('<Response/>');
    // and every job stays inside this account's Media resource of this message
    for (const job of queue.jobs) {
      expect(job.accountSid).toBe(TEST_ACCOUNT_SID);
      expect(job.messageSid).toBe(form.MessageSid);
      const url = form[`MediaUrl${job.index}`];
      expect(typeof url).toBe('string');
      expect(new globalThis.URL(url as string).pathname).toBe(
        mediaResourcePath(TEST_ACCOUNT_SID, job.messageSid, job.mediaSid),
      );
    }
    expect(queue.jobs).toHaveLength(Number(form.NumMedia));
  };

  it(
    'accepts only validly signed webhooks of this account, whatever their content',
    async () => {
      // Prepare
      const property = fc.asyncProperty(
        realWebhook.chain((fields) =>
          fc.oneof(
            { weight: 1, arbitrary: fc.constant(fields) },
            { weight: 4, arbitrary: fieldMutation(fields) },
          ),
        ),
        async (fields) => check(signed(fields)),
      );

      // Act / Assess
      await fc.assert(property, { numRuns: RUNS.signedHostile });
      expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );

  it(
    'refuses with a 4xx and enqueues nothing for tampered or foreign-signed webhooks',
    async () => {
      // Prepare
      const property = fc.asyncProperty(tampered, check);

      // Act / Assess
      await fc.assert(property, { numRuns: RUNS.tampered });
    },
    TIMEOUT_MS,
  );

  it(
    'never answers 5xx to random input',
    async () => {
      // Prepare
      const property = fc.asyncProperty(randomEvent, check);

      // Act / Assess
      await fc.assert(property, { numRuns: RUNS.random });
    },
    TIMEOUT_MS,
  );

  it(
    'handles invalid UTF-8 and odd percent-encodings under a valid signature',
    async () => {
      // Prepare
      const property = fc.asyncProperty(rawBytes, check);

      // Act / Assess
      await fc.assert(property, { numRuns: RUNS.rawBytes });
    },
    TIMEOUT_MS,
  );

  it(`ran at least ${MIN_CASES} cases`, () => {
    // Assess
    expect(cases).toBeGreaterThanOrEqual(MIN_CASES);
    // The generators reach every branch: accepted, malformed, forged, wrong method, too large.
    expect([...statuses.keys()].sort()).toEqual([200, 400, 403, 405, 413]);
  });
});
