// The fuzz targets: every parser of Lumen's that reads what a hostile file, server or page
// sends, each run on the real module (no stand-ins) with an oracle that says what a correct
// answer is. A target throws a Finding when the oracle fails; anything else it throws (a
// TypeError, a RangeError, a thrown string) is a finding too. Seeds come from files made as
// the tests make them (DICOM by dcmtk and GDCM, packages by savePackage).
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
// Only types here: each target imports its modules in its setup, so a worker holds (and V8
// reports coverage for) the code of its own target alone: coverage is read after every input,
// and its cost grows with the functions loaded.
import type { DicomWebClient } from '../../electron/pacs/dicomweb';
import type { TrainingStore } from '../../electron/training/store';

// The planted patient of test/security/hostile-requests.ts: neither may reach an error.
const PATIENT_NAME = 'Qzx^Wv';
const PATIENT_ID = 'PX4471';
const PHI = [/qzx/i, /PX4471/i];
let LIBRARY_WORDS = /$^/;
async function loadWords(): Promise<void> {
  LIBRARY_WORDS = (await import('../support/dicom/fuzz')).LIBRARY_WORDS;
}

export class Finding extends Error {
  /** What tells this finding from others (the detail without its numbers when not given). */
  constructor(
    detail: string,
    readonly signature?: string,
  ) {
    super(detail);
    this.name = 'Finding';
  }
}

export interface FuzzTarget {
  name: string;
  /** What it reads, in a few words (the report and the README). */
  what: string;
  maxLength: number;
  dictionary: string[];
  /** Run once in the thread that starts the workers, before them: what a worker thread cannot make (ONNX Runtime, a native addon, loads in one thread only). */
  prepare?(dir: string): Promise<void>;
  /** Made once per worker under `dir`: seed inputs (and whatever the target's runs need). */
  setup(dir: string): Promise<Uint8Array[]>;
  /** One input; resolves when it was handled as it should be. */
  run(input: Uint8Array): Promise<void> | void;
}

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
/** V8's JSON.parse and TextDecoder messages: a library's words too. */
const RUNTIME_WORDS = /Unexpected token|Unexpected end of JSON|in JSON at position|Bad control character|Expected ',' or|Expected property name|Unterminated string|" is not valid JSON|The encoded data was not valid/;

function checkWords(message: string, where: string): void {
  const words = LIBRARY_WORDS.exec(message) ?? RUNTIME_WORDS.exec(message);
  if (words) throw new Finding(`a library's message reached the user (${where}): ${message.slice(0, 300)}`, `a library's words ("${words[0]}") in ${where}`);
}

