// `lumen bench pacs`: a generated CT study (500 slices of 512x512 by default) loaded into a
// local Orthanc (Debian's, started on loopback ports with a temporary configuration, as the
// PACS tests do), then retrieved into a fresh library by Lumen over DICOMweb (WADO-RS) and
// over DIMSE (C-GET), next to dcmtk doing the same retrieval in the same run: getscu (C-GET
// into a folder) and movescu acting as its own C-STORE receiver (C-MOVE). Instances/s, and
// each of Lumen's rates as a ratio to getscu's. Lumen's side files every instance into the
// library (checked, written whole, imported); dcmtk's only writes files.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { removeInside } from '../common/node/safe-fs';
import type { PacsConnection, Credentials } from '../electron/pacs/connections';
import { retrieveStudy } from '../electron/pacs/retrieve';
import { Library } from '../electron/library/library';
import { CliError, parseCommandArgs, printJson } from '../electron/cli/command';
import { freePort, orthancInstalled, startOrthanc, type Orthanc } from '../test/support/orthanc';
import { BENCH_STUDY, ensureCtSeries } from './library';
import { intOption, roundTo as round, type BenchSuite } from './suite';

const DEFAULT_INSTANCES = 500;
const DEFAULT_ROUNDS = 2;
/**
 * dcmtk at its fastest: its largest receive PDU (its default, 16 KB, made getscu 20.8
 * instances/s against a 262 MB study here; the PACS's PDUs are then 8 times fewer).
 */
const DCMTK_MAX_PDU = 131072;
/** A dcmtk run that takes longer than this has hung: it is stopped and the bench fails. */
const TOOL_LIMIT_MS = 10 * 60_000;



/** Runs a dcmtk tool, bounded; rejects with its output when it fails. */
function tool(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), TOOL_LIMIT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new CliError(`${command} could not start (${err.message}): install dcmtk (apt-get install dcmtk).`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new CliError(`${command} ${signal ? `was stopped (${signal})` : `exited with ${code}`}:\n${out.trim()}`));
    });
  });
}

/** DICOM files directly in a folder (dcmtk names them by modality and SOP Instance UID). */
function countFiles(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).length;
}

interface Way {
  name: string;
  /** Retrieves the whole study once into a fresh place under `scratch`; returns how many instances arrived. */
  run(scratch: string): Promise<number>;
}

export interface PacsBenchReport {
  study: { instances: number; rows: number; columns: number; megabytes: number };
  pacs: { server: string; dicomweb: string; dimse: string };
  /** Per way: instances/s (best round), seconds per round, and its rate ÷ getscu's. */
  results: { way: string; instancesPerSecond: number; secondsPerRound: number[]; ratioToGetscu: number }[];
  rounds: number;
  machine: { cpus: number; cpuModel: string; node: string; loadAverage1m: number };
}

