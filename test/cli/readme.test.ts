// The README as a new user follows it: every file or section it links to exists, every
// `lumen` command, action and flag it shows is one the CLI has (electron/cli/main.ts and
// the command's own module), and it gives one command that sets up and runs the app, one
// that sets up and passes the tests, and a pointer to docs/ARCHITECTURE.md.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokenLinks, cliCallProblems, cliCommands, readRepo as read, repo } from '../support/docs';

const readme = read('README.md');

/**
 * Every `lumen …` the README shows, as written: in code (continued lines joined) and in
 * backticks in the text, up to the end of the snippet.
 */
function lumenCalls(): string[] {
  const calls: string[] = [];
  const joined = readme.replace(/\\\n\s*/g, ' ');
  for (const m of joined.matchAll(/(?:^|`|npx |\| )lumen ((?:[^`\n]|\\\|)*)/gm)) calls.push(m[1].replace(/\s+#.*$/, '').replace(/\s+\|\s.*$/, '').trim());
  return calls;
}

describe('README', () => {
  it('every relative link names a file that exists, and every #section a heading', () => {
    expect(brokenLinks('README.md')).toEqual([]);
  });

  it('every lumen command, action and flag it shows exists in the CLI', () => {
    expect(cliCommands().size).toBeGreaterThan(15);
    const calls = lumenCalls();
    expect(calls.length).toBeGreaterThan(40);
    expect(cliCallProblems(calls)).toEqual([]);
  });

  it('gives one command that sets up and runs the app, one that sets up and passes the tests, and points to the architecture', () => {
    expect(readme).toMatch(/npm install && npm start/);
    expect(readme).toMatch(/sudo bash \.ci\/run/);
    expect(existsSync(path.join(repo, '.ci/run'))).toBe(true);
    expect(readme).toContain('](docs/ARCHITECTURE.md)');
  });

  it('installs, for the tests, every Debian package .ci/run installs', () => {
    const ci = read('.ci/run');
    const install = /apt-get install[^\n]*\\\n((?:[^\n]*\\\n)*[^\n]*)/.exec(ci);
    expect(install).not.toBeNull();
    const packages = install![0].replace(/\\\n/g, ' ').split(/\s+/).filter((w) => /^[a-z0-9][a-z0-9.+-]+$/.test(w) && !['apt-get', 'install'].includes(w) && !w.startsWith('-'));
    const readmeLine = /sudo apt-get install ((?:[^\n]*\\\n)*[^\n]*)/.exec(readme);
    expect(readmeLine).not.toBeNull();
    const listed = new Set(readmeLine![1].replace(/\\\n/g, ' ').split(/\s+/));
    expect(packages.filter((p) => !listed.has(p))).toEqual([]);
  });
});
