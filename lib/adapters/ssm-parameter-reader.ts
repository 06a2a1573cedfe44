import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { ParameterReader, StoredParameter } from '../doctor/ports.ts';

/** GetParameters takes at most 10 names a call. */
const LIMIT = 10;

export const createSsmParameterReader = (client: SSMClient): ParameterReader => ({
  async read(names) {
    const found: StoredParameter[] = [];
    const missing: string[] = [];
    for (let start = 0; start < names.length; start += LIMIT) {
      const output = await client.send(
        new GetParametersCommand({
          Names: names.slice(start, start + LIMIT),
          WithDecryption: true,
        }),
      );
      missing.push(...(output.InvalidParameters ?? []));
      for (const p of output.Parameters ?? []) {
        if (p.Name) found.push({ name: p.Name, type: p.Type ?? 'unknown', value: p.Value ?? '' });
      }
    }
    return { found, missing };
  },
});
