import { describe, expect, it } from 'vitest';
import { SUBSCRIBED_EVENT_TYPES } from '../../../lib/domain/twilio-cloud-event.ts';
import type { TwilioCredentials } from '../../../lib/domain/twilio-credentials.ts';
import type {
  AlarmState,
  DeployedStack,
  DoctorPorts,
  MessagingServiceConfig,
  PhoneNumberConfig,
  QueueDepth,
  ReconcileRunStatus,
  StoredParameter,
} from '../../../lib/ports/doctor.ts';
import type { EventSink, EventSubscription } from '../../../lib/ports/event-streams.ts';
import { type CheckId, type DoctorReport, runDoctor } from '../../../lib/use-cases/doctor.ts';

const ACCOUNT = `AC${'a'.repeat(32)}`;
const KEY_SID = `SK${'b'.repeat(32)}`;
const TOKEN = 'token-canary-1234';
const KEY_SECRET = 'key-secret-canary-5678';
const WEBHOOK_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/twilio/messages';
const NOW = new Date('2026-12-01T12:00:00.000Z');
const TOKEN_PARAMETER = '/twilio-media-archiver/dev/twilio-auth-token';
const KEY_PARAMETER = '/twilio-media-archiver/dev/twilio-api-key-secret';
const DLQ_URL =
  'https://sqs.eu-west-1.amazonaws.com/123456789012/twilio-media-archiver-dev-media-dlq';

const healthyStack = (): DeployedStack => ({
  name: 'twilio-media-archiver-dev',
  status: 'UPDATE_COMPLETE',
  outputs: {
    WebhookUrl: WEBHOOK_URL,
    DeadLetterQueueUrl: DLQ_URL,
    MediaQueueUrl:
      'https://sqs.eu-west-1.amazonaws.com/123456789012/twilio-media-archiver-dev-media',
    ArchiveBucketName: 'archive-bucket',
  },
  parameters: { TwilioAccountSid: ACCOUNT },
  functions: [
    {
      logicalId: 'WebhookLambdaFunction',
      name: 'twilio-media-archiver-dev-webhook',
      environment: {
        TWILIO_ACCOUNT_SID: ACCOUNT,
        TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_PARAMETER,
        TWILIO_AUTH_TOKEN_PREVIOUS_PARAMETER: '',
      },
    },
    {
      logicalId: 'ArchiverLambdaFunction',
      name: 'twilio-media-archiver-dev-archiver',
      environment: {
        TWILIO_ACCOUNT_SID: ACCOUNT,
        ARCHIVE_BUCKET: 'archive-bucket',
        ARCHIVE_PREFIX: 'media/',
        TWILIO_API_KEY_SID: '',
        TWILIO_API_KEY_SECRET_PARAMETER: '',
        TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_PARAMETER,
      },
    },
    {
      logicalId: 'ReconcileLambdaFunction',
      name: 'twilio-media-archiver-dev-reconcile',
      environment: {
        TWILIO_ACCOUNT_SID: ACCOUNT,
        ARCHIVE_BUCKET: 'archive-bucket',
        ARCHIVE_PREFIX: 'media/',
        TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_PARAMETER,
      },
    },
  ],
  alarmNames: [
    'twilio-media-archiver-dev-dlq-not-empty',
    'twilio-media-archiver-dev-webhook-errors',
  ],
});

const number = (overrides: Partial<PhoneNumberConfig> = {}): PhoneNumberConfig => ({
  sid: `PN${'1'.repeat(32)}`,
  phoneNumber: '+15005550006',
  smsUrl: WEBHOOK_URL,
  smsMethod: 'POST',
  smsApplicationSid: null,
  ...overrides,
});

const service = (overrides: Partial<MessagingServiceConfig> = {}): MessagingServiceConfig => ({
  sid: `MG${'2'.repeat(32)}`,
  friendlyName: 'Archive',
  inboundRequestUrl: 'https://elsewhere.example.com/sms',
  inboundMethod: 'POST',
  useInboundWebhookOnNumber: false,
  ...overrides,
});

/** Every port healthy; each test breaks one thing. */
const ALARM_TOPIC = 'arn:aws:sns:us-east-1:123456789012:twilio-media-archiver-dev-alarms';

