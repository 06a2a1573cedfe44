import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../lib/cli/main.ts';
import { writeStackFile } from '../../../lib/config/local-stack-files.ts';
import { SUBSCRIBED_EVENT_TYPES } from '../../../lib/domain/twilio-cloud-event.ts';
import {
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import { captureStream as capture } from '../../helpers/capture-stdout.ts';
import { startSinkRecorder } from '../../helpers/event-sink-recorder.ts';

const SINK_USER = 'twilio-events';
const SINK_PASSWORD = 'local-sink-password-0123456789';

describe('media-archive connect --local', () => {
  let emulator: TwilioEmulator;
  let sink: Awaited<ReturnType<typeof startSinkRecorder>>;
  let dataDir: string;

  const connect = async (...args: string[]) => {
    const stdout = capture();
    const stderr = capture();
    const code = await runCli(['connect', '--local', ...args], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: { LOCAL_DATA_DIR: dataDir },
    });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };

  beforeEach(async () => {
    emulator = await startTwilioEmulator();
    sink = await startSinkRecorder();
    dataDir = await mkdtemp(join(tmpdir(), 'connect-'));
    await writeStackFile(dataDir, {
      pid: process.pid,
      webhookUrl: `${sink.baseUrl}/twilio/messages`,
      s3Endpoint: 'http://127.0.0.1:1',
      bucket: 'twilio-media-archive',
      archivePrefix: '',
      accountSid: emulator.accountSid,
      emulator: {
        apiBaseUrl: emulator.apiBaseUrl,
        authToken: emulator.authToken,
        eventsBaseUrl: emulator.eventsBaseUrl,
      },
      eventsUrl: `${sink.baseUrl}/twilio/events`,
      eventSink: { username: SINK_USER, password: SINK_PASSWORD },
    });
  });
  afterEach(async () => {
    await emulator.close();
    await sink.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('--dry-run prints the calls with the sink password masked and creates nothing', async () => {
    // Act
    const result = await connect('--dry-run');

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${emulator.accountSid}: would POST /v1/Sinks`);
    expect(result.stdout).toContain(`SinkType=webhook`);
    expect(result.stdout).toContain(`${SINK_USER}:****@`);
    expect(result.stdout).not.toContain(SINK_PASSWORD);
    expect(result.stdout).toContain('would POST /v1/Subscriptions');
    for (const { type } of SUBSCRIBED_EVENT_TYPES) expect(result.stdout).toContain(type);
    expect(emulator.sinks).toEqual([]);
    expect(emulator.eventSubscriptions).toEqual([]);
    expect(
      emulator.requests.filter((r) => r.origin === 'events').map((r) => r.method),
    ).not.toContain('POST');
  });

  it('creates the sink and the subscription once: a second run creates nothing', async () => {
    // Act
    const first = await connect();
    const second = await connect();

    // Assess
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/created sink DG[0-9a-f]{32} \(active\)/);
    expect(first.stdout).toMatch(/created subscription DF[0-9a-f]{32}/);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('(nothing created)');
    expect(second.stdout).not.toContain('created sink');
    expect(emulator.sinks).toHaveLength(1);
    expect(emulator.eventSubscriptions).toHaveLength(1);
    expect(emulator.sinks[0]?.configuration).toMatchObject({
      destination: `http://${SINK_USER}:${SINK_PASSWORD}@${sink.baseUrl.slice('http://'.length)}/twilio/events`,
    });
    expect(emulator.eventSubscriptions[0]?.types).toEqual(SUBSCRIBED_EVENT_TYPES);
    expect(first.stdout + second.stdout).not.toContain(SINK_PASSWORD);
  });

  it('connects a subaccount with its own credential, and its events reach the sink', async () => {
    // Prepare
    const sub = emulator.addSubaccount();

    // Act
    const result = await connect('--account', sub.sid);
    const message = emulator.addMessage({
      accountSid: sub.sid,
      media: [{ contentType: 'image/png', body: Buffer.from('png') }],
    });
    await emulator.flushEvents();

    // Assess
    expect(result.code).toBe(0);
    expect(emulator.sinks.map((s) => s.accountSid)).toEqual([sub.sid]);
    expect(emulator.eventSubscriptions.map((s) => s.accountSid)).toEqual([sub.sid]);
    expect(sink.events().map((e) => [e.type, e.data.messageSid, e.data.accountSid])).toEqual([
      ['com.twilio.messaging.inbound-message.received', message.sid, sub.sid],
    ]);
  });

  it('refuses an account that is not a subaccount of the main one', async () => {
    // Act
    const result = await connect('--account', `AC${'0'.repeat(32)}`);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not a subaccount');
    expect(emulator.sinks).toEqual([]);
  });
});
