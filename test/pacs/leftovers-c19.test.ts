// Task C (session 19): what a stopped receiver or retrieve leaves, and what a live one is still filing.
// 1. `.part` files (filer.ts openIncoming: <pid>-<16 hex>.part in <library>/pacs-incoming/) of a
//    receiver or retrieve that was killed were never removed. Now each receiver and retrieve start
//    removes those whose process is gone (plain files of that exact name, directly in that folder),
//    and says how many. Failed before: the dead process's file stayed and nothing was said.
// 2. A retrieve started beside a live receiver (another process) filed the receiver's pending
//    instances as "received before Lumen stopped". Now each marker names its process (owner.ts) and
//    a live one's are left to it. Failed before: "3 instances received before Lumen stopped were
//    filed now" while the receiver ran, and the receiver's own marker was taken.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { spawnLumen } from '../support/crash';
import { freePort } from '../support/orthanc';
import { tempFolderForTests } from '../support/temp-folder';
import { writeManyCt } from '../support/many-ct';
import { instancesListed as listed } from '../support/library-rows';
import { Library } from '../../electron/library/library';
import { fileLeftovers } from '../../electron/pacs/filer';
import { ownerOf, ownerText } from '../../electron/pacs/owner';

const t = tempFolderForTests('leftovers-c19', (dir) => ({
  set: writeManyCt(path.join(dir, 'sent'), { studies: 1, series: 2, slices: 60, root: '71', name: 'SENTC' }),
  few: writeManyCt(path.join(dir, 'few'), { studies: 1, series: 1, slices: 4, root: '72', name: 'FEWC' }),
}));

const hex = (n: number) => Array.from({ length: n }, (_, i) => 'abcdef0123456789'[(i * 7 + n) % 16]).join('');
const waitExit = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
/** The pid of a process that has ended (and been reaped: a zombie still answers kill(pid, 0)). */
const deadPid = async (): Promise<number> => {
  const child = spawn('true');
  await waitExit(child);
  await sleep(50);
  return child.pid!;
};
const sopOf = (file: string) => execFileSync('dcmdump', ['+P', '0008,0018', '-s', file], { encoding: 'utf8' }).match(/\[([\d.]+)\]/)![1];
/** Every marker under pacs-pending/ whose instance is in pacs/. */
const pendingMarkers = (library: string): string[] => {
  const dir = path.join(library, 'pacs-pending');
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const study of fs.readdirSync(dir))
    for (const series of fs.readdirSync(path.join(dir, study)))
      for (const sop of fs.readdirSync(path.join(dir, study, series))) if (fs.existsSync(path.join(library, 'pacs', study, series, `${sop}.dcm`))) out.push(path.join(dir, study, series, sop));
  return out;
};

async function listen(data: string, port: number) {
  const receiver = spawnLumen(['pacs', 'listen', '--host', '127.0.0.1', '--port', String(port), '--allow', 'SENDER'], { LUMEN_DATA_DIR: data });
  for (let waited = 0; !receiver.output().includes('Listening as'); waited += 20) {
    if (receiver.exitCode !== null || waited > 30_000) throw new Error(receiver.output());
    await sleep(20);
  }
  return receiver;
}

async function stop(receiver: Awaited<ReturnType<typeof listen>>): Promise<void> {
  const closed = waitExit(receiver);
  receiver.kill('SIGINT');
  await closed;
}

/** Plants, in `incoming`, the partial files of a dead and a live process, and what is not a partial file of a stopped one. */
async function plantPartials(incoming: string, outside: string, live: number) {
  fs.mkdirSync(incoming, { recursive: true });
  fs.mkdirSync(outside, { recursive: true });
  const dead = await deadPid();
  const names = {
    dead1: `${dead}-${hex(16)}.part`,
    dead2: `${dead}-${hex(16).replace(/^./, '0')}.part`,
    live: `${live}-${hex(16)}.part`,
    link: `${dead}-${'1'.repeat(16)}.part`,
    folder: `${dead}-${'2'.repeat(16)}.part`,
    other: `${dead}-${hex(15)}.part`,
    notes: 'notes.part',
  };
  fs.writeFileSync(path.join(incoming, names.dead1), 'half an instance');
  fs.writeFileSync(path.join(incoming, names.dead2), 'another half');
  fs.writeFileSync(path.join(incoming, names.live), 'still arriving');
  // A link of that name to a file outside: neither it nor its target is touched.
  fs.writeFileSync(path.join(outside, 'precious'), 'keep me');
  fs.symlinkSync(path.join(outside, 'precious'), path.join(incoming, names.link));
  // A folder of that name (with a file in it), and names not exactly a partial file's.
  fs.mkdirSync(path.join(incoming, names.folder));
  fs.writeFileSync(path.join(incoming, names.folder, `${dead}-${hex(16)}.part`), 'in a folder');
  fs.writeFileSync(path.join(incoming, names.other), 'not the pattern');
  fs.writeFileSync(path.join(incoming, names.notes), 'not the pattern');
  return names;
}

