// Task R (session 18): another process that holds a library's write lock, as another Lumen's
// import does while it writes a batch (importer.ts: BEGIN IMMEDIATE ... COMMIT). A plain Node
// child with better-sqlite3 takes the lock and says so; then it either holds it, committing
// nothing, until `releaseAfterMs` has passed or it is told to let go (release()), or, with
// `churnMs`, writes like an import for that long: a row, COMMIT and BEGIN IMMEDIATE again at
// once every 20 ms, leaving the lock free only for microseconds.
import { spawn, type ChildProcess } from 'node:child_process';

const HOLDER = `
const Database = require('better-sqlite3');
const [file, releaseAfterMs, churnMs] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.exec('BEGIN IMMEDIATE');
let done = false;
const release = () => { if (done) return; done = true; db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); process.exit(0); };
process.stdout.write('locked\\n');
if (churnMs > 0) {
  db.exec('CREATE TABLE IF NOT EXISTS r18_churn (n INTEGER)');
  const row = db.prepare('INSERT INTO r18_churn (n) VALUES (?)');
  const end = Date.now() + churnMs;
  for (let n = 0; Date.now() < end; n++) {
    row.run(n);
    const batch = Date.now();
    while (Date.now() - batch < 20);
    db.exec('COMMIT; BEGIN IMMEDIATE');
  }
  release();
}
process.stdin.on('data', release);
process.stdin.on('end', release);
if (releaseAfterMs > 0) setTimeout(release, releaseAfterMs);
`;

export interface LockHolder {
  child: ChildProcess;
  /** Commits (the lock goes) and resolves once the child has ended. */
  release: () => Promise<void>;
}

/** Resolves once a child process holds the write lock of the SQLite file `file` (see the top of this file). */
export function holdWriteLock(file: string, o: { releaseAfterMs?: number; churnMs?: number } = {}): Promise<LockHolder> {
  const child = spawn(process.execPath, ['-e', HOLDER, file, String(o.releaseAfterMs ?? 0), String(o.churnMs ?? 0)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  // Told to let go after it already did: the closed pipe is no error.
  child.stdin!.on('error', () => {});
  const release = () => {
    child.stdin!.end();
    return ended;
  };
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => (output += d));
    child.stdout!.on('data', (d) => {
      output += d;
      if (output.includes('locked\n')) resolve({ child, release });
    });
    child.once('exit', (code) => reject(new Error(`the lock holder ended (code ${code}) before it held the lock: ${output}`)));
  });
}