/** A lone UTF-16 surrogate: JSON and SQLite change it, so no text a person sees may hold one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
function checkWellFormed(value: unknown, where: string): void {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw new Finding(`text with a lone surrogate in ${where}`);
  } else if (Array.isArray(value)) value.forEach((v, i) => checkWellFormed(v, `${where}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) checkWellFormed(v, `${where}.${k}`);
}

const DICOM_WORDS = ['DICM', '\xfe\xff\x00\xe0', '\xfe\xff\xdd\xe0', '\xfe\xff\x0d\xe0', '\xe0\x7f\x10\x00', '\x02\x00\x10\x00UI', '\x28\x00\x10\x00', '\x28\x00\x11\x00', '\x28\x00\x08\x00IS', '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.1.99', 'MONOCHROME1', 'YBR_FULL_422', 'PALETTE COLOR', '\xff\xd8', '\xff\xc3', '\xff\xf7', '\xff\x4f\xff\x51', 'OB', 'SQ', 'UN'];

let runFuzzCase: typeof import('../support/dicom/fuzz').runFuzzCase;
const dicom: FuzzTarget = {
  name: 'dicom',
  what: 'DICOM files: header read, full parse, every frame decoded (each transfer syntax: RLE, JPEG baseline and lossless, JPEG-LS, JPEG 2000, deflate, encapsulated fragments) and made a model input',
  maxLength: 256 * 1024,
  dictionary: DICOM_WORDS,
  async setup(dir) {
    await loadWords();
    runFuzzCase = (await import('../support/dicom/fuzz')).runFuzzCase;
    const { moreDicomSeeds } = await import('./seeds');
    return [...(await import('../../bench/fuzz')).makeSeeds(dir), ...moreDicomSeeds(dir)].map((s) => s.bytes);
  },
  async run(input) {
    const outcome = await runFuzzCase(input);
    if (outcome.kind === 'crash') throw new Finding(outcome.detail ?? 'crash');
  },
};

let isDicomdir: typeof import('../../electron/library/scan').isDicomdir;
let readDicomdirReferences: typeof import('../../electron/library/scan').readDicomdirReferences;
let staysInsideFolder: typeof import('../../electron/library/scan').staysInsideFolder;
let DicomFileError: typeof import('../../electron/dicom/parse').DicomFileError;
/** The Media Storage SOP Class of a DICOMDIR (a word of the dictionary: isDicomdir looks for it). */
const DICOMDIR_CLASS = '1.2.840.10008.1.3.10';
const dicomdir: FuzzTarget = {
  name: 'dicomdir',
  what: "a DICOMDIR's directory records (the parser's own paths, each failure in its own words) and the files they name",
  maxLength: 64 * 1024,
  dictionary: [...DICOM_WORDS, '\x04\x00\x20\x12SQ', '\x04\x00\x00\x15CS', '\x04\x00\x30\x14CS', '\x04\x00\x00\x14UL', '\x04\x00\x20\x14UL', '\xff\xff\xff\xff', '..\\', 'IMAGE ', 'SERIES', 'PATIENT ', DICOMDIR_CLASS],
  async setup(dir) {
    await loadWords();
    ({ isDicomdir, readDicomdirReferences, staysInsideFolder } = await import('../../electron/library/scan'));
    ({ DicomFileError } = await import('../../electron/dicom/parse'));
    const { writeImage } = await import('../support/dicom/write');
    const root = path.join(dir, 'dicomdir');
    rmSync(root, { recursive: true, force: true });
    mkdirSync(path.join(root, 'IMG'), { recursive: true });
    for (let i = 1; i <= 2; i++) {
      writeImage(path.join(root, 'IMG', `IM${i}`), { uid: `1.2.826.0.1.3680043.10.9.7${i}`, rows: 4, columns: 4, bitsAllocated: 16, modality: 'CT', pixelBytes: new Uint8Array(32) });
    }
    execFileSync('dcmmkdir', ['--recurse', '--output-file', 'DICOMDIR', '--invent', 'IMG'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    const { moreDicomdirSeeds, dicomdirFindings } = await import('./seeds');
    const more = moreDicomdirSeeds(dir, (file, i, patient) =>
      writeImage(file, { uid: `1.2.826.0.1.3680043.10.9.6${patient}${i}`, rows: 4, columns: 4, bitsAllocated: 16, modality: 'MR', pixelBytes: new Uint8Array(32) }),
    );
    const own = new Uint8Array(readFileSync(path.join(root, 'DICOMDIR')));
    // dcmmkdir's first (test/fuzz/regressions.test.ts takes it), what the target found last.
    return [own, ...more, ...dicomdirFindings(own).map((f) => f.bytes)];
  },
  run(input) {
    // Only a DICOMDIR by its meta header reaches the record parser in an import (importer.ts): the
    // rest of the input's mutations are spent on the records, not on the meta header's class.
    if (!isDicomdir(input)) return;
    let refs;
    try {
      refs = readDicomdirReferences(input);
    } catch (err) {
      // The parser's refusal, in its words (the importer shows its own sentence, but a thrown
      // string, a TypeError or a RangeError is a path the parser did not mean to take).
      if (!(err instanceof DicomFileError)) throw err;
      checkWords(err.reason, 'a DICOMDIR refusal');
      return;
    }
    for (const ref of refs) {
      if (!Array.isArray(ref.fileId) || ref.fileId.some((c) => typeof c !== 'string' || c === '')) throw new Finding('a ReferencedFileID that is not a list of names');
      if (typeof ref.recordType !== 'string') throw new Finding('a record type that is not text');
      checkWellFormed(ref, 'a reference');
      if (staysInsideFolder('/base', ref.fileId, null) && ref.fileId.some((c) => c === '..' || c.includes('/'))) throw new Finding('a ReferencedFileID leaving its folder passed the check');
    }
  },
};

let labelStore: TrainingStore | undefined;
let planLabelsCsv: typeof import('../../electron/training/labels').planLabelsCsv;
const labels: FuzzTarget = {
  name: 'labels-csv',
  what: 'a labels CSV file (header, quoting, separators, UIDs, class names)',
  maxLength: 16 * 1024,
  dictionary: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'PatientID', 'label', '"', '""', ',', ';', '\t', '\r\n', '\uFEFF', "'=", PATIENT_ID, PATIENT_NAME, '1.2.826.0.1.3680043.10.9.71', '\u202e', '\ud800'],
  async setup(dir) {
    await loadWords();
    const { Library } = await import('../../electron/library/library');
    const { TrainingStore } = await import('../../electron/training/store');
    planLabelsCsv = (await import('../../electron/training/labels')).planLabelsCsv;
    labelStore = new TrainingStore(Library.open(path.join(dir, 'library')));
    return [
      text(`PatientID,StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,label\n${PATIENT_ID},1.2.3,1.2.3.4,1.2.3.4.5,${PATIENT_NAME}\n${PATIENT_ID},,,,round\n`),
      text(`SeriesInstanceUID;label\r\n"1.2.826.0.1.3680043.10.9.71";"say ""a, b"""\r\n1.2.3;'=cmd\r\n`),
      text(`\uFEFFlabel\tSOPInstanceUID\n${PATIENT_NAME}\t${PATIENT_ID}\n`),
    ];
  },
  run(input) {
    const csv = decode(input);
    let report;
    try {
      report = planLabelsCsv(labelStore!, csv, 'labels.csv').report;
    } catch (err) {
      if (!(err instanceof Error) || err.constructor !== Error) throw err;
      checkWords(err.message, 'an error');
      if (PHI.some((p) => p.test(err.message))) throw new Finding(`a cell of the file reached an error: ${err.message.slice(0, 200)}`);
      return;
    }
    for (const p of report.problems) {
      checkWords(p.reason, `line ${p.line}'s problem`);
      if (PHI.some((re) => re.test(p.reason))) throw new Finding(`a cell of the file reached a problem: ${p.reason.slice(0, 200)}`);
    }
    checkWellFormed(report, 'the report');
  },
};

/** A package folder made once (savePackage, as the app writes one); each run writes one of its files from the input and fixes the content hash. */
function packageTarget(name: string, file: 'metadata.json' | 'model.json' | 'domain.bin', what: string, dictionary: string[]): FuzzTarget {
  let dir = '';
  let good: Record<string, unknown> = {};
  let { contentHash, loadPackage, PackageError } = {} as typeof import('../../models/package/package');
  return {
    name,
    what,
    maxLength: 64 * 1024,
    dictionary,
    async prepare(out) {
      const seed = path.join(out, 'work', 'package-seed');
      if (existsSync(path.join(seed, 'metadata.json'))) return;
      ({ contentHash } = await import('../../models/package/package'));
      const { saveTinyNetPackage } = await import('../support/tiny-package');
      const { domainBytes } = await import('../../models/package/domain');
      await saveTinyNetPackage(seed, 'fuzz');
      // A training-domain record: metadata's part and domain.bin's density (4 features, 2 components), so the domain check runs.
      const meta = JSON.parse(readFileSync(path.join(seed, 'metadata.json'), 'utf8'));
      const d = 4;
      const k = 2;
      const f32 = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
      writeFileSync(path.join(seed, 'domain.bin'), domainBytes({ features: d, mean: f32(d, (i) => i / 10), std: f32(d, () => 1), components: f32(k * d, (i) => (i % 3) / 7), variances: f32(k, (i) => 1 + i), residualVariance: 0.5 } as never));
      const range = { min: 32, max: 32 };
      meta.formatVersion = 2;
      meta.domain = {
        header: { images: 10, series: 2, patients: 2, modalities: { CT: 10 }, photometric: { MONOCHROME2: 10 }, bodyParts: {}, rows: range, columns: range, pixelSpacing: null, bitsStored: [12] },
        features: { file: 'domain.bin', features: d, components: k, shrinkage: 0.1, method: 'fuzz', threshold: 3, train: { n: 8 }, validation: { n: 2, p50: 1, p99: 2 } },
      };
      meta.contentHash = contentHash(seed, meta);
      writeFileSync(path.join(seed, 'metadata.json'), JSON.stringify(meta, null, 2));
    },
    async setup(work) {
      await loadWords();
      ({ contentHash, loadPackage, PackageError } = await import('../../models/package/package'));
      dir = path.join(work, 'package');
      cpSync(path.join(work, '..', 'package-seed'), dir, { recursive: true });
      good = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
      copyFileSync(path.join(dir, file), path.join(work, `${name}.seed`));
      return [new Uint8Array(readFileSync(path.join(work, `${name}.seed`)))];
    },
    async run(input) {
      writeFileSync(path.join(dir, file), input);
      if (file !== 'metadata.json') {
        const meta = { ...good };
        meta.contentHash = contentHash(dir, meta as never);
        writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(meta));
      } else {
        // The hash made to match (anyone can), so the checks after it run too.
        try {
          const meta = JSON.parse(decode(input));
          if (meta && typeof meta === 'object' && !Array.isArray(meta)) {
            meta.contentHash = contentHash(dir, meta);
            writeFileSync(path.join(dir, file), JSON.stringify(meta));
          }
        } catch {
          // not JSON, or a shape contentHash cannot hash: loadPackage meets it as it is
        }
      }
      try {
        await loadPackage(dir, { loadModel: false });
      } catch (err) {
        if (!(err instanceof PackageError)) throw err;
        checkWords(err.message, 'a package error');
      }
    },
  };
}

