import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type {
  ArchiveStore,
  DeadLetter,
  MediaDownload,
  MediaNotModified,
  MediaRef,
  MediaSource,
  PutArchiveObject,
  PutResult,
  RetryScheduler,
  SourceValidators,
  StoredObject,
} from '../../lib/ports/pipeline.ts';
import type { RecordQuery, RecordQueryAnswer } from '../../lib/ports/record-query.ts';

/** Every port call in order, across all fakes sharing it: order assertions read this. */
export type CallLog = string[];

interface StoredEntry {
  object: StoredObject;
  body: Buffer;
}

/** S3 in memory: a PUT reads the whole body and keeps its bytes; errors can be scripted. */
export class FakeArchiveStore implements ArchiveStore {
  readonly objects = new Map<string, StoredEntry>();
  readonly markers = new Map<string, Record<string, string>>();
  readonly puts: Omit<PutArchiveObject, 'body' | 'signal'>[] = [];
  /** The deadline signal each PUT was given. */
  readonly putSignals: (AbortSignal | undefined)[] = [];
  /** Next calls of `put`/`head`/`putMarker` throw these, in order. */
  readonly failures: { put: Error[]; head: Error[]; putMarker: Error[] } = {
    put: [],
    head: [],
    putMarker: [],
  };
  /** Answer 412 to conditional PUTs even where no object exists (a racing writer). */
  raceOnConditionalPut = false;
  /** Bucket versioning: an overwrite keeps the old object (S3 with versioning `Enabled`). */
  versioned = true;
  /** How often the bucket's versioning was asked (one GetBucketVersioning each on S3). */
  versioningAsked = 0;

  async keepsOldVersions(): Promise<boolean> {
    this.versioningAsked += 1;
    return this.versioned;
  }

  constructor(readonly calls: CallLog = []) {}

  /**
   * An object written by someone else: like S3, its ETag is the MD5 of its bytes; it has a stored
   * SHA-256 only when `checksum` says so (a writer that sent one).
   */
  seed(
    key: string,
    body: Buffer,
    metadata: Record<string, string>,
    size = body.length,
    options: { checksum?: boolean } = {},
  ) {
    const object: StoredObject = {
      key,
      size,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      metadata: { ...metadata },
    };
    if (options.checksum)
      object.checksumSha256 = createHash('sha256').update(body).digest('base64');
    this.objects.set(key, { object, body });
  }

  async head(key: string): Promise<StoredObject | undefined> {
    this.calls.push(`head ${key}`);
    const failure = this.failures.head.shift();
    if (failure) throw failure;
    const entry = this.objects.get(key);
    return entry ? structuredClone(entry.object) : undefined;
  }

  async put(object: PutArchiveObject): Promise<PutResult> {
    this.calls.push(`put ${object.key}${object.ifNoneMatch ? ' if-none-match' : ''}`);
    const { body: _body, signal, ...rest } = object;
    this.puts.push(rest);
    this.putSignals.push(signal);
    const failure = this.failures.put.shift();
    if (failure) throw failure;
    // Like S3 (and moto), the body is read before the 412: the writer then knows its digest.
    const bytes = await buffer(object.body());
    if (object.ifNoneMatch && (this.objects.has(object.key) || this.raceOnConditionalPut)) {
      return { outcome: 'exists' };
    }
    if (bytes.length !== object.size) throw new Error('fake store: body length differs from size');
    if (createHash('sha256').update(bytes).digest('hex') !== (await object.sha256Hex())) {
      throw new Error('fake store: body sha256 differs');
    }
    this.objects.set(object.key, {
      object: {
        key: object.key,
        size: bytes.length,
        contentType: object.contentType,
        etag: `"${createHash('md5').update(bytes).digest('hex')}"`,
        checksumSha256: createHash('sha256').update(bytes).digest('base64'),
        metadata: { ...object.metadata },
      },
      body: bytes,
    });
    return { outcome: 'created', verifiedBy: 'checksum', proof: 's3-checksum' };
  }

  async putMarker(key: string, metadata: Record<string, string>): Promise<void> {
    this.calls.push(`marker ${key}`);
    const failure = this.failures.putMarker.shift();
    if (failure) throw failure;
    this.markers.set(key, { ...metadata });
  }
}