export const suite: BenchSuite = {
  summary: 'A generated 500-instance CT study retrieved from a local Orthanc into a fresh library over DICOMweb and DIMSE C-GET (instances/s), next to dcmtk getscu and movescu in the same run.',
  usage: `lumen bench pacs [--instances N (default ${DEFAULT_INSTANCES})] [--rounds N (default ${DEFAULT_ROUNDS})] [--json]`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, instances: { type: 'string' }, rounds: { type: 'string' } });
    const instances = intOption(values.instances, DEFAULT_INSTANCES, 'instances', 1, 5000);
    const rounds = intOption(values.rounds, DEFAULT_ROUNDS, 'rounds', 1, 10);
    if (!orthancInstalled()) throw new CliError("lumen bench pacs needs Debian's orthanc and orthanc-dicomweb (apt-get install orthanc orthanc-dicomweb; .ci/run installs them).");
    const say = (line: string) => (values.json ? process.stderr : process.stdout).write(line + '\n');

    say(`Preparing a ${instances}-instance 512x512 CT study…`);
    const folder = ensureCtSeries(instances);
    const files = fs.readdirSync(folder).sort().map((f) => path.join(folder, f));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-bench-pacs-'));
    const movePort = await freePort();
    let orthanc: Orthanc | undefined;
    try {
      // LUMEN may query and retrieve; DCMTK (movescu's own receiver) is where C-MOVE sends.
      orthanc = await startOrthanc({ modalities: { lumen: { aet: 'LUMEN', port: await freePort() }, dcmtk: { aet: 'DCMTK', port: movePort } } });
      const server = orthanc;
      say(`Loading it into Orthanc ${server.url} …`);
      let bytes = 0;
      for (const file of files) {
        const data = fs.readFileSync(file);
        bytes += data.length;
        await server.store(data);
      }
      const credentials: Credentials = { user: server.user, password: server.password };
      const web: PacsConnection = { name: 'bench-web', kind: 'dicomweb', url: server.dicomWebUrl, auth: 'basic' };
      const dimse: PacsConnection = { name: 'bench-dimse', kind: 'dimse', calledAet: server.aet, host: '127.0.0.1', port: server.dicomPort, callingAet: 'LUMEN' };
      const lumen = (connection: PacsConnection, creds: Credentials | null): Way['run'] => async (dir) => {
        const library = Library.open(path.join(dir, 'library'));
        try {
          const report = await retrieveStudy(connection, creds, { studyUid: BENCH_STUDY }, library);
          if (report.stopped) throw new CliError(`Lumen's retrieve over ${connection.kind} stopped: ${report.stopped}`);
          return report.received;
        } finally {
          library.close();
        }
      };
      const studyKeys = ['-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${BENCH_STUDY}`];
      const ways: Way[] = [
        { name: 'lumen dicomweb (WADO-RS)', run: lumen(web, credentials) },
        { name: 'lumen dimse (C-GET)', run: lumen(dimse, null) },
        {
          name: 'dcmtk getscu (C-GET)',
          async run(dir) {
            fs.mkdirSync(dir);
            await tool('getscu', ['--max-pdu', String(DCMTK_MAX_PDU), '-aet', 'LUMEN', '-aec', server.aet, '-S', ...studyKeys, '-od', dir, '127.0.0.1', String(server.dicomPort)]);
            return countFiles(dir);
          },
        },
        {
          name: 'dcmtk movescu (C-MOVE to its own receiver)',
          async run(dir) {
            fs.mkdirSync(dir);
            await tool('movescu', ['--max-pdu', String(DCMTK_MAX_PDU), '-aet', 'DCMTK', '-aec', server.aet, '-aem', 'DCMTK', '--port', String(movePort), '-S', ...studyKeys, '-od', dir, '127.0.0.1', String(server.dicomPort)]);
            return countFiles(dir);
          },
        },
      ];
      const seconds: number[][] = ways.map(() => []);
      for (let r = 0; r < rounds; r++) {
        // Interleaved, so that load from other processes hits every way alike.
        for (const [i, way] of ways.entries()) {
          const dir = path.join(scratch, `r${r}-w${i}`);
          const t = performance.now();
          const got = await way.run(dir);
          const s = (performance.now() - t) / 1000;
          if (got !== instances) throw new CliError(`${way.name} retrieved ${got} of ${instances} instances.`);
          seconds[i].push(s);
          removeInside(scratch, dir);
          say(`  round ${r + 1}: ${way.name}: ${round(instances / s)} instances/s`);
        }
      }
      const best = seconds.map((s) => Math.min(...s));
      const getscu = best[2];
      const cpus = os.cpus();
      const report: PacsBenchReport = {
        study: { instances, rows: 512, columns: 512, megabytes: round(bytes / 1e6) },
        pacs: { server: 'Orthanc (Debian) on 127.0.0.1', dicomweb: server.dicomWebUrl, dimse: `${server.aet}@127.0.0.1:${server.dicomPort}` },
        results: ways.map((w, i) => ({ way: w.name, instancesPerSecond: round(instances / best[i]), secondsPerRound: seconds[i].map((s) => round(s, 3)), ratioToGetscu: round(getscu / best[i], 3) })),
        rounds,
        machine: { cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown', node: process.version, loadAverage1m: round(os.loadavg()[0], 2) },
      };
      if (values.json) printJson(report);
      else {
        const lines = report.results.map((x) => `${x.way.padEnd(44)} ${String(x.instancesPerSecond).padStart(7)} instances/s   ${x.ratioToGetscu}× getscu`);
        process.stdout.write(
          [`Retrieving ${instances} instances (${report.study.megabytes} MB) from a local Orthanc, best of ${rounds} interleaved rounds:`, ...lines, `(${cpus.length} × ${report.machine.cpuModel}, Node ${process.version}, load average ${report.machine.loadAverage1m})`].join('\n') + '\n',
        );
      }
      return 0;
    } finally {
      await orthanc?.stop();
      removeInside(os.tmpdir(), scratch);
    }
  },
};