/** A PACS that answers every request with the input (a local HTTP server: the real client, fetch and all). */
let qidoBody: Uint8Array = new Uint8Array(0);
let qidoClient: DicomWebClient | undefined;
let PacsError: typeof import('../../electron/pacs/errors').PacsError;
const qido: FuzzTarget = {
  name: 'qido-json',
  what: 'QIDO-RS answers (DICOM JSON) for studies, series and instances',
  maxLength: 32 * 1024,
  dictionary: ['"Value":', '"vr":"PN"', '"Alphabetic":', '"0020000D"', '"0020000E"', '"00080018"', '"00100010"', '"00201208"', '"00080061"', 'null', '[]', '{}', '1e999', '"\\ud800"', '"\\u0000"', '1.2.3.4'],
  async setup() {
    await loadWords();
    const { DicomWebClient } = await import('../../electron/pacs/dicomweb');
    PacsError = (await import('../../electron/pacs/errors')).PacsError;
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/dicom+json' });
      res.end(qidoBody);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    const port = (server.address() as AddressInfo).port;
    qidoClient = new DicomWebClient({ name: 'fuzz', kind: 'dicomweb', url: `http://127.0.0.1:${port}/dicom-web`, auth: 'none' }, null, { timeoutMs: 5000 });
    const study = (n: number) => ({ '0020000D': { vr: 'UI', Value: [`1.2.3.${n}`] }, '00100010': { vr: 'PN', Value: [{ Alphabetic: PATIENT_NAME }] }, '00100020': { vr: 'LO', Value: [PATIENT_ID] }, '00080061': { vr: 'CS', Value: ['CT', 'MR'] }, '00201208': { vr: 'IS', Value: [12] }, '0020000E': { vr: 'UI', Value: [`1.2.3.${n}.1`] }, '00080018': { vr: 'UI', Value: [`1.2.3.${n}.1.1`] }, '00200011': { vr: 'IS', Value: [3] }, '0008103E': { vr: 'LO', Value: ['AX'] } });
    return [text(JSON.stringify([study(1), study(2)])), text('[]'), text(JSON.stringify([{ '0020000D': { vr: 'UI', Value: ['1.2.3'] }, '00080020': { vr: 'DA', Value: ['20240101'] }, '00081030': { vr: 'LO', Value: ['x'.repeat(70)] } }]))];
  },
  async run(input) {
    qidoBody = input;
    const client = qidoClient!;
    for (const ask of [() => client.searchStudies({}), () => client.searchSeries('1.2.3'), () => client.searchInstances('1.2.3')]) {
      let found: unknown;
      try {
        found = await ask();
      } catch (err) {
        if (!(err instanceof PacsError)) throw err;
        checkWords(err.message, 'a PACS error');
        continue;
      }
      checkWellFormed(found, 'a match');
      if (JSON.stringify(found) === undefined) throw new Finding('a match that is not JSON');
    }
  },
};

