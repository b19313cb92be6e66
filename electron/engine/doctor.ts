/**
 * What `lumen doctor`, engine.doctor and app.info report: Lumen's versions and every TF.js
 * backend and ONNX Runtime provider on this machine, with why each is or is not used. Its own
 * module, apart from the engine's handlers, so that `lumen doctor` loads the runtimes and
 * nothing of the library, training or PACS.
 */
import type { DoctorReport } from '../../common/contract';
import { APP_VERSION } from '../../common/version';
import { activeBackend, probeBackends, probeOnnxRuntime } from '../../models/runtime';
import { FORMAT_2_PART_WORDS, PACKAGE_FORMAT_VERSION, PACKAGE_FORMAT_VERSIONS } from '../../models/package/metadata';
import { SCHEMA_VERSION } from '../library/schema';

export async function doctor(): Promise<DoctorReport> {
  // ONNX Runtime's probe (its own sessions, no TF.js state) runs while the TF.js backends take
  // their turns; it waits for the WebGPU probe only to name a software adapter.
  const [backends, onnxruntime] = await Promise.all([probeBackends(), probeOnnxRuntime()]);
  return {
    version: APP_VERSION,
    librarySchema: SCHEMA_VERSION,
    packageFormat: PACKAGE_FORMAT_VERSION,
    packageFormats: [...PACKAGE_FORMAT_VERSIONS],
    packageFormatParts: [...FORMAT_2_PART_WORDS],
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    backends,
    activeBackend: activeBackend(),
    onnxruntime,
  };
}