class World {
  stack: DeployedStack | undefined = healthyStack();
  stackError: Error | undefined;
  parameters = new Map<string, StoredParameter>([
    [TOKEN_PARAMETER, { name: TOKEN_PARAMETER, type: 'SecureString', value: TOKEN }],
    [KEY_PARAMETER, { name: KEY_PARAMETER, type: 'SecureString', value: KEY_SECRET }],
  ]);
  ssmError: Error | undefined;
  /** Passwords Twilio accepts. */
  accepted = new Set([TOKEN, KEY_SECRET]);
  numbers: PhoneNumberConfig[] = [number()];
  services: MessagingServiceConfig[] = [service()];
  listedWith: string[] = [];
  depth: QueueDepth = { visible: 0, inFlight: 0, delayed: 0 };
  oldestAge: number | undefined;
  alarms: AlarmState[] = [
    { name: 'twilio-media-archiver-dev-dlq-not-empty', state: 'OK', actions: [ALARM_TOPIC] },
    { name: 'twilio-media-archiver-dev-webhook-errors', state: 'OK', actions: [ALARM_TOPIC] },
  ];
  /** Subscriptions of each alarm topic, by ARN. */
  topics = new Map([[ALARM_TOPIC, { confirmed: 1, pendingConfirmation: 0 }]]);
  reconcile: ReconcileRunStatus | undefined = {
    finishedAt: '2026-12-01T03:00:00.000Z',
    complete: true,
    since: '2026-11-29',
    until: '2026-12-01',
    direction: 'inbound',
    counts: { enqueued: 2, alreadyArchived: 40 },
  };
  reconcileRead: [string, string] | undefined;
  subaccounts: Array<{ sid: string; status: string }> = [];
  /** A subaccount's numbers, read at its own path; absent = none. */
  subaccountNumbers = new Map<string, PhoneNumberConfig[]>();
  unreadable = new Set<string>();
  servicesReadAt: string[] = [];
  /** Event Streams per account; `eventsReadWith` = the usernames the Events API saw. */
  sinks = new Map<string, EventSink[]>();
  subscriptions = new Map<string, EventSubscription[]>();
  subaccountTokens = new Map<string, string>();
  eventsReadWith: string[] = [];

  ports(): DoctorPorts {
    const twilio = (account: string, credentials: TwilioCredentials) => {
      const check = async () => {
        if (!this.accepted.has(credentials.password)) {
          throw new Error('Twilio refused the credential (401 code 20003)');
        }
      };
      return {
        probe: check,
        listPhoneNumbers: async () => {
          await check();
          if (this.unreadable.has(account)) throw new Error('Twilio answered 404 code 20404');
          this.listedWith.push(credentials.username);
          return account === ACCOUNT ? this.numbers : (this.subaccountNumbers.get(account) ?? []);
        },
        listMessagingServices: async () => {
          await check();
          this.servicesReadAt.push(account);
          return this.services;
        },
      };
    };
    return {
      stack: {
        read: async () => {
          if (this.stackError) throw this.stackError;
          return this.stack;
        },
      },
      parameters: {
        read: async (names) => {
          if (this.ssmError) throw this.ssmError;
          const found = names.flatMap((n) => {
            const p = this.parameters.get(n);
            return p ? [p] : [];
          });
          return { found, missing: names.filter((n) => !this.parameters.has(n)) };
        },
      },
      twilio,
      accounts: () => ({
        listSubaccounts: async () =>
          this.subaccounts.map((a) => ({
            ...a,
            ownerAccountSid: ACCOUNT,
            friendlyName: a.sid,
            dateCreated: '',
            dateUpdated: '',
          })),
        getSubaccount: async (sid: string) => {
          const token = this.subaccountTokens.get(sid);
          return token === undefined
            ? undefined
            : {
                sid,
                status: 'active',
                ownerAccountSid: ACCOUNT,
                friendlyName: sid,
                dateCreated: '',
                dateUpdated: '',
                authToken: token,
              };
        },
      }),
      events: (account, credentials) => ({
        listSinks: async () => {
          this.eventsReadWith.push(credentials.username);
          return this.sinks.get(account) ?? [];
        },
        listSubscriptions: async () => this.subscriptions.get(account) ?? [],
        createSink: async () => {
          throw new Error('doctor never writes');
        },
        testSink: async () => {
          throw new Error('doctor never writes');
        },
        validateSink: async () => {
          throw new Error('doctor never writes');
        },
        createSubscription: async () => {
          throw new Error('doctor never writes');
        },
        deleteSubscription: async () => {
          throw new Error('doctor never writes');
        },
        deleteSink: async () => {
          throw new Error('doctor never writes');
        },
      }),
      queues: { depth: async () => this.depth },
      metrics: { oldestMessageAgeSeconds: async () => this.oldestAge },
      alarmTopics: {
        subscriptions: async (arn) =>
          this.topics.get(arn) ?? { confirmed: 0, pendingConfirmation: 0 },
      },
      alarms: {
        describe: async (names) => this.alarms.filter((a) => names.includes(a.name)),
      },
      reconcileStatus: {
        read: async (bucket, prefix) => {
          this.reconcileRead = [bucket, prefix];
          return this.reconcile;
        },
      },
    };
  }

