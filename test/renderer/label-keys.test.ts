import { describe, expect, it } from 'vitest';
import { variantDisplayName } from '../../common/contract/models';
import { requests } from '../../common/contract';
import { labelClasses, labelKeyAction, labelKeysSentence } from '../../renderer/src/workspace/labelKeys';

const key = (code: string, shiftKey = false, key = '') => ({ code, key, shiftKey });

describe('label keys', () => {
  it('number the library classes; the defaults only for an empty library; added classes after', () => {
    expect(labelClasses([], [])).toEqual(['normal', 'abnormal']);
    expect(labelClasses(['lesion', 'none'], [])).toEqual(['lesion', 'none']);
    expect(labelClasses(['lesion', 'none'], ['cyst', 'none'])).toEqual(['lesion', 'none', 'cyst']);
  });

  it('keep each class on its key while the library holds only the defaults and added classes', () => {
    // Key 2 labelled a series "abnormal": key 1 is still "normal", not "abnormal" (the library lists its classes sorted).
    expect(labelClasses(['abnormal'], [])).toEqual(['normal', 'abnormal']);
    expect(labelClasses(['abnormal', 'normal'], [])).toEqual(['normal', 'abnormal']);
    expect(labelClasses(['abnormal', 'cyst', 'normal'], ['cyst'])).toEqual(['normal', 'abnormal', 'cyst']);
    // A class from elsewhere (a CSV): the library's classes, as before.
    expect(labelClasses(['abnormal', 'lesion'], [])).toEqual(['abnormal', 'lesion']);
  });

  it('say which keys label, in the singular for one class', () => {
    expect(labelKeysSentence(2)).toMatch(/^Keys 1–2 label the series with that class, Shift\+1–2 this image only; 0 or Delete/);
    expect(labelKeysSentence(1)).toMatch(/^Key 1 labels the series with its class, Shift\+1 this image only; /);
    expect(labelKeysSentence(12)).toMatch(/^Keys 1–9 /);
  });

  it('give a class only to numbers that have one, by code whatever the layout', () => {
    const classes = ['lesion', 'none'];
    expect(labelKeyAction(key('Digit2'), classes)).toEqual({ kind: 'set', className: 'none', imageOnly: false });
    expect(labelKeyAction(key('Digit2', true, '@'), classes)).toEqual({ kind: 'set', className: 'none', imageOnly: true });
    expect(labelKeyAction(key('Digit3', true), classes)).toEqual({ kind: 'no-class', digit: 3 });
    expect(labelKeyAction(key('Digit0'), classes)).toEqual({ kind: 'clear', imageOnly: false });
    expect(labelKeyAction(key('Digit0', true, ')'), classes)).toEqual({ kind: 'clear', imageOnly: true });
    expect(labelKeyAction(key('Delete', false, 'Delete'), classes)).toEqual({ kind: 'clear', imageOnly: false });
    expect(labelKeyAction(key('KeyA', false, 'a'), classes)).toBeNull();
    expect(labelKeyAction({ ...key('Digit1'), ctrlKey: true }, classes)).toBeNull();
  });
});

describe('variant names', () => {
  it('say how large a custom network is', () => {
    expect(variantDisplayName('custom-phi-10')).toBe('tiny (φ\u00a0=\u00a0−10)');
    expect(variantDisplayName('custom-phi-2')).toBe('small (φ\u00a0=\u00a0−2)');
    expect(variantDisplayName('custom-phi2')).toBe('large (φ\u00a0=\u00a02)');
    expect(variantDisplayName('b0')).toBe('B0');
    expect(variantDisplayName('v2-s')).toBe('V2-S');
  });
});

describe('training.report', () => {
  it('names only a training report', () => {
    const input = requests['training.report'].input;
    expect(input.safeParse({ path: '/data/models/a.report.html' }).success).toBe(true);
    expect(input.safeParse({ path: '/etc/passwd' }).success).toBe(false);
    expect(input.safeParse({ path: '/data/models/a/metadata.json' }).success).toBe(false);
  });
});
