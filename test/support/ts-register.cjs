// Lets `node -r ./test/support/ts-register.cjs src/main.ts` run the gateway from source in a child
// process, without a build: each .ts file is transpiled on require (tsc checks the types).
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload script */
const { readFileSync } = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
