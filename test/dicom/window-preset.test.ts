// The one window-preset resolver (electron/dicom/model-input.ts's resolveWindow), which
// training, the app's Run, lumen predict and lumen eval all use through the pixel
// pipeline: a preset by id or name, or an explicit window, and for an unknown preset an
// error that names it and lists the known ones, never a silent fallback to another window.
import { describe, expect, it } from 'vitest';
import { resolveWindow } from '../../electron/dicom/model-input';
import { VOI_PRESETS } from '../../electron/dicom/pixels';

describe('resolveWindow', () => {
  it('finds a preset by id, by name or by its short name, in any case', () => {
    const lung = { center: -600, width: 1500 };
    for (const window of ['ct-lung', 'Lung', 'lung', ' LUNG ']) expect(resolveWindow({ window })).toEqual(lung);
    expect(resolveWindow({ window: 'Abdomen (soft tissue)' })).toEqual({ center: 40, width: 400 });
  });

  it('passes an explicit window through, and none means the file’s own', () => {
    expect(resolveWindow({ window: { center: 10, width: 20 } })).toEqual({ center: 10, width: 20 });
    expect(resolveWindow({})).toBeUndefined();
  });

  it('refuses an unknown preset, naming it and the known ones', () => {
    expect(() => resolveWindow({ window: 'ct-lungs' })).toThrow(/^Unknown window preset "ct-lungs"\. Known presets: .*ct-lung/);
    const known = Object.values(VOI_PRESETS).flat().map((p) => p.id);
    expect(() => resolveWindow({ window: 'nope' })).toThrow(known.join(', '));
  });
});
