// A package name is also a folder in models/, beside the folders Lumen makes for a package's
// earlier versions (`<name>.versions`), a training run's checkpoint (`<name>.checkpoint`) and a
// package being written (`<name>.partial-<pid>-<hex>`). A name that looks like one of those would
// be taken for it (a package named "lesion.versions" would receive lesion's earlier versions), so
// the contract refuses such names, with the reason.
import { describe, expect, it } from 'vitest';
import { validateRequest } from '../../common/rpc';

const base = { variant: 'b0', mode: 'head', level: 'image', epochs: 1, seed: 1 };

function check(name: string) {
  return validateRequest('training.start', { ...base, name });
}

describe('model package names', () => {
  it.each(['lesion.versions', 'lesion.checkpoint', 'lesion.partial-123-abcdef12', 'lesion.old-123-abcdef12'])('refuses %s, a name Lumen uses for its own folders', (name) => {
    const reply = check(name);
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.message).toMatch(/Lumen's own folders/);
  });

  it.each(['lesion', 'lesion.v2', 'lesion-b0_2', 'versions', 'my.checkpoints'])('takes %s', (name) => {
    const reply = check(name);
    expect(reply.ok, reply.ok ? '' : reply.error.message).toBe(true);
  });
});
