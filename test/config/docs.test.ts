import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CONFIGURATION_DOC, configurationDoc } from '../../src/config/configuration-doc';

const root = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const userDocs = ['README.md', 'grafana/README.md', ...readdirSync(path.join(root, 'docs')).map((f) => `docs/${f}`)];

describe('README', () => {
  const readme = read('README.md');

  it('states the two commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });

  it('links to every file in docs/', () => {
    const missing = readdirSync(path.join(root, 'docs')).filter((f) => !readme.includes(`](docs/${f})`));
    expect(missing).toEqual([]);
  });
});

describe(CONFIGURATION_DOC, () => {
  it('is what the schema generates (run `npm run docs` after changing src/config/schema.ts)', () => {
    expect(read(CONFIGURATION_DOC)).toBe(configurationDoc());
  });
});

describe.each(userDocs)('%s', (file) => {
  const text = read(file);

  it('links only to files that exist inside the repository', () => {
    const targets = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t));
    const broken = targets.filter((target) => {
      const resolved = path.resolve(root, path.dirname(file), target);
      return !resolved.startsWith(`${root}${path.sep}`) || !existsSync(resolved);
    });
    expect(broken).toEqual([]);
  });

  it('names no issue numbers and no paths outside the repository', () => {
    expect(text.match(/\bissues? #?\d+|#\d{1,4}\b(?!\))|\.\.\/shared|\/work\//gi) ?? []).toEqual([]);
  });
});
