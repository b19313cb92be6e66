// Whether ONNX Runtime's WebGPU provider is worth trying on Linux: a Vulkan loader is not
// enough; without a driver's ICD manifest Dawn prints "Found no drivers!" on stderr for every
// command that probes the providers. The check reads the places the Vulkan loader reads.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vulkanDriverFound } from '../../models/runtime';

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-vulkan-icd-'));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('vulkanDriverFound', () => {
  it('a manifest named by VK_ICD_FILENAMES or VK_DRIVER_FILES is a driver; a missing one is not', () => {
    const icd = path.join(root, 'named_icd.json');
    writeFileSync(icd, '{}');
    expect(vulkanDriverFound({ VK_ICD_FILENAMES: icd })).toBe(true);
    expect(vulkanDriverFound({ VK_DRIVER_FILES: `${path.join(root, 'absent.json')}:${icd}` })).toBe(true);
    // The variables replace the search: a name that is not there means no driver, whatever is installed.
    expect(vulkanDriverFound({ VK_DRIVER_FILES: path.join(root, 'absent.json') })).toBe(false);
  });

  it('a *.json in $XDG_DATA_DIRS/vulkan/icd.d is a driver; other files there are not', () => {
    const data = path.join(root, 'share');
    mkdirSync(path.join(data, 'vulkan/icd.d'), { recursive: true });
    writeFileSync(path.join(data, 'vulkan/icd.d/README'), 'not a manifest');
    const without = vulkanDriverFound({ XDG_DATA_DIRS: data });
    writeFileSync(path.join(data, 'vulkan/icd.d/gpu_icd.x86_64.json'), '{}');
    expect(vulkanDriverFound({ XDG_DATA_DIRS: data })).toBe(true);
    // Without the manifest the answer is the system's own (/etc/vulkan/icd.d and the rest).
    expect(without).toBe(vulkanDriverFound({ XDG_DATA_DIRS: path.join(root, 'nowhere') }));
  });
});