  run(): Promise<DoctorReport> {
    return runDoctor(this.ports(), {
      stackName: 'twilio-media-archiver-dev',
      reconcileMaxAgeHours: 26,
      now: () => NOW,
    });
  }
}

const check = (report: DoctorReport, id: CheckId) => {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
};

const statuses = (report: DoctorReport) =>
  Object.fromEntries(report.checks.map((c) => [c.id, c.status]));

describe('runDoctor', () => {
  it('passes every check of a healthy stack, in a fixed order', async () => {
    // Act
    const report = await new World().run();

    // Assess
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual([
      'stack',
      'ssm-parameters',
      'twilio-credentials',
      'twilio-webhook',
      'event-streams',
      'dead-letter-queue',
      'alarms',
      'reconcile',
    ]);
    expect(report.checks.every((c) => c.status === 'ok')).toBe(true);
  });

  it('lists the accounts served when the stack sets TWILIO_SUBACCOUNTS', async () => {
    // Prepare
    const world = new World();
    const [sub1, sub2] = [`AC${'3'.repeat(32)}`, `AC${'4'.repeat(32)}`];
    world.subaccounts = [
      { sid: sub1, status: 'active' },
      { sid: sub2, status: 'closed' },
    ];
    for (const f of world.stack?.functions ?? []) f.environment.TWILIO_SUBACCOUNTS = 'all';

    // Act
    const credentials = check(await world.run(), 'twilio-credentials');
    const plain = check(await new World().run(), 'twilio-credentials');

    // Assess
    expect(credentials.status).toBe('ok');
    expect(credentials.summary).toContain(
      'serves 2 subaccounts (TWILIO_SUBACCOUNTS=all), 1 suspended or closed',
    );
    expect(credentials.details?.accounts).toEqual([
      { sid: ACCOUNT, status: 'main' },
      { sid: sub1, status: 'active' },
      { sid: sub2, status: 'closed' },
    ]);
    expect(plain.summary).not.toContain('subaccounts');
  });

  it('never puts a secret value in the report', async () => {
    // Prepare
    const world = new World();
    world.accepted.clear();

    // Act
    const healthy = JSON.stringify(await new World().run());
    const failing = JSON.stringify(await world.run());

    // Assess
    for (const text of [healthy, failing]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(KEY_SECRET);
      expect(text).not.toContain('+15005550006');
    }
  });

  describe('stack', () => {
    it('fails with the stage and region to check, and skips the rest, when there is no stack', async () => {
      // Prepare
      const world = new World();
      world.stack = undefined;

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'stack')).toMatchObject({ status: 'fail' });
      expect(check(report, 'stack').summary).toContain('--stage and --region');
      expect(report.checks.slice(1).every((c) => c.status === 'skip')).toBe(true);
      expect(report.ok).toBe(false);
    });

    it('fails when CloudFormation cannot be read', async () => {
      // Prepare
      const world = new World();
      world.stackError = Object.assign(new Error('User is not authorized'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'stack').summary).toBe(
        'cannot read twilio-media-archiver-dev: AccessDenied: User is not authorized',
      );
    });

    it('fails a stack that is rolled back or lacks an output', async () => {
      // Prepare
      const rolledBack = new World();
      (rolledBack.stack as DeployedStack).status = 'UPDATE_ROLLBACK_COMPLETE';
      const noOutput = new World();
      delete (noOutput.stack as DeployedStack).outputs.WebhookUrl;

      // Act
      const [a, b] = await Promise.all([rolledBack.run(), noOutput.run()]);

      // Assess
      expect(check(a, 'stack')).toMatchObject({ status: 'fail' });
      expect(check(a, 'stack').summary).toContain('UPDATE_ROLLBACK_COMPLETE');
      expect(check(b, 'stack').summary).toContain('lacks output WebhookUrl');
      expect(check(b, 'twilio-webhook')).toMatchObject({ status: 'fail' });
    });
  });

  describe('ssm-parameters', () => {
    it('names the parameters that are missing or not SecureStrings', async () => {
      // Prepare
      const world = new World();
      world.parameters.set(TOKEN_PARAMETER, {
        name: TOKEN_PARAMETER,
        type: 'String',
        value: TOKEN,
      });
      const stack = world.stack as DeployedStack;
      const webhook = stack.functions[0];
      if (webhook) webhook.environment.TWILIO_AUTH_TOKEN_PREVIOUS_PARAMETER = '/old-token';

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'ssm-parameters')).toMatchObject({
        status: 'fail',
        summary: `not found: /old-token; not a SecureString: ${TOKEN_PARAMETER}`,
      });
    });

    it('warns, without failing, that records name no participant when no key is configured', async () => {
      // Prepare
      const world = new World();

      // Act
      const report = await world.run();

      // Assess
      const result = check(report, 'ssm-parameters');
      expect(result?.status).toBe('ok');
      expect(result?.summary).toContain(
        'warning: no participant key (participantKeyParameter is empty): records name no participant',
      );
      expect(result?.details).toMatchObject({ participantKey: 'none' });
    });

    it('accepts a participant key of 32 characters or more and fails a shorter one', async () => {
      // Prepare
      const keyParameter = '/twilio-media-archiver/dev/archive-participant-key';
      const withKey = (value: string) => {
        const world = new World();
        for (const f of (world.stack as DeployedStack).functions) {
          if (f.logicalId !== 'ArchiverLambdaFunction') {
            f.environment.ARCHIVE_PARTICIPANT_KEY_PARAMETER = keyParameter;
          }
        }
        world.parameters.set(keyParameter, { name: keyParameter, type: 'SecureString', value });
        return world;
      };

      // Act
      const good = await withKey('k'.repeat(64)).run();
      const short = await withKey('k'.repeat(31)).run();

      // Assess
      expect(check(good, 'ssm-parameters')?.status).toBe('ok');
      expect(check(good, 'ssm-parameters')?.summary).not.toContain('warning');
      expect(check(short, 'ssm-parameters')).toMatchObject({
        status: 'fail',
        summary: `shorter than 32 characters: ${keyParameter}`,
      });
    });

    it('fails and skips the Twilio checks when SSM cannot be read', async () => {
      // Prepare
      const world = new World();
      world.ssmError = Object.assign(new Error('no access'), { name: 'AccessDeniedException' });

      // Act
      const report = await world.run();

      // Assess
      expect(statuses(report)).toMatchObject({
        'ssm-parameters': 'fail',
        'twilio-credentials': 'skip',
        'twilio-webhook': 'skip',
        'dead-letter-queue': 'ok',
      });
    });
  });

  describe('twilio-credentials', () => {
    it('checks the auth token and the API key when the archive uses one', async () => {
      // Prepare
      const world = new World();
      const archiver = (world.stack as DeployedStack).functions[1];
      if (archiver) {
        archiver.environment.TWILIO_API_KEY_SID = KEY_SID;
        archiver.environment.TWILIO_API_KEY_SECRET_PARAMETER = KEY_PARAMETER;
        archiver.environment.TWILIO_AUTH_TOKEN_PARAMETER = '';
      }

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'twilio-credentials')).toMatchObject({
        status: 'ok',
        summary: `auth token and API key ${KEY_SID} accepted for ${ACCOUNT}`,
      });
      expect(world.listedWith).toEqual([KEY_SID]);
    });

    it('fails when Twilio refuses the auth token', async () => {
      // Prepare
      const world = new World();
      world.accepted.delete(TOKEN);

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'twilio-credentials')).toMatchObject({
        status: 'fail',
        summary: 'auth token: Twilio refused the credential (401 code 20003)',
      });
      expect(check(report, 'twilio-webhook').status).toBe('skip');
    });
  });

  describe('twilio-webhook', () => {
    it('passes when a number points at the WebhookUrl, naming the services that do not', async () => {
      // Act
      const report = await new World().run();

      // Assess
      expect(check(report, 'twilio-webhook').summary).toBe(
        `1 of 1 numbers and 0 of 1 Messaging Services point at ${WEBHOOK_URL}; not: MG${'2'.repeat(32)} (Archive) inbound_request_url is another URL`,
      );
    });

    it('compares the whole WebhookUrl but prints only its origin and path', async () => {
      // Prepare: a shared secret in the query, in the output, the numbers and the served accounts
      const keyed = `${WEBHOOK_URL}?key=s3cr3t-k3y`;
      const world = new World();
      if (!world.stack) throw new Error('stack missing');
      world.stack.outputs.WebhookUrl = keyed;
      world.numbers = [number({ smsUrl: keyed })];
      const served = new World();
      if (!served.stack) throw new Error('stack missing');
      served.stack.outputs.WebhookUrl = keyed;
      served.numbers = [number({ smsUrl: keyed })];
      served.subaccounts = [{ sid: `AC${'5'.repeat(32)}`, status: 'active' }];
      for (const f of served.stack.functions) f.environment.TWILIO_SUBACCOUNTS = 'all';

      // Act
      const single = check(await world.run(), 'twilio-webhook');
      const perAccount = check(await served.run(), 'twilio-webhook');

      // Assess
      expect(single.status).toBe('ok');
      expect(single.summary).toContain(`point at ${WEBHOOK_URL}?…`);
      expect(perAccount.status).toBe('ok');
      expect(perAccount.summary).toContain(`pointing at ${WEBHOOK_URL}?…`);
      expect(JSON.stringify([single, perAccount])).not.toContain('s3cr3t-k3y');
    });

    it('passes when only a Messaging Service points at it', async () => {
      // Prepare
      const world = new World();
      world.numbers = [number({ smsUrl: null })];
      world.services = [service({ inboundRequestUrl: WEBHOOK_URL })];

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'twilio-webhook').status).toBe('ok');
      expect(check(report, 'twilio-webhook').summary).toContain(
        `not: PN${'1'.repeat(32)} (…0006) no sms_url`,
      );
    });

    it('fails when nothing points at it, saying why for each', async () => {
      // Prepare
      const world = new World();
      world.numbers = [
        number({ smsMethod: 'GET' }),
        number({ sid: `PN${'3'.repeat(32)}`, smsApplicationSid: `AP${'4'.repeat(32)}` }),
      ];
      world.services = [
        service({ inboundRequestUrl: WEBHOOK_URL, useInboundWebhookOnNumber: true }),
      ];

      // Act
      const report = await world.run();

      // Assess
      const result = check(report, 'twilio-webhook');
      expect(result.status).toBe('fail');
      expect(result.summary).toContain('0 of 2 numbers and 0 of 1 Messaging Services');
      expect(result.summary).toContain('sms_method is GET');
      expect(result.summary).toContain(`answered by TwiML app AP${'4'.repeat(32)}`);
      expect(result.summary).toContain("defers to its numbers' own sms_url");
    });

    it('fails when the account has neither numbers nor services', async () => {
      // Prepare
      const world = new World();
      world.numbers = [];
      world.services = [];

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'twilio-webhook')).toMatchObject({
        status: 'fail',
        summary: `the account has no phone number and no Messaging Service to point at ${WEBHOOK_URL}`,
      });
    });
  });

  describe('twilio-webhook per served account (TWILIO_SUBACCOUNTS)', () => {
    const [SUB1, SUB2, SUB3] = [
      `AC${'5'.repeat(32)}`,
      `AC${'6'.repeat(32)}`,
      `AC${'7'.repeat(32)}`,
    ];
    const servingAll = () => {
      const world = new World();
      world.subaccounts = [
        { sid: SUB1, status: 'active' },
        { sid: SUB2, status: 'active' },
      ];
      for (const f of world.stack?.functions ?? []) f.environment.TWILIO_SUBACCOUNTS = 'all';
      return world;
    };

    it('passes when every served account with numbers has one pointing at the WebhookUrl', async () => {
      // Prepare
      const world = servingAll();
      world.subaccounts.push({ sid: SUB3, status: 'active' });
      world.subaccountNumbers.set(SUB1, [
        number({ sid: `PN${'a'.repeat(32)}`, phoneNumber: '+15005551111' }),
        number({ sid: `PN${'b'.repeat(32)}`, smsUrl: 'https://old.example.com/sms' }),
      ]);
      world.subaccountNumbers.set(SUB2, [number({ phoneNumber: '+15005552222' })]);

      // Act
      const result = check(await world.run(), 'twilio-webhook');

      // Assess
      expect(result.status).toBe('ok');
      expect(result.summary).toBe(
        `4 accounts: AC…aaaa (main) 1/1 numbers, 0/1 Messaging Services (MG${'2'.repeat(32)} (Archive) inbound_request_url is another URL), AC…5555 1/2 numbers (PN${'b'.repeat(32)} (…0006) sms_url is another URL), AC…6666 1/1 numbers, AC…7777 no numbers; pointing at ${WEBHOOK_URL}`,
      );
      const accounts = result.details?.accounts as Array<Record<string, unknown>>;
      expect(accounts.map((a) => [a.accountSid, a.numbers, a.numbersPointing, a.ok])).toEqual([
        [ACCOUNT, 1, 1, true],
        [SUB1, 2, 1, true],
        [SUB2, 1, 1, true],
        [SUB3, 0, 0, true],
      ]);
      // Messaging v1 answers for the credential's own account: read once, for the main.
      expect(world.servicesReadAt).toEqual([ACCOUNT]);
      expect(JSON.stringify(result)).not.toContain('+15005551111');
      expect(JSON.stringify(result)).not.toContain('5552222');
    });

    it('fails naming the served account whose numbers all point elsewhere', async () => {
      // Prepare
      const world = servingAll();
      world.subaccountNumbers.set(SUB1, [number()]);
      world.subaccountNumbers.set(SUB2, [number({ smsUrl: 'https://old.example.com/sms' })]);

      // Act
      const result = check(await world.run(), 'twilio-webhook');

      // Assess
      expect(result.status).toBe('fail');
      expect(result.summary).toMatch(
        new RegExp(
          `^3 accounts: AC…6666 0/1 numbers \\(PN${'1'.repeat(32)} \\(…0006\\) sms_url is another URL\\), AC…aaaa \\(main\\)`,
        ),
      );
      const accounts = result.details?.accounts as Array<Record<string, unknown>>;
      expect(accounts.filter((a) => !a.ok).map((a) => a.accountSid)).toEqual([SUB2]);
    });

    it('fails when a served account cannot be read, and reads only the listed ones', async () => {
      // Prepare
      const world = servingAll();
      for (const f of world.stack?.functions ?? []) f.environment.TWILIO_SUBACCOUNTS = SUB2;
      world.unreadable.add(SUB2);

      // Act
      const result = check(await world.run(), 'twilio-webhook');

      // Assess
      expect(result.status).toBe('fail');
      expect(result.summary).toContain('AC…6666 unreadable: Twilio answered 404 code 20404');
      expect(result.summary).not.toContain('AC…5555');
    });

    it('fails when no served account has anything pointing at the WebhookUrl', async () => {
      // Prepare
      const world = servingAll();
      world.numbers = [];
      world.services = [];

      // Act
      const result = check(await world.run(), 'twilio-webhook');

      // Assess
      expect(result.status).toBe('fail');
      expect(result.summary).toBe(
        `3 accounts: AC…aaaa (main) no numbers, AC…5555 no numbers, AC…6666 no numbers; pointing at ${WEBHOOK_URL}`,
      );
    });
  });

  describe('dead-letter-queue', () => {
    it('passes an empty queue', async () => {
      // Act
      const report = await new World().run();

      // Assess
      expect(check(report, 'dead-letter-queue').summary).toBe(
        'twilio-media-archiver-dev-media-dlq is empty',
      );
    });

    it('fails a queue holding jobs, with the oldest age from CloudWatch', async () => {
      // Prepare
      const world = new World();
      world.depth = { visible: 3, inFlight: 1, delayed: 0 };
      world.oldestAge = 5400;

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'dead-letter-queue')).toMatchObject({
        status: 'fail',
        summary:
          '4 dead-lettered jobs in twilio-media-archiver-dev-media-dlq (1 in flight), oldest 90 min; their reasons: media-archive redrive --dry-run',
        details: { visible: 3, inFlight: 1, oldestAgeSeconds: 5400 },
      });
    });

    it('says "unknown" when CloudWatch has no age', async () => {
      // Prepare
      const world = new World();
      world.depth = { visible: 1, inFlight: 0, delayed: 0 };

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'dead-letter-queue').summary).toContain('oldest unknown');
    });
  });

  describe('alarms', () => {
    it('passes when none is in ALARM, counting the states', async () => {
      // Prepare
      const world = new World();
      world.alarms[1] = {
        name: 'twilio-media-archiver-dev-webhook-errors',
        state: 'INSUFFICIENT_DATA',
        actions: [ALARM_TOPIC],
      };

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'alarms')).toMatchObject({
        status: 'ok',
        summary: '2 alarms (1 OK, 1 INSUFFICIENT_DATA)',
      });
    });

    it('fails and names the alarms in ALARM', async () => {
      // Prepare
      const world = new World();
      world.alarms[0] = {
        name: 'twilio-media-archiver-dev-dlq-not-empty',
        state: 'ALARM',
        actions: [ALARM_TOPIC],
      };

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'alarms')).toMatchObject({
        status: 'fail',
        summary: '2 alarms (1 ALARM, 1 OK); in ALARM: twilio-media-archiver-dev-dlq-not-empty',
      });
    });

    it('fails a stack without alarms, with a clear message', async () => {
      // Prepare
      const world = new World();
      (world.stack as DeployedStack).alarmNames = [];

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'alarms')).toMatchObject({
        status: 'fail',
        summary:
          'twilio-media-archiver-dev has no CloudWatch alarm (nothing will tell anyone when jobs dead-letter or a function fails)',
      });
    });

    it('fails when the alarm topic has no confirmed subscription, and says how to add one', async () => {
      // Prepare: the default deploy (no alarmEmail), or an e-mail nobody confirmed.
      const world = new World();
      world.topics.set(ALARM_TOPIC, { confirmed: 0, pendingConfirmation: 1 });

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'alarms')).toMatchObject({
        status: 'fail',
        summary:
          '2 alarms (2 OK); alarm topic twilio-media-archiver-dev-alarms has no confirmed subscription (1 pending confirmation): nobody is told; deploy with --param="alarmEmail=you@example.com" and confirm the e-mail AWS sends',
      });
    });

    it('fails when no alarm notifies anyone', async () => {
      // Prepare
      const world = new World();
      world.alarms = world.alarms.map((alarm) => ({ ...alarm, actions: [] }));

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'alarms').summary).toContain('no alarm notifies anyone (no SNS action)');
      expect(check(report, 'alarms').status).toBe('fail');
    });

    it('fails when an alarm of the stack is missing from CloudWatch', async () => {
      // Prepare
      const world = new World();
      world.alarms = world.alarms.slice(0, 1);

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'alarms').summary).toContain(
        'in the stack but not in CloudWatch: twilio-media-archiver-dev-webhook-errors',
      );
    });
  });

  describe('reconcile', () => {
    it('passes a recent complete run, read from the archive bucket and prefix', async () => {
      // Prepare
      const world = new World();

      // Act
      const report = await world.run();

      // Assess
      expect(world.reconcileRead).toEqual(['archive-bucket', 'media/']);
      expect(check(report, 'reconcile')).toMatchObject({
        status: 'ok',
        summary:
          'last run 2026-12-01T03:00:00.000Z (9.0 h ago), 2026-11-29..2026-12-01: 2 enqueued, 40 already archived',
      });
    });

    it('fails when no run was ever recorded', async () => {
      // Prepare
      const world = new World();
      world.reconcile = undefined;

      // Act
      const report = await world.run();

      // Assess
      expect(check(report, 'reconcile')).toMatchObject({ status: 'fail' });
      expect(check(report, 'reconcile').summary).toContain('no reconcile run recorded');
    });

    it('fails a run older than the limit, and one that stopped early', async () => {
      // Prepare
      const old = new World();
      if (old.reconcile) old.reconcile.finishedAt = '2026-11-29T12:00:00.000Z';
      const partial = new World();
      if (partial.reconcile) partial.reconcile.complete = false;

      // Act
      const [a, b] = await Promise.all([old.run(), partial.run()]);

      // Assess
      expect(check(a, 'reconcile').summary).toContain('(2.0 days ago)');
      expect(check(a, 'reconcile').summary).toContain('older than 26 h');
      expect(check(b, 'reconcile').summary).toContain('stopped before the end of its window');
      expect([check(a, 'reconcile').status, check(b, 'reconcile').status]).toEqual([
        'fail',
        'fail',
      ]);
    });
  });
});

