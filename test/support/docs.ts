// What the README and docs/ARCHITECTURE.md tests share: reading the repository, GitHub's
// heading anchors, relative links, and the `lumen` commands, actions and flags the CLI has.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const repo = path.resolve(__dirname, '../..');
export const readRepo = (file: string) => readFileSync(path.join(repo, file), 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown text's headings. */
export function headingAnchors(markdown: string): Set<string> {
  return new Set(markdown.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));
}

/** The relative links of `file` (repository-relative) whose file or #section does not exist. */
export function brokenLinks(file: string): string[] {
  const markdown = readRepo(file);
  const anchors = headingAnchors(markdown);
  const broken: string[] = [];
  for (const m of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^[a-z]+:/.test(target)) continue;
    const [linked, anchor] = target.split('#');
    if (linked && !existsSync(path.resolve(repo, path.dirname(file), linked))) broken.push(target);
    if (!linked && anchor && !anchors.has(anchor)) broken.push(target);
  }
  return broken;
}

/** The commands electron/cli/main.ts registers, each with the module that runs it. */
export function cliCommands(): Map<string, string> {
  const main = readRepo('electron/cli/main.ts');
  const found = new Map<string, string>();
  for (const m of main.matchAll(/^\s+'?([a-z-]+)'?: \(\) => import\('([^']+)'\)/gm)) found.set(m[1], path.join('electron/cli', m[2]) + '.ts');
  return found;
}

/** The source text a command's actions and flags are declared in. */
function sourcesOf(name: string, file: string): string {
  let text = readRepo(path.relative(repo, path.resolve(repo, file)));
  if (name === 'export') text += readRepo('electron/cli/export-results.ts');
  if (name === 'bench') for (const f of readdirSync(path.join(repo, 'bench'))) if (f.endsWith('.ts')) text += readRepo(path.join('bench', f));
  return text;
}

/**
 * What is wrong with `lumen <call>` as a document writes it: a command main.ts does not
 * register, an action the command's usage does not name, a flag it does not declare.
 */
export function cliCallProblems(calls: readonly string[]): string[] {
  const known = cliCommands();
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
  return problems;
}
