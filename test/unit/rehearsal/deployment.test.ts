import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../../lib/rehearsal/deployment.ts';
import { createReport } from '../../../lib/rehearsal/report.ts';
import { readZip } from '../../../lib/rehearsal/zip.ts';

/** A zip as serverless writes one: local headers, data, central directory, end record. */
const makeZip = (entries: Array<{ name: string; data: Buffer; deflate: boolean }>): Buffer => {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const body = entry.deflate ? deflateRawSync(entry.data) : entry.data;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(entry.deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(entry.deflate ? 8 : 0, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
};

describe('readZip', () => {
  it('unpacks stored and deflated entries by their central directory', () => {
    // Prepare
    const bundle = Buffer.from('export const handler = async () => ({ ok: true });\n'.repeat(50));
    const zip = makeZip([
      { name: 'functions/webhook.mjs', data: bundle, deflate: true },
      { name: 'README', data: Buffer.from('stored'), deflate: false },
    ]);

    // Act
    const files = readZip(zip);

    // Assess
    expect([...files.keys()]).toEqual(['functions/webhook.mjs', 'README']);
    expect(files.get('functions/webhook.mjs')?.equals(bundle)).toBe(true);
    expect(files.get('README')?.toString()).toBe('stored');
  });

  it('refuses bytes that are not a zip', () => {
    // Act / Assess
    expect(() => readZip(Buffer.from('<Error>NoSuchKey</Error>'))).toThrow(/not a zip/);
  });
});

describe('parsePolicyDocument', () => {
  it('reads the URL-encoded JSON AWS returns', () => {
    // Prepare
    const document = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject' }],
    };

    // Act
    const parsed = parsePolicyDocument(encodeURIComponent(JSON.stringify(document)));

    // Assess
    expect(parsed).toEqual({ document, pythonLiteral: false });
  });

  it("reads moto's Python literal, AWS::NoValue as null", () => {
    // Prepare
    const raw =
      "{'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 'ssm:GetParameters', 'Resource': ['arn:aws:ssm:us-east-1:1:parameter/a', None]}]}";

    // Act
    const parsed = parsePolicyDocument(raw);

    // Assess
    expect(parsed.pythonLiteral).toBe(true);
    expect(parsed.document.Statement[0].Resource).toEqual([
      'arn:aws:ssm:us-east-1:1:parameter/a',
      null,
    ]);
  });
});

describe('createReport', () => {
  it('counts a missing value as not shown only when moto is known to drop it', () => {
    // Prepare
    const lines: string[] = [];
    const report = createReport((line) => lines.push(line));

    // Act
    report.expectEqual('batch size', 10, 10);
    report.expectEqual('maximum concurrency', undefined, 5, 'moto dropped ScalingConfig');
    report.expectEqual('timeout', undefined, 120);
    report.expectEqual('memory', 256, 512, 'never dropped');

    // Assess
    expect(report.counts).toEqual({ passed: 1, failed: 2, notShown: 1 });
    expect(report.failures).toEqual(['timeout', 'memory']);
    expect(report.gaps).toEqual(['maximum concurrency']);
    expect(lines[3]).toBe('  FAILED  memory: expected 512, got 256');
  });
});