function expectOnlyDeadRemoved(incoming: string, outside: string, names: Awaited<ReturnType<typeof plantPartials>>) {
  expect(fs.existsSync(path.join(incoming, names.dead1))).toBe(false);
  expect(fs.existsSync(path.join(incoming, names.dead2))).toBe(false);
  expect(fs.readFileSync(path.join(incoming, names.live), 'utf8')).toBe('still arriving');
  expect(fs.lstatSync(path.join(incoming, names.link)).isSymbolicLink()).toBe(true);
  expect(fs.readFileSync(path.join(outside, 'precious'), 'utf8')).toBe('keep me');
  expect(fs.readdirSync(path.join(incoming, names.folder))).toHaveLength(1);
  expect(fs.existsSync(path.join(incoming, names.other))).toBe(true);
  expect(fs.existsSync(path.join(incoming, names.notes))).toBe(true);
}

describe('partial files a stopped receiver or retrieve left in pacs-incoming/', () => {
  it('lumen pacs listen removes the dead process\'s, keeps a live one\'s and anything else, and says how many', async () => {
    const data = path.join(t.dir, 'listen-parts');
    const incoming = path.join(data, 'library', 'pacs-incoming');
    const live = spawn('sleep', ['120']);
    try {
      const names = await plantPartials(incoming, path.join(t.dir, 'outside1'), live.pid!);
      const receiver = await listen(data, await freePort());
      await stop(receiver);
      expect(receiver.output()).toContain('Removed 2 partial files a stopped receiver or retrieve left.');
      expectOnlyDeadRemoved(incoming, path.join(t.dir, 'outside1'), names);
      // Nothing left to remove: a second start says nothing of it.
      const again = await listen(data, await freePort());
      await stop(again);
      expect(again.output()).not.toContain('partial file');
    } finally {
      live.kill();
    }
  }, 60_000);

  it('lumen pacs retrieve removes them too, and never through a pacs-incoming that is a link', async () => {
    const data = path.join(t.dir, 'retrieve-parts');
    const library = path.join(data, 'library');
    const live = spawn('sleep', ['120']);
    try {
      const names = await plantPartials(path.join(library, 'pacs-incoming'), path.join(t.dir, 'outside2'), live.pid!);
      const port = await freePort();
      expect((await runLumen(['pacs', 'add', '--name', 'gone', '--dimse', `GONE@127.0.0.1:${port}`], data)).code).toBe(0);
      const retrieve = await runLumen(['pacs', 'retrieve', '--pacs', 'gone', '1.2.3.4', '--timeout', '5'], data);
      expect(retrieve.code).toBe(1);
      expect(retrieve.stderr).toContain('lumen pacs retrieve: Removed 2 partial files a stopped receiver or retrieve left.');
      expectOnlyDeadRemoved(path.join(library, 'pacs-incoming'), path.join(t.dir, 'outside2'), names);

      // pacs-incoming/ replaced by a link to a folder elsewhere: what lies there is not the library's, and stays.
      const elsewhere = path.join(t.dir, 'elsewhere');
      fs.mkdirSync(elsewhere);
      const stray = path.join(elsewhere, `${await deadPid()}-${hex(16)}.part`);
      fs.writeFileSync(stray, 'not the library');
      fs.rmSync(path.join(library, 'pacs-incoming'), { recursive: true });
      fs.symlinkSync(elsewhere, path.join(library, 'pacs-incoming'));
      const again = await runLumen(['pacs', 'retrieve', '--pacs', 'gone', '1.2.3.4', '--timeout', '5'], data);
      expect(again.stderr).not.toContain('partial file');
      expect(fs.readFileSync(stray, 'utf8')).toBe('not the library');
    } finally {
      live.kill();
    }
  }, 60_000);
});

