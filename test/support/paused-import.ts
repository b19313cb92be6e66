// Two `lumen models import`s at once, in a set order: the first is paused (SIGSTOP) once it
// unpacks beside models/<name> (`<name>.partial-*`), as a slower disk or a busier process would
// leave it; the second runs to its end meanwhile; then the first goes on. Used by the tests of
// two imports of one name (m18) and of one package (c20).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { runLumen } from './cli';
import { spawnLumen } from './crash';

export interface PausedImport {
  /** The first import: its exit code and all it wrote (stdout and stderr). */
  first: { code: number | null; output: string };
  /** The second, run while the first was paused. */
  second: Awaited<ReturnType<typeof runLumen>>;
}

/** Imports `firstFile` into the data folder `data`, pausing it as it unpacks as `name`, while `secondFile` is imported. */
export async function importWhileOnePaused(data: string, name: string, firstFile: string, secondFile: string): Promise<PausedImport> {
  const models = path.join(data, 'models');
  const first = spawnLumen(['models', 'import', firstFile, '--json'], { LUMEN_DATA_DIR: data });
  const firstDone = new Promise<number | null>((resolve) => first.once('close', resolve));
  const unpacking = () => existsSync(models) && readdirSync(models).some((n) => n.startsWith(`${name}.partial-`));
  const waitUntil = Date.now() + 120_000;
  while (!unpacking()) {
    expect(first.exitCode, `the first import ended before it unpacked: ${first.output()}`).toBeNull();
    expect(Date.now(), 'the first import never started unpacking').toBeLessThan(waitUntil);
    await new Promise((r) => setTimeout(r, 2));
  }
  first.kill('SIGSTOP');
  let second: PausedImport['second'];
  try {
    second = await runLumen(['models', 'import', secondFile, '--json'], data);
  } finally {
    first.kill('SIGCONT');
  }
  return { first: { code: await firstDone, output: first.output() }, second };
}
