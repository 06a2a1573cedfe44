#!/usr/bin/env node
// `npm run lint`'s import check (madge cannot parse TypeScript 7's tree: it needs the TS 5 API).
// Fails on: an import cycle between files under lib/ and functions/; a cycle between lib/'s
// folders; a client (cli, browser, local, rehearsal) importing another client (the local stack
// may add commands to the CLI through its contract, nothing else of it); a layer importing
// outside what it may (use cases: ports + domain; ports: domain; domain: itself); the product
// importing tooling (stand-ins, local stack, rehearsal); the product's clients (cli, browser)
// importing an adapter or an AWS SDK package (lib/compose builds those for them).
// `node scripts/check-imports.mjs [root]`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

process.chdir(process.argv[2] ?? '.');

const ROOTS = ['lib', 'functions'];
const CLIENTS = ['lib/cli', 'lib/browser', 'lib/local', 'lib/rehearsal'];
/**
 * The CLI's contract for commands a tool adds (the local stack's send-test, lib/local): the command
 * shape, its parser and its errors. The local stack may import these and nothing else of lib/cli.
 */
const CLI_CONTRACT = ['lib/cli/command.ts', 'lib/cli/options.ts', 'lib/cli/errors.ts'];
/** What each inner layer may import (its own folder included); anything else is a violation. */
const ALLOWED = {
  'lib/domain': ['lib/domain'],
  'lib/ports': ['lib/ports', 'lib/domain'],
  'lib/use-cases': ['lib/use-cases', 'lib/ports', 'lib/domain'],
};
/** Product clients: lib/compose hands them their adapters; they import none, nor the SDK. */
const PRODUCT_CLIENTS = ['lib/cli', 'lib/browser'];
const CLIENT_FORBIDDEN = ['lib/adapters'];
const SDK =
  /(?:^|[\s;])(?:import|export)\s(?:[^'"`;]*?\sfrom\s)?['"](@aws-sdk\/[^'"]+|@smithy\/[^'"]+)['"]|import\(\s*['"](@aws-sdk\/[^'"]+|@smithy\/[^'"]+)['"]\s*\)/g;
/** Tooling: the stand-ins, the local stack and the rehearsal. Only tooling and tests import it. */
const TOOLING = ['lib/stand-ins', 'lib/local', 'lib/rehearsal'];
const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s(?:[^'"`;]*?\sfrom\s)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return /\.(ts|mjs|cjs)$/.test(name) ? [path] : [];
  });

/** lib/<folder> (lib/use-cases/backfill counts as lib/use-cases); lib/x.ts is its own unit. */
const folderOf = (file) => {
  const parts = file.split('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : file;
};

const files = ROOTS.flatMap((root) => walk(root)).map((file) => file.split(sep).join('/'));
const known = new Set(files);
const graph = new Map();
const problems = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
  if (PRODUCT_CLIENTS.includes(folderOf(file))) {
    for (const match of text.matchAll(SDK)) {
      problems.push(`a client imports the AWS SDK: ${file} → ${match[1] ?? match[2]}`);
    }
  }
  const targets = new Set();
  for (const match of text.matchAll(SPECIFIER)) {
    const target = relative('.', resolve(dirname(file), match[1] ?? match[2]))
      .split(sep)
      .join('/');
    if (known.has(target)) targets.add(target);
  }
  graph.set(file, [...targets]);
}

/** Strongly connected components with more than one member (Tarjan), or a self-import. */
const cycles = (nodes, edges) => {
  let index = 0;
  const stack = [];
  const meta = new Map();
  const found = [];
  const visit = (node) => {
    meta.set(node, { index, low: index, onStack: true });
    index += 1;
    stack.push(node);
    for (const next of edges(node)) {
      if (!meta.has(next)) {
        visit(next);
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).low);
      } else if (meta.get(next).onStack) {
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).index);
      }
    }
    if (meta.get(node).low === meta.get(node).index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        meta.get(member).onStack = false;
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || edges(node).includes(node)) found.push(component.sort());
    }
  };
  for (const node of nodes) if (!meta.has(node)) visit(node);
  return found;
};

for (const component of cycles(files, (file) => graph.get(file) ?? [])) {
  problems.push(`import cycle between files: ${component.join(' ↔ ')}`);
}
const folderEdges = new Map();
for (const [file, targets] of graph) {
  const from = folderOf(file);
  for (const target of targets) {
    const to = folderOf(target);
    if (from === to) continue;
    if (!folderEdges.has(from)) folderEdges.set(from, new Set());
    folderEdges.get(from).add(to);
    const allowed = ALLOWED[from];
    if (allowed && !allowed.includes(to)) {
      problems.push(`${from} may import only ${allowed.join(', ')}: ${file} → ${target}`);
    }
    const edge = `${file} → ${target}`;
    if (PRODUCT_CLIENTS.includes(from) && CLIENT_FORBIDDEN.includes(to)) {
      problems.push(`a client imports an adapter (lib/compose builds them): ${edge}`);
    }
    if (!TOOLING.includes(from) && TOOLING.includes(to)) {
      problems.push(`the product imports tooling: ${edge}`);
    }
    const fromClient = CLIENTS.find((client) => from === client);
    const toClient = CLIENTS.find((client) => to === client);
    const extendsCli = from === 'lib/local' && CLI_CONTRACT.includes(target);
    if (fromClient && toClient && !extendsCli) {
      problems.push(`client imports another client: ${file} → ${target}`);
    }
  }
}
const folders = [...new Set(files.map(folderOf))];
for (const component of cycles(folders, (folder) => [...(folderEdges.get(folder) ?? [])])) {
  const witnesses = component.flatMap((from) =>
    graph
      .entries()
      .filter(([file]) => folderOf(file) === from)
      .flatMap(([file, targets]) =>
        targets
          .filter((t) => folderOf(t) !== from && component.includes(folderOf(t)))
          .map((t) => `${file} → ${t}`),
      )
      .toArray(),
  );
  problems.push(
    `import cycle between folders ${component.join(' ↔ ')}:\n    ${witnesses.join('\n    ')}`,
  );
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`check-imports: ${problem}`);
  process.exit(1);
}
console.log(`check-imports: ${files.length} files, no cycles, layers and clients apart`);
