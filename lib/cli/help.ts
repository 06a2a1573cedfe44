import { DEFAULT_LOCAL_BUCKET, DEFAULT_LOCAL_S3_PORT } from '../config/local-constants.ts';

/** The help fragments the read-only commands share (each command's help lives beside it). */
export const TARGET_HELP = `Target:
  (default)            AWS: bucket ARCHIVE_BUCKET (required), standard AWS credential chain
                       (AWS_PROFILE, AWS_REGION, env keys, SSO, instance roles, ...)
  --local              the local stack (npm start): http://127.0.0.1:\${LOCAL_S3_PORT:-${DEFAULT_LOCAL_S3_PORT}},
                       bucket \${ARCHIVE_BUCKET:-${DEFAULT_LOCAL_BUCKET}}
  --account AC...      one account (default: TWILIO_ACCOUNT_SID, else every account in the archive)
  ARCHIVE_PREFIX       key prefix (default media/)
  -h, --help           this help`;

export const EXIT_HELP = `Exit status: 0 ok, 1 error (no bucket, no credentials, network, integrity),
  2 not found in the archive, 64 usage error.`;

export const RANGE_HELP = `  --date YYYY-MM-DD     one UTC day
  --since YYYY-MM-DD    from this day (inclusive) ...
  --until YYYY-MM-DD    ... to this day (inclusive; default today)
  --days N              the last N days, today included`;

/** The help as this shell would run it: `${VAR:-default}` replaced by the value in effect. */
export const resolveHelp = (
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): string =>
  text.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => {
    const value = env[name]?.trim();
    return value ? value : fallback;
  });
