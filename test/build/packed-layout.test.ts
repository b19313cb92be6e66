// The installers' layout, without Electron (which cannot be downloaded here):
// build/electron-builder.yml validates against electron-builder's schema; the
// app's files, chosen by its `files` globs plus the production node_modules,
// are packed into an asar with @electron/asar, unpacked by its `asarUnpack`
// globs; then every file the app loads at run time must resolve from that
// layout: inside the archive, or unpacked where it must be (native addons,
// WASM, the scripts that run outside Electron's asar-aware processes); and
// the production renderer, taken out of the archive, loads through the app://
// resolver in Chromium with no request failing.
import { createPackageFromStreams, getRawHeader, statFile, extractFile, type AsarStreamType } from '@electron/asar';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ORIGIN, appHeaders, resolveAppRequest } from '../../electron/main/app-protocol';
import { launchChromium } from '../support/browser';

const require = createRequire(import.meta.url);
const repo = path.resolve(__dirname, '../..');
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig: (dir: string, file: string, extra: unknown) => Promise<Record<string, any>>;
  validateConfiguration: (config: unknown, logger: unknown) => Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const electronAbi = (require('node-abi') as { getAbi: (v: string, r: string) => string }).getAbi((require('electron/package.json') as { version: string }).version, 'electron');
const electronNative = `native/electron-abi${electronAbi}-${process.platform}-${process.arch}/better_sqlite3.node`;

let config: Record<string, any>;
let work: string;
let archive: string;
/** Packed path (forward slashes, relative to the app folder) -> the file it came from. */
const packed = new Map<string, string>();

const matches = (rel: string, pattern: string) => minimatch(rel, pattern, { dot: true, matchBase: !pattern.includes('/') });

/** electron-builder's `files`: in order, a pattern includes, a "!" pattern excludes. */
function selected(rel: string, patterns: string[], includedByDefault: boolean): boolean {
  let keep = includedByDefault;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (matches(rel, p.slice(1))) keep = false;
    } else if (matches(rel, p)) keep = true;
  }
  return keep;
}

function walk(dir: string, visit: (file: string) => void) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, visit);
    else if (entry.isFile()) visit(full);
  }
}

/** The production dependencies, as electron-builder collects them. */
function productionPackages(): string[] {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 24 });
  return [...new Set(out.trim().split('\n').filter((p) => p.includes(`${path.sep}node_modules${path.sep}`) && existsSync(p)))];
}

function entry(rel: string): { unpacked: boolean; size: number } | null {
  try {
    const e = statFile(archive, rel) as { unpacked?: boolean; size?: number };
    return { unpacked: !!e.unpacked, size: e.size ?? -1 };
  } catch {
    return null;
  }
}

/** The file resolves from the packed app; `unpacked` says whether it must lie outside the archive. */
function expectResolves(rel: string, mustBeUnpacked: boolean) {
  const e = entry(rel);
  expect(e, `${rel} is not in the packed app`).not.toBeNull();
  if (mustBeUnpacked) {
    expect(e!.unpacked, `${rel} must be unpacked`).toBe(true);
    const real = path.join(`${archive}.unpacked`, rel);
    expect(existsSync(real), `${real} is missing`).toBe(true);
    expect(statSync(real).size).toBe(statSync(packed.get(rel)!).size);
  } else if (!e!.unpacked) {
    expect(extractFile(archive, rel).length).toBe(statSync(packed.get(rel)!).size);
  }
}

