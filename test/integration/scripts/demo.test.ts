import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('npm run demo', () => {
  it('archives the seeded MMS and WhatsApp media, deletes them at the emulator and exits 0', async () => {
    // Act: the real script, as a newcomer runs it.
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          'npm',
          ['run', '--silent', 'demo'],
          { cwd: ROOT, encoding: 'utf8', timeout: 90_000 },
          (error, stdout, stderr) => {
            resolve({
              code: error ? Number((error as { code?: number }).code ?? 1) : 0,
              stdout,
              stderr,
            });
          },
        );
      },
    );

    // Assess
    expect(result.code, result.stderr).toBe(0);
    const archived = result.stdout
      .split('\n')
      .filter((line) => /^\s+media\/AC[0-9a-f]{32}\//.test(line));
    expect(archived).toHaveLength(4);
    expect(archived.filter((line) => line.includes('image/'))).toHaveLength(3);
    expect(archived.filter((line) => line.includes('application/pdf'))).toHaveLength(1);
    expect(result.stdout.match(/^\s+ME[0-9a-f]{32}\s+deleted/gm)).toHaveLength(4);
    expect(result.stdout).toContain('demo: OK');
    // What it shows as verified is S3's own checksum, and the Lambdas' metrics stay out of sight.
    expect(archived.every((line) => /S3 sha256 [0-9a-f]{12}…/.test(line))).toBe(true);
    expect(result.stdout).not.toContain('undefined');
    expect(result.stdout).not.toContain('"_aws"');
  });
});
