import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorLine, errorMessage } from '../../common/errors';

// common/errors.ts is the one way a thrown value becomes text for a person.
describe('errorMessage', () => {
  it('an Error gives its message, never its stack', () => {
    const err = new TypeError('the file is not DICOM');
    expect(errorMessage(err)).toBe('the file is not DICOM');
    expect(errorMessage(err)).not.toContain('at ');
  });

  it('an Error without a message gives its name, not an empty string', () => {
    expect(errorMessage(new RangeError())).toBe('RangeError');
  });

  it('a thrown string is the message', () => {
    expect(errorMessage('dicomParser.readPart10Header: DICM prefix not found')).toBe('dicomParser.readPart10Header: DICM prefix not found');
  });

  it("an object with a message (a worker's or a structured-clone error) gives it", () => {
    expect(errorMessage({ message: 'decoder crashed', name: 'Error' })).toBe('decoder crashed');
  });

  it("dicom-parser's { exception } objects give the inner reason", () => {
    expect(errorMessage({ exception: 'buffer overread', dataSet: {} })).toBe('buffer overread');
    expect(errorMessage({ exception: new Error('nested') })).toBe('nested');
  });

  it('anything else gives readable text, never "[object Object]"', () => {
    expect(errorMessage({ code: 3 })).not.toContain('[object Object]');
    expect(errorMessage({ code: 3 })).toBe('an unexpected error');
    expect(errorMessage(undefined)).toBe('an unexpected error');
    expect(errorMessage(null)).toBe('an unexpected error');
    expect(errorMessage(42)).toBe('42');
  });

  it('errorLine keeps the first line, cut to a length', () => {
    expect(errorLine(new Error('first line\n    at stack frame'))).toBe('first line');
    expect(errorLine('x'.repeat(500), 300)).toHaveLength(300);
  });
});

describe('one helper', () => {
  // The patterns modules used to write for themselves; common/errors.ts replaces them.
  // (String(err) of an Error shows "Error: ..."; (err as Error).message is undefined for a thrown string.)
  const pattern = /instanceof Error \? \w+\.message : String\(|\(\w+ as Error\)\.message|String\((err|error|reason|e)\)/;
  const roots = ['common', 'models', 'electron', 'renderer/src', 'bench'];

  function* sources(dir: string): Generator<string> {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) yield* sources(path);
      else if (/\.(ts|tsx)$/.test(name)) yield path;
    }
  }

  it('no product or bench file turns errors into text its own way', () => {
    const offenders = roots.flatMap((r) => [...sources(r)]).filter((f) => f !== join('common', 'errors.ts') && pattern.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  // Tests and their helpers too, for the first pattern: a message a test writes out or compares
  // is the one a person would read. `(err as Error).message` stays allowed there: a test that
  // asserts a thrown Error's message fails, as it should, when something else is thrown.
  it('no test or test helper turns errors into text its own way', () => {
    const ownWay = /instanceof Error \? \w+\.message : String\(/;
    const offenders = [...sources('test')].filter((f) => f !== join('test', 'common', 'errors.test.ts') && ownWay.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