describe('pending instances of a live receiver', () => {
  it('a retrieve beside a receiver that is still filing leaves its instances to it; they are filed once', async () => {
    for (let attempt = 1; ; attempt++) {
      const data = path.join(t.dir, `beside${attempt}`);
      const library = path.join(data, 'library');
      const port = await freePort();
      const receiver = await listen(data, port);
      const sender = spawn('timeout', ['120', 'storescu', '-aet', 'SENDER', '-aec', 'LUMEN', '+sd', '+r', '127.0.0.1', String(port), t.set.dir], { stdio: 'ignore' });
      const senderDone = waitExit(sender);
      // Stopped (not killed) once instances are written and not imported yet: the receiver still runs, mid-association.
      for (let waited = 0; pendingMarkers(library).length < 3 && receiver.exitCode === null && waited < 60_000; waited += 5) await sleep(5);
      receiver.kill('SIGSTOP');
      const pending = pendingMarkers(library);
      const before = listed(library);
      try {
        if (pending.length < 3 && attempt < 3) continue;
        expect(pending.length).toBeGreaterThanOrEqual(3);
        // Another process's retrieve starts now (a PACS that is not there: it fails after its start-up filing).
        expect((await runLumen(['pacs', 'add', '--name', 'gone', '--dimse', `GONE@127.0.0.1:${await freePort()}`], data)).code).toBe(0);
        const retrieve = await runLumen(['pacs', 'retrieve', '--pacs', 'gone', '1.2.3.4', '--timeout', '5'], data);
        expect(retrieve.stderr).toContain('cannot reach PACS "gone"');
        expect(retrieve.stderr).not.toContain('before Lumen stopped');
        expect(listed(library)).toBe(before);
        for (const marker of pending) expect(fs.existsSync(marker)).toBe(true);
      } finally {
        receiver.kill('SIGCONT');
      }
      await senderDone;
      expect(sender.exitCode).toBe(0);
      await stop(receiver);
      // The receiver filed every instance itself, and said so: all 120, none twice, no marker left.
      expect(listed(library)).toBe(t.set.files);
      expect(receiver.output()).toContain(`received ${t.set.files} images`);
      expect(pendingMarkers(library)).toEqual([]);
      return;
    }
  }, 240_000);

  it("files the markers of a process that is gone or was another with the same pid, and old empty ones; not a live one's", async () => {
    const library = Library.open(path.join(t.dir, 'owners'));
    const sources = fs.readdirSync(path.join(t.few.dir, 'study1')).map((f) => path.join(t.few.dir, 'study1', f));
    const [study, series] = [t.few.studyUids[0], t.few.seriesUids[0]];
    const live = spawn('sleep', ['120']);
    try {
      const liveOwner = ownerOf(live.pid!);
      expect(liveOwner).not.toBeNull();
      const owners = [
        '', // made before markers named their process
        ownerText({ pid: await deadPid() }),
        // The live process's pid, but another start time: the pid was reused, its maker is gone.
        ownerText({ ...liveOwner!, start: String(Number(liveOwner!.start ?? 0) + 1) }),
        ownerText(liveOwner!),
      ];
      const seriesDir = path.join(library.dir, 'pacs', study, series);
      const markerDir = path.join(library.dir, 'pacs-pending', study, series);
      fs.mkdirSync(seriesDir, { recursive: true });
      fs.mkdirSync(markerDir, { recursive: true });
      sources.forEach((source, i) => {
        fs.copyFileSync(source, path.join(seriesDir, `${sopOf(source)}.dcm`));
        fs.writeFileSync(path.join(markerDir, sopOf(source)), owners[i]);
      });
      // A live process's marker whose file it has not written yet: not cleared.
      fs.writeFileSync(path.join(markerDir, '1.2.3.9'), ownerText(liveOwner!));
      // A marker's temporary file a killed writer left: removed; a live writer's: kept.
      const deadTemp = `1.2.3.10.${await deadPid()}-0123abcd.tmp`;
      const liveTemp = `1.2.3.11.${live.pid}-0123abcd.tmp`;
      fs.writeFileSync(path.join(markerDir, deadTemp), '');
      fs.writeFileSync(path.join(markerDir, liveTemp), '');

      const report = await fileLeftovers(library);
      expect(report).toMatchObject({ found: 3, filed: 3, failed: 0 });
      expect(library.presentInstances(sources.map(sopOf)).size).toBe(3);
      expect(library.presentInstances([sopOf(sources[3])]).size).toBe(0);
      expect(fs.readdirSync(markerDir).sort()).toEqual(['1.2.3.9', liveTemp, sopOf(sources[3])].sort());

      // Once the live process is gone, its markers are filed (and the one with no file dropped).
      live.kill();
      await waitExit(live);
      const after = await fileLeftovers(library);
      expect(after).toMatchObject({ found: 1, filed: 1 });
      expect(library.presentInstances([sopOf(sources[3])]).size).toBe(1);
      expect(fs.readdirSync(markerDir)).toEqual([]);
    } finally {
      live.kill();
      library.close();
    }
  }, 60_000);
});
