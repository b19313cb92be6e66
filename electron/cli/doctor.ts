import type { BackendName } from '../../models/runtime';
import { runWebgpuProbe } from '../../models/webgpu-probe-child';
import { type Command, parseCommandArgs, printJson } from './command';
import { packageFormatsText } from '../../common/package-formats';

export const command: Command = {
  summary: 'Probe every TF.js backend and ONNX Runtime provider on this machine and say why each is or is not available.',
  usage: 'lumen doctor [--json] [--backend tensorflow|webgpu|wasm|cpu]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, backend: { type: 'string' } }, { positionals: false });
    // WebGPU's probe is a child process of its own (seconds): started first, it runs while TF.js
    // loads (seconds too) and the other backends are probed. Not engine.ts for doctor(): that
    // loads every handler (library, training, PACS), which doctor never uses.
    void runWebgpuProbe();
    const { initBackend } = await import('../../models/runtime');
    const { doctor } = await import('../engine/doctor');
    if (values.backend) await initBackend(values.backend as BackendName);
    const report = await doctor();
    if (values.json) {
      printJson(report);
      return 0;
    }
    const lines = [
      `Lumen ${report.version} on Node ${report.node} (${report.platform}-${report.arch})`,
      `Library schema version ${report.librarySchema}; model package formats: ${packageFormatsText(report)}`,
      '',
      'TensorFlow.js backends (best first):',
      ...report.backends.map((b) => `  ${b.available ? '✓' : '✗'} ${b.name.padEnd(10)} ${b.reason}${b.name === report.activeBackend ? '  [active]' : ''}`),
      '',
      `ONNX Runtime ${report.onnxruntime.version ?? '(not loaded)'} execution providers (best first):`,
      ...report.onnxruntime.providers.map((p) => `  ${p.available ? '✓' : '✗'} ${p.name.padEnd(10)} ${p.reason}${p.chosen ? `  [chosen${p.fp16 ? ', fp16' : ''}${p.ioBinding ? ', I/O binding' : ''}]` : ''}`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
