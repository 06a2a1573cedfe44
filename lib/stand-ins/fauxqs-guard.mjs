// What the local S3 (fauxqs) refuses before it sees a request. fauxqs routes by method and path
// and takes any request it does not recognise as the nearest operation it has: `PUT ?legal-hold`
// became a PutObject of the <LegalHold> XML, `GET ?object-lock` a listing. It also checks no
// signature, so any web page could post a form into the archive. A stand-in must refuse what it
// does not implement: only the operations below pass, each with the parameters fauxqs honours.

/**
 * Query parameters of a presigned URL: SigV4, and SigV2, which `aws s3 presign` of the AWS CLI v1
 * (Debian's awscli) still signs.
 */
const PRESIGN = new Set([
  'awsaccesskeyid',
  'signature',
  'expires',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-signedheaders',
  'x-amz-signature',
  'x-amz-security-token',
  'x-amz-content-sha256',
]);

// fauxqs ignores the response-* overrides: responseOverridesOf applies them (`media-archive url`
// signs risky types as octet-stream downloads). The presigner also signs x-amz-checksum-mode.
const READ_PARAMS = [
  'x-amz-checksum-mode',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
];

/**
 * The operations fauxqs really implements (its dist/s3/s3Router.js), by method, level and query:
 * `sub` is the sub-resource or parameters that select the operation, `params` the others it
 * accepts. Writes take none; a few read parameters are ignored by fauxqs (ListBuckets' filters,
 * `encoding-type`, `fetch-owner`), which widens an answer but changes nothing.
 */
const OPERATIONS = [
  { name: 'ListBuckets', method: 'GET', level: 'service', params: ['max-buckets', 'prefix'] },
  { name: 'CreateBucket', method: 'PUT', level: 'bucket' },
  { name: 'PutBucketLifecycleConfiguration', method: 'PUT', level: 'bucket', sub: ['lifecycle'] },
  { name: 'HeadBucket', method: 'HEAD', level: 'bucket' },
  {
    name: 'ListObjects',
    method: 'GET',
    level: 'bucket',
    params: [
      'list-type',
      'prefix',
      'delimiter',
      'max-keys',
      'continuation-token',
      'start-after',
      'marker',
      'encoding-type',
      'fetch-owner',
    ],
  },
  { name: 'GetBucketLifecycleConfiguration', method: 'GET', level: 'bucket', sub: ['lifecycle'] },
  { name: 'DeleteBucket', method: 'DELETE', level: 'bucket' },
  {
    name: 'DeleteBucketLifecycle',
    method: 'DELETE',
    level: 'bucket',
    sub: ['lifecycle'],
  },
  { name: 'DeleteObjects', method: 'POST', level: 'bucket', sub: ['delete'] },
  { name: 'PutObject', method: 'PUT', level: 'object' },
  { name: 'UploadPart', method: 'PUT', level: 'object', sub: ['partNumber', 'uploadId'] },
  { name: 'GetObject', method: 'GET', level: 'object', params: READ_PARAMS },
  { name: 'GetObjectAttributes', method: 'GET', level: 'object', sub: ['attributes'] },
  { name: 'HeadObject', method: 'HEAD', level: 'object', params: READ_PARAMS },
  { name: 'DeleteObject', method: 'DELETE', level: 'object' },
  { name: 'AbortMultipartUpload', method: 'DELETE', level: 'object', sub: ['uploadId'] },
  { name: 'CreateMultipartUpload', method: 'POST', level: 'object', sub: ['uploads'] },
  { name: 'CompleteMultipartUpload', method: 'POST', level: 'object', sub: ['uploadId'] },
];

/** The AWS SDK names the operation in `x-id`; the names it uses for the ones above. */
const X_ID = {
  ListBuckets: ['ListBuckets'],
  ListObjects: ['ListObjects', 'ListObjectsV2'],
  PutObject: ['PutObject', 'CopyObject'],
  UploadPart: ['UploadPart'],
  GetObject: ['GetObject'],
  DeleteObject: ['DeleteObject'],
  AbortMultipartUpload: ['AbortMultipartUpload'],
};

/**
 * Request headers that ask a write for something fauxqs would silently skip (Object Lock, tags,
 * ACLs, encryption, conditional copies and writes): refused rather than written without it.
 * `If-None-Match: *` on PutObject is implemented by fauxqs-process.mjs.
 */
const UNIMPLEMENTED_WRITE_HEADER =
  /^(x-amz-object-lock-|x-amz-tagging|x-amz-acl$|x-amz-grant-|x-amz-server-side-encryption|x-amz-website-redirect-location$|x-amz-copy-source-(if-|range$|server-side-encryption)|x-amz-bypass-governance-retention$|x-amz-mfa$|x-amz-write-offset-bytes$|if-match$)/;

/** Content types a page can send cross-site without a CORS preflight (which we never grant). */
const SIMPLE_CONTENT_TYPES = new Set([
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
]);

const refusal = (status, code, message) => ({ status, code, message });

/** fauxqs reads a dotted, non-IP Host as a virtual-hosted bucket (its `rewriteUrl`); so do we. */
const pathOf = (pathname, headers) => {
  const hostname = (headers.host ?? '').split(':')[0];
  const contentType = headers['content-type'] ?? '';
  const virtual =
    hostname.includes('.') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(hostname) &&
    !contentType.includes('x-www-form-urlencoded') &&
    !contentType.includes('x-amz-json-1.0');
  return virtual ? `/${hostname.slice(0, hostname.indexOf('.'))}${pathname}` : pathname;
};

