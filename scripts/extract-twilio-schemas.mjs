#!/usr/bin/env node
/**
 * Extracts, from a local git checkout of Twilio's OpenAPI spec (github: twilio/twilio-oai), the
 * response schemas of every REST call the product makes, with every schema they reference, into
 * test/helpers/twilio-spec-schemas.json, recording the spec's commit. The contract test validates
 * the emulator against that file; nothing is copied by hand.
 *
 *   node scripts/extract-twilio-schemas.mjs <twilio-oai git dir or work tree> [output]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/** Spec file → the operations the adapters call (and the emulator serves): path, method, status. */
const OPERATIONS = {
  'spec/json/twilio_api_v2010.json': [
    ['/2010-04-01/Accounts.json', 'get', '200'],
    ['/2010-04-01/Accounts/{Sid}.json', 'get', '200'],
    ['/2010-04-01/Accounts/{AccountSid}/Messages.json', 'get', '200'],
    ['/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json', 'get', '200'],
    ['/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json', 'post', '200'],
    ['/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media.json', 'get', '200'],
    ['/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}.json', 'get', '200'],
    ['/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}.json', 'delete', '204'],
    ['/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json', 'get', '200'],
  ],
  'spec/json/twilio_messaging_v1.json': [['/v1/Services', 'get', '200']],
};

const [source, output = 'test/helpers/twilio-spec-schemas.json'] = process.argv.slice(2);
if (!source) {
  process.stderr.write('usage: extract-twilio-schemas.mjs <twilio-oai git dir> [output]\n');
  process.exit(2);
}
const git = (...args) =>
  execFileSync('git', ['--git-dir', gitDir, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 ** 2,
  });
const gitDir = (() => {
  try {
    return execFileSync('git', ['-C', source, 'rev-parse', '--git-dir'], { encoding: 'utf8' })
      .trim()
      .replace(/^(?!\/)/, `${source}/`);
  } catch {
    return source;
  }
})();
const commit = git('rev-parse', 'HEAD').trim();
const committedAt = git('show', '-s', '--format=%cI', 'HEAD').trim();

const REF = '#/components/schemas/';
const operations = {};
const schemas = {};
const origins = {};

/** Every `$ref` under `node`, followed into the spec's schemas (each copied once). */
const collectRefs = (node, spec, file) => {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, spec, file);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      if (!value.startsWith(REF)) throw new Error(`unexpected $ref ${value} in ${file}`);
      const name = value.slice(REF.length);
      if (name in schemas) {
        if (origins[name] !== file) throw new Error(`schema ${name} is in two spec files`);
        continue;
      }
      const schema = spec.components.schemas[name];
      if (!schema) throw new Error(`${file} has no schema ${name}`);
      schemas[name] = schema;
      origins[name] = file;
      collectRefs(schema, spec, file);
    } else {
      collectRefs(value, spec, file);
    }
  }
};

for (const [file, wanted] of Object.entries(OPERATIONS)) {
  const spec = JSON.parse(git('show', `HEAD:${file}`));
  for (const [path, method, status] of wanted) {
    const operation = spec.paths[path]?.[method];
    const response = operation?.responses?.[status];
    if (!response)
      throw new Error(`${file}: no ${status} answer to ${method.toUpperCase()} ${path}`);
    const schema = response.content?.['application/json']?.schema ?? null;
    const parameters = Object.fromEntries(
      (operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => [parameter.name, parameter.schema ?? {}]),
    );
    operations[`${method.toUpperCase()} ${path}`] = { status: Number(status), schema, parameters };
    collectRefs(schema, spec, file);
  }
}

const fixture = {
  source: {
    repository: 'twilio/twilio-oai',
    commit,
    committedAt,
    files: Object.keys(OPERATIONS),
    extractedBy: 'scripts/extract-twilio-schemas.mjs',
  },
  operations,
  components: { schemas: Object.fromEntries(Object.entries(schemas).sort()) },
};
writeFileSync(output, `${JSON.stringify(fixture, null, 2)}\n`);
// The repository's formatter has the last word, so a re-extraction of the same commit is no diff.
execFileSync('npx', ['biome', 'format', '--write', output], { stdio: 'ignore' });
process.stdout.write(
  `${output}: ${Object.keys(operations).length} operations, ${Object.keys(schemas).length} schemas from ${commit}\n`,
);
