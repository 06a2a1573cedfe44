/** Bad command line: main prints the message and the command's help, exit 64 (EX_USAGE). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The archive holds no such media/message in the searched scope: exit 2. */
export class NotInArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotInArchiveError';
  }
}

/** A downloaded object does not match the size/sha256 the archiver recorded: exit 1. */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

/** `hold` on a bucket without Object Lock: refused before any write, exit 1. */
export class NoObjectLockError extends Error {
  constructor(bucket: string, answer: string) {
    super(
      `bucket ${bucket} has no Object Lock (S3 answered ${answer}): a legal hold needs a bucket created with Object Lock (deploy param objectLockMode); nothing was changed`,
    );
    this.name = 'NoObjectLockError';
  }
}

/** The target file exists and --force was not given: exit 1. */
export class FileExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists (use --force to overwrite)`);
    this.name = 'FileExistsError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_NOT_FOUND = 2;
export const EXIT_USAGE = 64;
/** backfill/reconcile stopped by Ctrl-C after a page: `--resume` continues. */
export const EXIT_INTERRUPTED = 130;