/**
 * Why a request that a web page could have sent is refused, or `undefined`. No client of ours
 * sends an Origin; unlike the SQS port, this one serves archived media, so even a page of its own
 * origin (an archived HTML file) is not trusted.
 */
const forgeryReason = (method, query, headers, ownOrigin) => {
  const origin = headers.origin;
  if (origin !== undefined) {
    return `${origin === ownOrigin ? 'Origin' : 'foreign Origin'} ${origin.slice(0, 100)}`;
  }
  const headerSigned = /^AWS4-HMAC-SHA256 /.test(headers.authorization ?? '');
  const querySigned =
    query.has('X-Amz-Signature') || (query.has('Signature') && query.has('AWSAccessKeyId'));
  if (!headerSigned && !querySigned) return 'no signature (SigV4 header or presigned URL)';
  const essence = (headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
  // A form can carry a signature only in its URL; SDK clients sign in the Authorization header.
  if (!headerSigned && SIMPLE_CONTENT_TYPES.has(essence))
    return `${essence} body without a signed header`;
  // Presigned URLs here are for reading (`media-archive url`); writes come from SDK clients.
  if (!headerSigned && method !== 'GET' && method !== 'HEAD') return `presigned ${method}`;
  return undefined;
};

const levelOf = (path) => {
  const [, bucket = '', ...rest] = path.split('/');
  if (!bucket) return 'service';
  return rest.join('/') ? 'object' : 'bucket';
};

const operationOf = (method, level, keys) =>
  OPERATIONS.find((operation) => {
    if (operation.method !== method || operation.level !== level) return false;
    const sub = operation.sub ?? [];
    if (!sub.every((key) => keys.includes(key))) return false;
    return keys.every((key) => sub.includes(key) || (operation.params ?? []).includes(key));
  });

/**
 * The refusal for a request fauxqs must not see (`{ status, code, message }`), or `undefined`.
 * Requests that are not S3 pass as they are: fauxqs's SQS/SNS/STS on `POST /` (the SQS JSON
 * protocol is preflighted, SNS/STS forms fall under the forgery rules) and its /health.
 */
export const refusalOf = ({ method, url: rawUrl, headers }, ownOrigin) => {
  // Split by hand: `new URL` would read a path starting with `//` as a host.
  const at = rawUrl.indexOf('?');
  const query = new URLSearchParams(at < 0 ? '' : rawUrl.slice(at + 1));
  const forged = forgeryReason(method, query, headers, ownOrigin);
  if (forged) return refusal(403, 'AccessDenied', `local S3 refused: ${forged}`);
  const path = pathOf(at < 0 ? rawUrl : rawUrl.slice(0, at), headers);
  if (method === 'POST' && path === '/') return undefined;
  if (method === 'GET' && (path === '/health' || path.startsWith('/_fauxqs/'))) return undefined;
  const keys = [...query.keys()].filter((key) => key !== 'x-id' && !PRESIGN.has(key.toLowerCase()));
  const level = levelOf(path);
  const operation = operationOf(method, level, keys);
  const asked = keys.length > 0 ? ` ?${keys.join('&')}` : '';
  const what = level === 'object' ? 'an object' : `a ${level}`;
  if (!operation) {
    return refusal(
      501,
      'NotImplemented',
      `the local S3 (fauxqs) does not implement ${method} on ${what}${asked}: refused, nothing read or written`,
    );
  }
  const xId = query.get('x-id');
  if (xId !== null && !(X_ID[operation.name] ?? []).includes(xId)) {
    return refusal(
      501,
      'NotImplemented',
      `the local S3 (fauxqs) does not implement ${xId} (taken for ${operation.name}): refused`,
    );
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const header = Object.keys(headers).find((name) => UNIMPLEMENTED_WRITE_HEADER.test(name));
    if (header) {
      return refusal(
        501,
        'NotImplemented',
        `the local S3 (fauxqs) does not implement ${header} on ${operation.name}: refused, nothing stored`,
      );
    }
    const ifNoneMatch = headers['if-none-match'];
    if (ifNoneMatch !== undefined && (operation.name !== 'PutObject' || ifNoneMatch !== '*')) {
      return refusal(
        501,
        'NotImplemented',
        `the local S3 (fauxqs) implements If-None-Match only as "*" on PutObject: refused`,
      );
    }
  }
  return undefined;
};

const escapeXml = (text) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** S3's error document, so SDK clients raise an error named by `code`. */
export const errorXml = ({ code, message }, resource) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><Resource>${escapeXml(resource)}</Resource><RequestId>fauxqs-guard</RequestId></Error>`;

const OVERRIDDEN = {
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
  'response-content-language': 'content-language',
  'response-content-type': 'content-type',
  'response-expires': 'expires',
};

/** The headers a GET/HEAD of an object asks S3 to answer with (`response-*`), or `undefined`. */
export const responseOverridesOf = ({ method, url }) => {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const at = url.indexOf('?');
  if (at < 0) return undefined;
  const overrides = {};
  for (const [key, value] of new URLSearchParams(url.slice(at + 1))) {
    const header = OVERRIDDEN[key];
    if (header) overrides[header] = value;
  }
  return Object.keys(overrides).length > 0 ? overrides : undefined;
};