export type FetchAnswer =
  | {
      body: Buffer | Readable;
      contentType?: string;
      contentLength?: number;
      /** Answer without a Content-Length (close-delimited), or as a decoded encoded body. */
      noLength?: boolean;
      contentEncoding?: string;
      etag?: string;
      lastModified?: string;
      filename?: string;
    }
  | { notModified: true }
  | Error;

/** Twilio with scripted answers: each `fetchMedia` takes the next answer (the last one repeats). */
export class FakeMediaSource implements MediaSource {
  readonly fetchAnswers: FetchAnswer[] = [];
  readonly deleteAnswers: ('deleted' | 'already-gone' | Error)[] = [];
  readonly fetchRequests: { ref: MediaRef; validators: SourceValidators | undefined }[] = [];
  readonly deleted: MediaRef[] = [];

  constructor(readonly calls: CallLog = []) {}

  async fetchMedia(
    ref: MediaRef,
    options?: { validators?: SourceValidators; signal?: AbortSignal },
  ): Promise<MediaDownload | MediaNotModified> {
    this.calls.push(`fetch ${ref.mediaSid}${options?.validators ? ' conditional' : ''}`);
    this.fetchRequests.push({ ref, validators: options?.validators });
    const answer = this.fetchAnswers.length > 1 ? this.fetchAnswers.shift() : this.fetchAnswers[0];
    if (answer === undefined) throw new Error('fake source: no scripted answer');
    if (answer instanceof Error) throw answer;
    if ('notModified' in answer) return { status: 'not-modified' };
    const body = Buffer.isBuffer(answer.body) ? Readable.from([answer.body]) : answer.body;
    const download: MediaDownload = {
      status: 'ok',
      body,
      contentType: answer.contentType ?? 'image/jpeg',
    };
    const length =
      answer.contentLength ?? (Buffer.isBuffer(answer.body) ? answer.body.length : undefined);
    if (length !== undefined && !answer.noLength && !answer.contentEncoding) {
      download.contentLength = length;
    }
    if (answer.contentEncoding) download.contentEncoding = answer.contentEncoding;
    if (answer.etag) download.etag = answer.etag;
    if (answer.lastModified) download.lastModified = answer.lastModified;
    if (answer.filename) download.filename = answer.filename;
    return download;
  }

  async deleteMedia(ref: MediaRef): Promise<'deleted' | 'already-gone'> {
    this.calls.push(`delete ${ref.mediaSid}`);
    const answer = this.deleteAnswers.shift() ?? 'deleted';
    if (answer instanceof Error) throw answer;
    this.deleted.push(ref);
    return answer;
  }
}

export class FakeDeadLetter implements DeadLetter {
  readonly sent: { body: string; reason: string; errorName: string }[] = [];
  failure: Error | undefined;

  async send(body: string, reason: string, errorName: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.sent.push({ body, reason, errorName });
  }
}

export class FakeRetryScheduler implements RetryScheduler {
  readonly postponed: { receiptHandle: string; visibilityTimeoutSeconds: number }[] = [];

  async postpone(
    entries: readonly { receiptHandle: string; visibilityTimeoutSeconds: number }[],
  ): Promise<void> {
    this.postponed.push(...entries);
  }
}

/** Logger and Metrics stand-ins that remember what they were told. */
export const recordingLogger = () => {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (message: string, ...extra: unknown[]) => {
      lines.push({ level, message, fields: Object.assign({}, ...(extra as object[])) });
    };
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
};

export const recordingMetrics = () => {
  const values: { name: string; value: number }[] = [];
  return {
    values,
    addMetric: (name: string, _unit: unknown, value: number) => {
      values.push({ name, value });
    },
    total: (name: string) =>
      values.filter((entry) => entry.name === name).reduce((sum, entry) => sum + entry.value, 0),
  };
};

/** A RecordQuery that answers every query with `answer` and keeps the SQL it was given. */
export class FakeRecordQuery implements RecordQuery {
  readonly queries: string[] = [];
  constructor(private readonly answer: RecordQueryAnswer) {}
  async run(sql: string): Promise<RecordQueryAnswer> {
    this.queries.push(sql);
    return structuredClone(this.answer);
  }
}