describe('runDoctor: Event Streams', () => {
  const EVENTS_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/twilio/events';
  const sinkSid = (n: number) => `DG${String(n).repeat(32)}`;
  const webhookSink = (overrides: Partial<EventSink> = {}): EventSink => ({
    sid: sinkSid(1),
    status: 'active',
    description: 'media-archive',
    target: {
      kind: 'webhook',
      destination: `https://twilio:sink-password-123456@${EVENTS_URL.slice(8)}`,
    },
    ...overrides,
  });
  const subscription = (types = SUBSCRIBED_EVENT_TYPES, sink = sinkSid(1)): EventSubscription => ({
    sid: `DF${'1'.repeat(32)}`,
    sinkSid: sink,
    description: 'media-archive',
    types: [...types],
  });
  const eventWorld = (intake: string) => {
    const world = new World();
    if (world.stack)
      world.stack.outputs = { ...world.stack.outputs, Intake: intake, EventsUrl: EVENTS_URL };
    world.sinks.set(ACCOUNT, [webhookSink()]);
    world.subscriptions.set(ACCOUNT, [subscription()]);
    return world;
  };

  it('on a webhook-only stack says so and that the webhook is the live intake', async () => {
    // Act
    const report = await new World().run();

    // Assess
    expect(check(report, 'event-streams')).toMatchObject({
      status: 'ok',
      summary: 'no Event Streams intake deployed; live intake: webhook',
    });
  });

  it('passes an event-streams stack whose account has an active sink subscribed to the 5 types', async () => {
    // Prepare: the numbers' webhooks point at the customer's app, as they should in event mode
    const world = eventWorld('event-streams-webhook');
    world.numbers = [number({ smsUrl: 'https://crm.example.com/sms' })];

    // Act
    const report = await world.run();

    // Assess
    expect(report.ok).toBe(true);
    expect(check(report, 'twilio-webhook').summary).toContain("not this deployment's intake");
    expect(check(report, 'event-streams').summary).toMatch(
      /^live intake: event streams; AC…aaaa \(main\) webhook sink DG1+ active, all 5 event types subscribed$/,
    );
    expect(JSON.stringify(report)).not.toContain('sink-password-123456');
  });

  it('says both intakes are live when the webhook points at the stack too', async () => {
    // Act
    const report = await eventWorld('webhook,event-streams-webhook').run();

    // Assess
    expect(report.ok).toBe(true);
    expect(check(report, 'event-streams').summary).toMatch(
      /^live intake: webhook and event streams;/,
    );
  });

  it.each([
    [
      'no sink',
      () => [],
      [subscription()],
      /no sink for this intake \(run media-archive connect\)/,
    ],
    [
      'a sink of another URL',
      () => [
        webhookSink({
          target: { kind: 'webhook', destination: 'https://elsewhere.example.com/hook' },
        }),
      ],
      [subscription()],
      /no sink for this intake/,
    ],
    [
      'a sink not validated',
      () => [webhookSink({ status: 'validating' })],
      [subscription()],
      /validating/,
    ],
    [
      'a subscription short of types',
      () => [webhookSink()],
      [subscription(SUBSCRIBED_EVENT_TYPES.slice(0, 3))],
      /no subscription names message\.failed, message\.read/,
    ],
  ])('fails with %s', async (_name, sinks, subscriptions, why) => {
    // Prepare
    const world = eventWorld('event-streams-webhook');
    world.sinks.set(ACCOUNT, sinks());
    world.subscriptions.set(ACCOUNT, subscriptions);

    // Act
    const report = await world.run();

    // Assess
    expect(report.ok).toBe(false);
    expect(check(report, 'event-streams').status).toBe('fail');
    expect(check(report, 'event-streams').summary).toMatch(/^live intake: none;/);
    expect(check(report, 'event-streams').summary).toMatch(why);
  });

  it('reads each served subaccount with its own token and names the unconnected one first', async () => {
    // Prepare
    const world = eventWorld('event-streams-webhook');
    const [sub1, sub2] = [`AC${'3'.repeat(32)}`, `AC${'4'.repeat(32)}`];
    world.subaccounts = [
      { sid: sub1, status: 'active' },
      { sid: sub2, status: 'active' },
    ];
    for (const f of world.stack?.functions ?? []) f.environment.TWILIO_SUBACCOUNTS = 'all';
    world.subaccountTokens.set(sub1, 'sub1-token');
    world.subaccountTokens.set(sub2, 'sub2-token');
    world.sinks.set(sub1, [webhookSink({ sid: sinkSid(3) })]);
    world.subscriptions.set(sub1, [subscription(SUBSCRIBED_EVENT_TYPES, sinkSid(3))]);

    // Act
    const result = check(await world.run(), 'event-streams');

    // Assess
    expect(result.status).toBe('fail');
    expect(result.summary).toMatch(/^live intake: none; AC…4444 no sink for this intake/);
    expect(world.eventsReadWith.sort()).toEqual([ACCOUNT, sub1, sub2].sort());
  });
});
