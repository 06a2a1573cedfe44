import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSqsServer, startLocalSqsServer } from '../../../lib/stand-ins/sqs-server.ts';

describe('local SQS refuses what a web page could forge', () => {
  let server: LocalSqsServer;
  let sqs: SQSClient;
  let queueUrl: string;

  beforeAll(async () => {
    server = await startLocalSqsServer();
    sqs = new SQSClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'guarded' }))).QueueUrl ?? '';
  });
  afterAll(async () => {
    sqs.destroy();
    await server.close();
  });

  const queueNames = async () =>
    (await sqs.send(new ListQueuesCommand({}))).QueueUrls?.map((url) => url.split('/').pop());

  it.each([
    ['application/x-www-form-urlencoded', `Action=DeleteQueue&QueueUrl=QUEUE`],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="Action"\r\n\r\nDeleteQueue\r\n--x--',
    ],
    ['text/plain', '{"QueueUrl":"QUEUE"}'],
  ])('refuses an unsigned %s post (a cross-site form) with 403', async (contentType, body) => {
    // Act
    const response = await fetch(`${server.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'x-amz-target': 'AmazonSQS.DeleteQueue' },
      body: body.replace('QUEUE', queueUrl),
    });
    // Assess
    expect(response.status).toBe(403);
    expect(await queueNames()).toContain('guarded');
  });

  it('refuses a request from a foreign Origin even with the JSON content type', async () => {
    // Act
    const response = await fetch(`${server.endpoint}/`, {
      method: 'POST',
      headers: {
        origin: 'https://attacker.example',
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.DeleteQueue',
      },
      body: JSON.stringify({ QueueUrl: queueUrl }),
    });
    // Assess
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('foreign Origin');
    expect(await queueNames()).toContain('guarded');
  });

  it('still serves the AWS SDK', async () => {
    // Act
    const names = await queueNames();
    // Assess
    expect(names).toEqual(['guarded']);
  });
});
