import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envVarsByKey } from '../../src/config/load-config';

describe('README', () => {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

  it('documents every setting', () => {
    const missing = [...envVarsByKey().values()].filter((env) => !readme.includes(`\`${env}\``));
    expect(missing).toEqual([]);
  });

  it('states the two commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
