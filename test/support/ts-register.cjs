// Lets `node -r ./test/support/ts-register.cjs src/main.ts` run the gateway (or the CLI) from
// source in a child process, without a build: each .ts file is transpiled on require (tsc checks
// the types). Transpiled output is cached by content in the temp directory, so the many short CLI
// processes of the tests load TypeScript and transpile only what changed.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload script */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');

const cacheDir = path.join(tmpdir(), `smsgw-ts-register-${process.getuid?.() ?? 'user'}`);
let ts;

function transpile(source, filename) {
  ts ??= require('typescript');
  return ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
}

require.extensions['.ts'] = (module, filename) => {
  const source = readFileSync(filename, 'utf8');
  const key = createHash('sha256').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  let output;
  try {
    output = readFileSync(cached, 'utf8');
  } catch {
    output = transpile(source, filename);
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${cached}.${process.pid}`;
    writeFileSync(partial, output);
    renameSync(partial, cached); // atomic: parallel processes never read half a file
  }
  module._compile(output, filename);
};