let DicomPartSplitter: typeof import('../../electron/pacs/multipart-stream').DicomPartSplitter;
let multipartParts: typeof import('../../electron/pacs/dicomweb').multipartParts;
const multipart: FuzzTarget = {
  name: 'multipart',
  what: 'WADO-RS multipart/related answers, split as they arrive (DicomPartSplitter) and whole (multipartParts), which must agree',
  maxLength: 16 * 1024,
  dictionary: ['--B', '--B--', '\r\n', '\r\n\r\n', 'Content-Type: application/dicom', 'content-type:application/dicom\r\n', 'boundary=', '"', ';', 'multipart/related'],
  async setup() {
    await loadWords();
    PacsError = (await import('../../electron/pacs/errors')).PacsError;
    ({ DicomPartSplitter } = await import('../../electron/pacs/multipart-stream'));
    ({ multipartParts } = await import('../../electron/pacs/dicomweb'));
    const part = (type: string, body: string) => `--B\r\nContent-Type: ${type}\r\n\r\n${body}\r\n`;
    return [
      text(`multipart/related; type="application/dicom"; boundary=B\n${part('application/dicom', 'DICM--B-not-a-boundary\r\n-B')}--B--\r\n`),
      text(`multipart/related; boundary="B"\npreamble\r\n${part('text/plain', 'x')}${part('application/dicom', '')}${part('application/dicom', 'second')}--B--`),
      text(`multipart/related; boundary=B\n--B\r\n\r\n\r\n--B--`),
    ];
  },
  run(input) {
    // First line: the Content-Type; then the body; the input's last byte says where the chunks are cut.
    const nl = input.indexOf(0x0a);
    if (nl < 0) return;
    const contentType = new TextDecoder('latin1').decode(input.subarray(0, nl));
    const body = input.subarray(nl + 1);
    const step = 1 + (input[input.length - 1] % 7);
    const streamed: Uint8Array[] = [];
    let streamError: unknown = null;
    try {
      const splitter = new DicomPartSplitter(contentType, (c) => streamed.push(Uint8Array.from(c)));
      for (let i = 0; i < body.length; i += step) splitter.push(body.subarray(i, i + step));
      splitter.end();
    } catch (err) {
      if (!(err instanceof PacsError)) throw err;
      // The refusal repeats the server's Content-Type: its words are the input's, not a library's.
      checkWords(err.message.replace(contentType, ''), 'the streamed split');
      streamError = err;
    }
    let whole: { type: string; bytes: Uint8Array }[] | null = null;
    try {
      whole = multipartParts(contentType, body);
    } catch (err) {
      if (!(err instanceof PacsError)) throw err;
      checkWords(err.message.replace(contentType, ''), 'the whole split');
    }
    if (streamError || !whole) return;
    // The streamed split's rule: the first part typed application/dicom, or not typed at all.
    const first = whole.find((p) => /^application\/dicom\b/i.test(p.type) || p.type === '');
    const got = Buffer.concat(streamed);
    if (first && !got.equals(first.bytes)) throw new Finding(`the streamed split wrote ${got.length} bytes of the DICOM part, the whole split found ${first.bytes.length}`);
  },
};

