// docs/ARCHITECTURE.md is the project's description of the code as it is: every file and
// folder it names in backticks exists, every function and request it names is declared,
// every `lumen` command it names is registered, every library migration it names is in
// electron/library/schema.ts, its layer table places the same folders as eslint.config.js's
// LAYERS, and its links and the README's pointers into it resolve. The README's backticked
// paths are checked the same way.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { events, requests } from '../../common/contract';
import { brokenLinks, cliCallProblems, headingAnchors, readRepo as read, repo } from '../support/docs';

const architecture = read('docs/ARCHITECTURE.md');
const readme = read('README.md');

/** What a user's machine or a run makes, never in the repository: named in the documents, not checked. */
const NOT_IN_REPOSITORY = new Set([
  // the data folder (docs/ARCHITECTURE.md, "The data folder")
  'library/library.sqlite', 'library.sqlite', 'thumbnails/', 'feature-cache/', 'variant-summary.json', 'latency.json', 'library/pseudonym-key.json', 'pseudonym-key.json', 'settings.json', 'pacs.json', 'pacs-receiver.json', 'weights/downloads/', 'library/pacs/', 'pacs-incoming/', 'pacs-pending/',
  // the platform folder's sealed PACS secrets (electron/main/pacs-credentials.ts)
  'pacs-credentials.json', 'pacs-credentials.sealed.json',
  // a model package's files (models/package/)
  'model.json', 'model.onnx', 'metadata.json', 'weights.bin', 'ensemble.bin', 'series-head.bin', 'features.bin', 'report.html',
  // build outputs
  'renderer/dist', 'renderer/dist/', 'app.asar', 'app.asar.unpacked', 'dist/', 'out/', 'release/', 'native/', 'test-results/', 'node_modules', 'node_modules/.cache/lumen-runtimes/',
]);

const SKIPPED_DIRS = new Set(['.git', 'node_modules', 'dist', 'out', 'release', 'test-results', 'coverage', 'native']);

/** Every file and folder of the repository, relative to its root, with `/` (folders end in `/`). */
function repositoryPaths(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(repo, dir), { withFileTypes: true })) {
      if (SKIPPED_DIRS.has(entry.name) && dir === '') continue;
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        found.push(rel + '/');
        walk(rel);
      } else found.push(rel);
    }
  };
  walk('');
  return found;
}