beforeAll(async () => {
  config = await getConfig(repo, 'build/electron-builder.yml', null);
  work = mkdtempSync(path.join(os.tmpdir(), 'lumen-packed-'));
  archive = path.join(work, 'resources', 'app.asar');
  // getConfig wraps the list as [{ filter: [...] }].
  const files: string[] = (config.files as (string | { filter: string[] })[]).flatMap((f) => (typeof f === 'string' ? [f] : f.filter));
  // The app's own files.
  for (const root of ['package.json', 'dist', 'renderer/dist', 'native']) {
    const full = path.join(repo, root);
    if (!existsSync(full)) continue;
    const add = (file: string) => {
      const rel = path.relative(repo, file).split(path.sep).join('/');
      if (selected(rel, files, false)) packed.set(rel, file);
    };
    if (lstatSync(full).isDirectory()) walk(full, add);
    else add(full);
  }
  // SQLite for Electron needs Electron's headers (internet): a stand-in file under its name.
  const standIn = path.join(work, 'better_sqlite3.node');
  writeFileSync(standIn, readFileSync(path.join(repo, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')));
  packed.set(electronNative, standIn);
  // The production node_modules, through the same globs.
  for (const dir of productionPackages()) {
    walk(dir, (file) => {
      const rel = path.relative(repo, file).split(path.sep).join('/');
      // Nested packages are walked as their own entries.
      if (rel.slice(path.relative(repo, dir).length).includes('/node_modules/')) return;
      if (selected(rel, files, true)) packed.set(rel, file);
    });
  }
  const unpack: string[] = config.asarUnpack;
  const streams: AsarStreamType[] = [];
  const dirs = new Set<string>();
  for (const [rel, file] of [...packed].sort(([a], [b]) => a.localeCompare(b))) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        streams.push({ type: 'directory', path: d, unpacked: false });
      }
    }
    streams.push({ type: 'file', path: rel, unpacked: unpack.some((p) => matches(rel, p)), stat: statSync(file), streamGenerator: () => createReadStream(file) });
  }
  mkdirSync(path.dirname(archive), { recursive: true });
  await createPackageFromStreams(archive, streams);
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the electron-builder configuration', () => {
  it("validates against electron-builder's schema", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // The check is real: a misspelt option fails it.
    await expect(validateConfiguration({ ...config, linux: { ...config.linux, tagret: ['AppImage'] } }, new DebugLogger(false))).rejects.toThrow(/does not match the API schema/);
  });

  it('builds AppImage, deb, NSIS and dmg with icons, a desktop entry, .dcm and the hook', () => {
    expect(config.appId).toBe('org.lumen.workstation');
    expect(config.productName).toBe('Lumen');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toBe('nsis');
    expect(config.mac.target).toBe('dmg');
    expect(config.npmRebuild).toBe(false);
    expect(config.afterPack).toBe('./build/after-pack.mjs');
    expect(config.fileAssociations).toEqual([expect.objectContaining({ ext: 'dcm', mimeType: 'application/dicom' })]);
    expect(config.linux.desktop.entry).toMatchObject({ Name: 'Lumen', Comment: expect.any(String) });
    const icons = path.join(repo, config.directories.buildResources);
    expect(readFileSync(path.join(icons, config.linux.icon)).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(path.join(icons, config.mac.icon)).subarray(0, 4).toString()).toBe('icns');
    expect(readFileSync(path.join(icons, config.win.icon)).readUInt16LE(2)).toBe(1); // an icon resource
    const png = readFileSync(path.join(icons, config.linux.icon));
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512); // width
  });
});