let packBinaryMessage: typeof import('../../common/binary-message').packBinaryMessage;
let unpackBinaryMessage: typeof import('../../common/binary-message').unpackBinaryMessage;
const binaryMessage: FuzzTarget = {
  name: 'binary-message',
  what: "the bridge's binary messages (common/binary-message.ts)",
  maxLength: 8 * 1024,
  dictionary: ['"path":', '"offset":', '"length":', '"blobs":', '"message":', '"__proto__"', '"constructor"', '"prototype"', '[0]', '1e400', '-1', '0.5'],
  async setup() {
    ({ packBinaryMessage, unpackBinaryMessage } = await import('../../common/binary-message'));
    const messages = [
      { id: 1, ok: true, value: { pixels: new Uint8Array([1, 2, 3]), rows: 1 } },
      { id: 2, ok: true, value: { frames: [{ pixels: new Uint8Array(16) }, { pixels: new Uint8Array(3) }], heat: new Uint8Array(9) } },
    ];
    return messages.map((m) => packBinaryMessage(m)!);
  },
  run(input) {
    const data = input.slice().buffer;
    let message: unknown;
    try {
      message = unpackBinaryMessage(data);
    } catch {
      return; // the page drops a malformed message (renderer/src/api.ts)
    }
    if (({} as Record<string, unknown>).polluted !== undefined || Object.keys(Object.prototype).length > 0) throw new Finding("a message reached Object.prototype");
    const visit = (v: unknown, depth: number): void => {
      if (v instanceof Uint8Array) {
        if (v.buffer !== data || v.byteOffset + v.byteLength > data.byteLength) throw new Finding('a byte array outside the message');
      } else if (v && typeof v === 'object' && depth < 64) for (const x of Object.values(v)) visit(x, depth + 1);
    };
    visit(message, 0);
  },
};

