import type { MediaJob } from '../../domain/media-job.ts';
import type { ArchiveMetadata, MediaDownload } from '../../ports/pipeline.ts';

const MAX_METADATA_VALUE = 512;

/**
 * S3 user metadata travels as HTTP headers: printable ASCII only, and 2 KB in total. Values that
 * are not plain ASCII (or contain `%`) are percent-encoded, so `decodeURIComponent` always reads
 * them back.
 */
export const asciiMetadataValue = (value: string): string => {
  const printable = /^[\x20-\x7e]*$/.test(value) && !value.includes('%');
  if (printable && value.length <= MAX_METADATA_VALUE) return value;
  let chars = Array.from(value);
  let encoded = encodeURIComponent(value);
  while (encoded.length > MAX_METADATA_VALUE) {
    chars = chars.slice(0, -1);
    encoded = encodeURIComponent(chars.join(''));
  }
  return encoded;
};

export const metadataFor = (
  job: MediaJob,
  measured: { size: number; sha256Hex?: string },
  download: MediaDownload,
): ArchiveMetadata => {
  // A one-pass write sends its headers before the last byte: no sha256 there, S3's own stored
  // checksum is the digest (archive-proof.ts).
  const metadata: ArchiveMetadata = {
    'account-sid': job.accountSid,
    'message-sid': job.messageSid,
    'media-sid': job.mediaSid,
    ...(measured.sha256Hex ? { sha256: measured.sha256Hex } : {}),
    size: String(measured.size),
    'received-at': job.receivedAt,
  };
  if (download.etag) metadata['source-etag'] = asciiMetadataValue(download.etag);
  if (download.lastModified) {
    metadata['source-last-modified'] = asciiMetadataValue(download.lastModified);
  }
  if (download.filename) metadata['original-filename'] = asciiMetadataValue(download.filename);
  if (job.from) metadata.from = asciiMetadataValue(job.from);
  if (job.to) metadata.to = asciiMetadataValue(job.to);
  return metadata;
};