/** The text outside fenced code blocks (the process diagram names files relative to electron/). */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** Every backticked span in the prose. */
function spans(markdown: string): string[] {
  return [...prose(markdown).matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
}

const FILE = /^[\w@.-]+(?:\/[\w@.-]+)*\/?$/;
const SOURCE_EXT = /\.(?:ts|tsx|mts|mjs|cjs|js|c|h|md|sh|json|yml|yaml|patch|html|css)$/;

/** Spans shaped like paths that name something else: a package, a lint rule, a web address. */
const NOT_A_PATH = /^(?:@|import-x\/|[\w-]+(?:\.[\w-]+)*\.(?:com|org|io|net)\/)/;

/** The backticked spans that name a file or folder: a path with `/`, or a file name with a source extension. */
function pathsIn(markdown: string): string[] {
  return [...new Set(spans(markdown).filter((s) => FILE.test(s) && !NOT_A_PATH.test(s) && !s.startsWith('.') && !/^\d/.test(s) && (s.includes('/') || SOURCE_EXT.test(s))))];
}

/**
 * A name resolves when it is a path from the repository root, or (as the documents name a
 * file inside the folder the sentence is about) the end of exactly such a path.
 */
function missingPaths(names: string[]): string[] {
  const all = repositoryPaths();
  return names.filter((name) => {
    // A build output or a run's folder, or a file in one (`test-results/accessibility-axe.json`):
    // a fresh clone, as CI runs, has none of them until a build or test makes it.
    if (NOT_IN_REPOSITORY.has(name) || [...NOT_IN_REPOSITORY].some((dir) => dir.endsWith('/') && name.startsWith(dir))) return false;
    if (existsSync(path.join(repo, name))) return false;
    const tail = name.endsWith('/') ? name : name.replace(/\/$/, '');
    return !all.some((p) => p.endsWith('/' + tail) || p === tail);
  });
}

/**
 * The identifiers the architecture names: functions (`camelCase` or `name()`), classes,
 * types and schemas (`PascalCase`, `Text(max)`) and constants (`UPPER_CASE`).
 */
function identifiers(): string[] {
  const names = spans(architecture).map((s) => /^((?:[a-z][a-zA-Z0-9]*[A-Z]|[A-Z][a-z]+[A-Z]|[A-Z][A-Z0-9]*_)[A-Za-z0-9_]*|[A-Z][a-z]+)(?:\(\w*\))?$/.exec(s)?.[1]);
  return [...new Set(names.filter((s): s is string => !!s))];
}

/** The source files a name may be declared in. */
function sourceText(): string {
  return repositoryPaths()
    .filter((p) => /^(common|models|electron|renderer\/src|bench|scripts|build|bin)\//.test(p) && /\.(?:ts|tsx|mjs|js)$/.test(p))
    .map((p) => read(p))
    .join('\n');
}

describe('docs/ARCHITECTURE.md', () => {
  it('every file and folder it names in backticks exists in the repository', () => {
    const names = pathsIn(architecture);
    expect(names.length).toBeGreaterThan(100);
    expect(missingPaths(names)).toEqual([]);
  });

  it('every function, class, type and constant it names is declared in the code', () => {
    const names = identifiers();
    expect(names.length).toBeGreaterThan(30);
    const source = sourceText();
    const undeclared = names.filter((name) => !new RegExp(`(?:function\\*?|const|let|class|type|interface|enum)\\s+${name}\\b|\\b${name}\\s*(?:\\([^)]*\\)\\s*[:{]|=\\s*(?:async\\s*)?\\()|\\b${name}:|\\benv\\.${name}\\b`).test(source)); // env.X: an environment variable
    expect(undeclared).toEqual([]);
  });

  it('every request and event it names is in the contract (common/contract.ts)', () => {
    const declared = new Set([...Object.keys(requests), ...Object.keys(events)]);
    // a span is meant as a request when it starts as some request or event does (library., pacs., job.…)
    const prefixes = new Set([...declared].map((n) => n.split('.')[0]));
    const named = [...new Set(spans(architecture).filter((s) => /^[a-z]+(?:\.[a-zA-Z]+)+$/.test(s) && prefixes.has(s.split('.')[0]) && !SOURCE_EXT.test(s) && !NOT_IN_REPOSITORY.has(s)))];
    expect(named.length).toBeGreaterThan(15);
    expect(named.filter((r) => !declared.has(r))).toEqual([]);
  });

  it('every lumen command, action and flag it names is one the CLI has', () => {
    const calls = [...architecture.matchAll(/`lumen ([^`]+)`/g)].map((m) => m[1]);
    expect(new Set(calls.map((c) => c.split(/\s+/)[0])).size).toBeGreaterThan(10);
    expect(cliCallProblems(calls)).toEqual([]);
  });

  it('every library table and key it names is in the library code', () => {
    const library = readdirSync(path.join(repo, 'electron/library')).filter((f) => f.endsWith('.ts')).map((f) => read(`electron/library/${f}`)).join('\n');
    const names = [
      ...spans(architecture).filter((s) => /^[a-z]+_[a-z_]+(?:\.[a-z_]+)?$/.test(s)).flatMap((s) => s.split('.')),
      ...[...prose(architecture).matchAll(/`([a-z_]+)` table/g)].map((m) => m[1]),
    ];
    expect(names.length).toBeGreaterThan(8);
    const tables = new Set([...library.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?([a-z_]+)/g)].map((m) => m[1]));
    expect([...prose(architecture).matchAll(/`([a-z_]+)` table/g)].map((m) => m[1]).filter((t) => !tables.has(t))).toEqual([]);
    expect([...new Set(names)].filter((n) => !new RegExp(`\\b${n}\\b`).test(library))).toEqual([]);
  });

  it('every library migration it names exists, and "the newest" is the newest', () => {
    const schema = read('electron/library/schema.ts');
    const versions = [...schema.matchAll(/^\s+version: (\d+),$/gm)].map((m) => Number(m[1]));
    expect(versions.length).toBeGreaterThan(10);
    const named = [...architecture.replace(/\s+/g, ' ').matchAll(/migrations? (\d+)/g)].map((m) => Number(m[1]));
    expect(named.length).toBeGreaterThan(4);
    expect(named.filter((n) => !versions.includes(n))).toEqual([]);
    for (const m of architecture.replace(/\s+/g, ' ').matchAll(/newest (?:library )?migration,? (?:is )?(\d+)/g)) expect(Number(m[1])).toBe(Math.max(...versions));
  });

  it('its layer table places the same folders as LAYERS in eslint.config.js', () => {
    const section = /## Folders and what they may import\n([\s\S]*?)\n## /.exec(architecture);
    expect(section).not.toBeNull();
    const rows = section![1].split('\n').filter((l) => /^\| `/.test(l));
    const documented = new Set(rows.flatMap((row) => [...row.split('|')[1].matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\/$/, ''))));
    const config = read('eslint.config.js');
    const table = /export const LAYERS = \[([\s\S]*?)\n\];/.exec(config);
    expect(table).not.toBeNull();
    const linted = [...table![1].matchAll(/\{ folder: '\.\/([^']+)'/g)].map((m) => m[1]);
    expect(linted.length).toBeGreaterThan(15);
    expect(linted.filter((f) => !documented.has(f))).toEqual([]);
    // and every row names a real folder (common/node/, test/, native/, third_party/ are outside LAYERS on purpose)
    const extra = [...documented].filter((f) => !linted.includes(f));
    expect(extra.filter((f) => !existsSync(path.join(repo, f)) && f !== 'native')).toEqual([]);
    expect(extra.sort()).toEqual(['common/node', 'native', 'test', 'third_party']);
  });

  it('every link and #section in it resolves', () => {
    expect(brokenLinks('docs/ARCHITECTURE.md')).toEqual([]);
  });
});

describe('README.md', () => {
  it('every file and folder it names in backticks exists in the repository', () => {
    const names = pathsIn(readme);
    expect(names.length).toBeGreaterThan(20);
    expect(missingPaths(names)).toEqual([]);
  });

  it('every npm script it or docs/ARCHITECTURE.md runs is in package.json', () => {
    const scripts = new Set(Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts));
    const named = [...new Set([...(readme + architecture).matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => m[1]))];
    expect(named.length).toBeGreaterThan(4);
    expect(named.filter((n) => !scripts.has(n))).toEqual([]);
  });

  it('its pointers into docs/ARCHITECTURE.md name sections that exist', () => {
    const anchors = headingAnchors(architecture);
    const headings = architecture.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => l.replace(/^#+ /, '').trim());
    const problems: string[] = [];
    for (const m of readme.matchAll(/\]\((?:\.\/)?docs\/ARCHITECTURE\.md(?:#([^)\s]+))?\)/g)) if (m[1] && !anchors.has(m[1])) problems.push(`#${m[1]}`);
    // a section named in words: docs/ARCHITECTURE.md, "Heading"
    for (const m of readme.matchAll(/ARCHITECTURE\.md\)?,? (?:section )?"([^"]+)"/g)) if (!headings.includes(m[1])) problems.push(`"${m[1]}"`);
    expect(problems).toEqual([]);
    statSync(path.join(repo, 'docs/ARCHITECTURE.md'));
  });
});