describe('the packed app', () => {
  it('holds the entry points and the engine inside the archive', () => {
    const pkg = JSON.parse(extractFile(archive, 'package.json').toString());
    expect(entry(pkg.main)).not.toBeNull();
    for (const f of ['dist/electron/main.cjs', 'dist/electron/preload.cjs', 'dist/electron/engine-worker.cjs']) expectResolves(f, false);
    // The schema's migrations are code, bundled into the engine.
    expect(extractFile(archive, 'dist/electron/engine-worker.cjs').toString()).toContain('user_version');
    expect([...packed.keys()].some((f) => f.endsWith('.map'))).toBe(false);
  });

  it('unpacks every native addon, with the Electron build of SQLite and not the sources', () => {
    const addons = [...packed.keys()].filter((f) => f.endsWith('.node'));
    expect(addons).toContain(electronNative);
    expect(addons.some((f) => f.startsWith('node_modules/onnxruntime-node/'))).toBe(true);
    expect(addons.some((f) => f.startsWith('node_modules/webgpu/'))).toBe(true);
    for (const f of addons) expectResolves(f, true);
    // The shared libraries beside ONNX Runtime's addon load through the system loader too.
    const ortLibs = [...packed.keys()].filter((f) => /^node_modules\/onnxruntime-node\/.*\.(so(\.\d+)*|dll|dylib)$/.test(f));
    expect(ortLibs.length).toBeGreaterThan(0);
    for (const f of ortLibs) expectResolves(f, true);
    expect([...packed.keys()].some((f) => f.startsWith('node_modules/better-sqlite3/build/'))).toBe(false);
    expect([...packed.keys()].some((f) => f.startsWith('node_modules/better-sqlite3/deps/'))).toBe(false);
    expect([...packed.keys()].some((f) => f.startsWith('native/node-'))).toBe(false);
  });

  it("loads this platform's addons from the unpacked folder, with the libraries beside them", () => {
    const unpacked = `${archive}.unpacked`;
    const addons = [
      `node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`,
      `node_modules/webgpu/dist/${process.platform}-${process.arch}.dawn.node`,
      electronNative, // the stand-in: this Node's build under Electron's name
    ];
    for (const rel of addons) {
      const file = path.join(unpacked, rel);
      expect(existsSync(file), rel).toBe(true);
      // In a child: an addon, once loaded, stays in its process.
      const loaded = execFileSync(process.execPath, ['-e', 'const m = { exports: {} }; process.dlopen(m, process.argv[1]); console.log(Object.keys(m.exports).length > 0)', file], { encoding: 'utf8', env: { ...process.env, EGL_PLATFORM: 'surfaceless' } });
      expect(loaded.trim(), rel).toBe('true');
    }
  });

  it('unpacks every WASM module: Lumen codecs, Cornerstone codecs, TF.js wasm', () => {
    const wasm = [...packed.keys()].filter((f) => f.endsWith('.wasm'));
    for (const codec of readdirSync(path.join(repo, 'dist/codecs')).filter((f) => f.endsWith('.wasm'))) expect(wasm).toContain(`dist/codecs/${codec}`);
    for (const pkg of ['@cornerstonejs/codec-openjpeg', '@cornerstonejs/codec-charls', '@cornerstonejs/codec-libjpeg-turbo-8bit', '@cornerstonejs/codec-openjph', '@tensorflow/tfjs-backend-wasm']) {
      expect(wasm.some((f) => f.startsWith(`node_modules/${pkg}/`)), pkg).toBe(true);
    }
    for (const f of wasm) expectResolves(f, true);
  });

  it('unpacks the decode worker and the WebGPU probe, and what they import resolves beside them', () => {
    expectResolves('dist/electron/decode-worker.mjs', true);
    expectResolves('dist/electron/webgpu-probe.mjs', true);
    const unpacked = `${archive}.unpacked`;
    const worker = readFileSync(path.join(unpacked, 'dist/electron/decode-worker.mjs'), 'utf8');
    const imports = [...new Set([...worker.matchAll(/(?:from |import\()"([^".][^"]*)"/g)].map((m) => m[1]).filter((s) => !s.startsWith('node:')))];
    expect(imports.length).toBeGreaterThan(0);
    const fromWorker = createRequire(path.join(unpacked, 'dist/electron/decode-worker.mjs'));
    for (const spec of imports) {
      const resolved = fromWorker.resolve(spec);
      expect(resolved.startsWith(unpacked + path.sep), `${spec} resolves to ${resolved}`).toBe(true);
    }
    // The codecs it reads by path (../codecs/*.wasm beside it).
    for (const codec of readdirSync(path.join(repo, 'dist/codecs')).filter((f) => f.endsWith('.wasm'))) {
      expect(existsSync(path.join(unpacked, 'dist/codecs', codec)), codec).toBe(true);
    }
    const probe = createRequire(path.join(unpacked, 'dist/electron/webgpu-probe.mjs'));
    expect(probe.resolve('webgpu').startsWith(unpacked + path.sep)).toBe(true);
  });

  it('packs the optional CUDA TensorFlow when it installed, and nothing of it when not', () => {
    const installed = existsSync(path.join(repo, 'node_modules/@tensorflow/tfjs-node-gpu/package.json'));
    const inPack = [...packed.keys()].filter((f) => f.startsWith('node_modules/@tensorflow/tfjs-node-gpu/'));
    if (installed) {
      expect(inPack.length).toBeGreaterThan(0);
      for (const f of inPack.filter((f) => /\.(node|so(\.\d+)*|dll|dylib)$/.test(f))) expectResolves(f, true);
    } else {
      expect(inPack).toEqual([]);
    }
  });

  it('holds every renderer asset inside the archive', () => {
    const assets: string[] = [];
    walk(path.join(repo, 'renderer/dist'), (f) => assets.push(path.relative(repo, f).split(path.sep).join('/')));
    const shipped = assets.filter((f) => !f.endsWith('.map'));
    expect(shipped).toContain('renderer/dist/index.html');
    for (const f of shipped) expectResolves(f, false);
    expect(Object.keys((getRawHeader(archive).header as any).files)).toContain('renderer');
  });
});

describe('the production renderer from the packed app', () => {
  it('loads through the app:// resolver in Chromium, with no dev server and no failed request', async () => {
    // The renderer's files exactly as packed, taken out of the archive.
    const dist = path.join(work, 'renderer-dist');
    for (const rel of [...packed.keys()].filter((f) => f.startsWith('renderer/dist/'))) {
      const out = path.join(dist, rel.slice('renderer/dist/'.length));
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, extractFile(archive, rel));
    }
    // Chromium cannot be taught app:// from outside Electron: a loopback server maps
    // each path to the same app:// URL and answers with the resolver's file and headers.
    const server = http.createServer((req, res) => {
      const r = resolveAppRequest(`${APP_ORIGIN}${req.url ?? '/'}`, dist, req.method);
      if (!r.ok) {
        res.writeHead(r.status).end();
        return;
      }
      res.writeHead(200, appHeaders(r.contentType)).end(req.method === 'HEAD' ? undefined : readFileSync(r.file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      const failed: string[] = [];
      const problems: string[] = [];
      page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
      page.on('response', (r) => {
        if (r.status() >= 400) failed.push(`${r.url()} ${r.status()}`);
      });
      page.on('console', (m) => {
        if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      // The desktop app's preload provides window.lumen; here a stand-in answers
      // nothing, so the UI shows its shell without an engine.
      await page.addInitScript(() => {
        (globalThis as any).lumen = { shell: 'electron', invoke: () => new Promise(() => {}), on: () => () => {} };
      });
      const response = await page.goto(`http://127.0.0.1:${port}/index.html`);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
      await page.locator('#root > *').first().waitFor({ timeout: 30_000 });
      await page.waitForLoadState('networkidle');
      mkdirSync(path.join(repo, 'test-results'), { recursive: true });
      await page.screenshot({ path: path.join(repo, 'test-results/packed-renderer.png') });
      expect(failed).toEqual([]);
      expect(problems).toEqual([]);
      const text = await page.locator('#root').innerText();
      expect(text).toMatch(/studies/i);
      expect(text).toMatch(/No series open/);
    } finally {
      await browser.close();
      server.close();
    }
  }, 120_000);
});
