// The README as a new user follows it: every file or section it links to exists, every
// `lumen` command, action and flag it shows is one the CLI has (electron/cli/main.ts and
// the command's own module), and it gives one command that sets up and runs the app, one
// that sets up and passes the tests, and a pointer to docs/ARCHITECTURE.md.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../..');
const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
const read = (file: string) => readFileSync(path.join(repo, file), 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const anchors = new Set(readme.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));

/** The commands main.ts registers, each with the module that runs it. */
function commands(): Map<string, string> {
  const main = read('electron/cli/main.ts');
  const found = new Map<string, string>();
  for (const m of main.matchAll(/^\s+'?([a-z-]+)'?: \(\) => import\('([^']+)'\)/gm)) found.set(m[1], path.join('electron/cli', m[2]) + '.ts');
  return found;
}

/** The source text a command's actions and flags are declared in. */
function sourcesOf(name: string, file: string): string {
  let text = read(path.relative(repo, path.resolve(repo, file)));
  if (name === 'export') text += read('electron/cli/export-results.ts');
  if (name === 'bench') for (const f of readdirSync(path.join(repo, 'bench'))) if (f.endsWith('.ts')) text += read(path.join('bench', f));
  return text;
}

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
    const broken: string[] = [];
    for (const m of readme.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/.test(target)) continue;
      const [file, anchor] = target.split('#');
      if (file && !existsSync(path.join(repo, file))) broken.push(target);
      if (!file && anchor && !anchors.has(anchor)) broken.push(target);
    }
    expect(broken).toEqual([]);
  });

  it('every lumen command, action and flag it shows exists in the CLI', () => {
    const known = commands();
    expect(known.size).toBeGreaterThan(15);
    const calls = lumenCalls();
    expect(calls.length).toBeGreaterThan(40);
    const problems: string[] = [];
    for (const call of calls) {
      const [name, action] = call.split(/\s+/);
      if (/^[<[]/.test(name)) continue; // a placeholder: lumen <command> --help
      if (name.startsWith('--')) {
        if (!['--version', '--help'].includes(name)) problems.push(`lumen ${call}: no global option ${name}`);
        continue;
      }
      const file = known.get(name);
      if (!file) {
        problems.push(`lumen ${call}: no command "${name}" in electron/cli/main.ts`);
        continue;
      }
      const source = sourcesOf(name, file);
      // An action (a bare word after the command): the command's own usage names it.
      if (action && /^[a-z][a-z0-9|\\-]*$/.test(action) && ['pacs', 'labels', 'weights', 'settings', 'bench'].includes(name)) {
        for (const a of action.split(/\\?\|/)) {
          const declared = name === 'bench' ? new RegExp(`\\b${a}:|'${a}'`).test(source) : source.includes(`lumen ${name} ${a}`);
          if (!declared) problems.push(`lumen ${call}: "${name}" has no action "${a}"`);
        }
      }
      for (const f of call.matchAll(/--([a-z][a-z0-9-]*)/g)) {
        const flag = f[1];
        if (['help', 'json'].includes(flag)) continue;
        const declared = new RegExp(`['\\s{,]'?${flag}'?\\s*:\\s*\\{`).test(source) || source.includes(`'--${flag}'`);
        if (!declared) problems.push(`lumen ${call}: "${name}" has no option --${flag}`);
      }
    }
    expect(problems).toEqual([]);
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
