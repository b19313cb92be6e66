// Every file below a folder with the start of its bytes, sorted: the state a test compares
// before and after something that must leave a folder as it was (a deletion put back).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** "<relative path> <first 24 base64 characters of its bytes>" for every file below `dir`, in name order. */
export function treeSnapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string, rel: string) => {
    for (const name of readdirSync(at).sort()) {
      const p = path.join(at, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) walk(p, r);
      else out.push(`${r} ${readFileSync(p).toString('base64').slice(0, 24)}`);
    }
  };
  walk(dir, '');
  return out;
}