let validateRequest: typeof import('../../common/rpc').validateRequest;
/** The requests' names, for the dictionary: as common/contract.ts has them when this was written; the seeds take every one. */
const CONTRACT_WORDS = ['"library.import"', '"library.studies"', '"viewer.frame"', '"training.labels.set"', '"pacs.query"', '"models.predict"'];
const contract: FuzzTarget = {
  name: 'contract',
  what: 'every request of the contract as the page sends it (JSON), checked by its schema',
  maxLength: 8 * 1024,
  dictionary: ['"', '\\u0000', '\\ud800', '\\u202e', '\\u001b', 'null', 'true', '[]', '{}', '1e400', '-0', '"__proto__":', PATIENT_NAME, PATIENT_ID, '"input":', '"method":', ...CONTRACT_WORDS],
  async setup() {
    await loadWords();
    validateRequest = (await import('../../common/rpc')).validateRequest;
    const { requests } = await import('../../common/contract');
    const { BASES } = await import('../security/hostile-requests');
    return (Object.keys(requests) as (keyof typeof BASES)[]).flatMap((method) => BASES[method].map((input) => text(JSON.stringify({ method, input }))));
  },
  run(input) {
    let message: { method?: unknown; input?: unknown };
    try {
      message = JSON.parse(decode(input));
    } catch {
      return; // the bridge refuses text that is not JSON before the contract sees it
    }
    if (!message || typeof message !== 'object') return;
    const reply = validateRequest(message.method, message.input);
    if (!reply.ok) {
      checkWords(reply.error.message, 'a refusal');
      if (reply.error.code !== 'unknown_method' && PHI.some((p) => p.test(reply.error.message))) throw new Finding(`a value of the request reached its refusal: ${reply.error.message.slice(0, 200)}`);
      return;
    }
    checkWellFormed(reply.value.input, reply.value.method);
    // What passed the schema passes it again as it is (no transform that a second check refuses).
    const again = validateRequest(reply.value.method, reply.value.input);
    if (!again.ok) throw new Finding(`${reply.value.method}: an input the schema accepted is refused once parsed: ${again.error.message.slice(0, 200)}`);
  },
};

/** Every target, in the order `npm run fuzz` runs them. */
export function fuzzTargets(): FuzzTarget[] {
  return [
    dicom,
    dicomdir,
    labels,
    packageTarget('package-metadata', 'metadata.json', 'a model package\'s metadata.json (zod schema, format version, parts)', ['"formatVersion":', '"domain":', '"calibration":', '"ensemble":', '"seriesHead":', '"classNames":', '"inputSize":', '"preprocessing":', 'null', '[]', '{}', '1e400', '-1', '3']),
    packageTarget('package-weights', 'model.json', 'a model package\'s model.json (layers topology, weights manifest)', ['"weightsManifest":', '"paths":', '"modelTopology":', '"class_name":', '"InputLayer"', '"Dense"', '"layers":', '"batch_input_shape":', '"../x"', 'null', '[]', '{}', '[null]']),
    packageTarget('package-domain', 'domain.bin', "a model package's domain.bin (the training-domain density)", ['\x00\x00\x80\x7f', '\x00\x00\xc0\x7f', '\xff\xff\xff\xff', '\x00\x00\x00\x00']),
    binaryMessage,
    contract,
    qido,
    multipart,
  ];
}
