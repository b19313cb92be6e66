// TF.js layers format on disk (model.json + binary weight shards), with our own
// IOHandler over node:fs (tfjs-node's file:// handler is not installed here).
import * as tf from '@tensorflow/tfjs';
import { existsSync, writeFileSync } from 'node:fs';
import { readRegularFile, readRegularText } from '../../common/node/read-file';
import { makeDirs } from '../../common/node/safe-fs';
import path from 'node:path';
import { errorMessage } from '../../common/errors';

export const MODEL_JSON = 'model.json';
/** Shard size as tfjs-converter writes them (4 MiB). */
const SHARD_BYTES = 4 * 1024 * 1024;

function shardName(i: number, count: number): string {
  return `group1-shard${i + 1}of${count}.bin`;
}

/** Where a layers model lives on disk. `save` writes model.json and shards; `load` reads them back. */
export function fileSystemHandler(dir: string, extraMetadata?: Record<string, unknown>): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (!(artifacts.modelTopology && typeof artifacts.modelTopology === 'object')) {
        throw new Error('TF.js save: only layers models (JSON topology) are written');
      }
      makeDirs(dir, 0o777);
      const data = artifacts.weightData ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) : new Uint8Array(0);
      const count = Math.max(1, Math.ceil(data.length / SHARD_BYTES));
      const paths: string[] = [];
      for (let i = 0; i < count; i++) {
        const name = shardName(i, count);
        writeFileSync(path.join(dir, name), data.subarray(i * SHARD_BYTES, Math.min(data.length, (i + 1) * SHARD_BYTES)));
        paths.push(name);
      }
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata || extraMetadata ? { userDefinedMetadata: { ...(artifacts.userDefinedMetadata ?? {}), ...(extraMetadata ?? {}) } } : {}),
      };
      writeFileSync(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: data.length,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = path.join(dir, MODEL_JSON);
      if (!existsSync(jsonPath)) throw new Error(`TF.js model: ${jsonPath} not found`);
      let json: any;
      try {
        json = JSON.parse(readRegularText(jsonPath, 'json'));
      } catch (err) {
        throw new Error(`TF.js model: ${jsonPath} is not valid JSON (${errorMessage(err)})`);
      }
      if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new Error(`TF.js model: ${jsonPath} lacks modelTopology or weightsManifest`);
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const file = path.join(dir, p);
          if (path.relative(dir, file).startsWith('..')) throw new Error(`TF.js model: shard path "${p}" leaves the model folder`);
          if (!existsSync(file)) throw new Error(`TF.js model: weight shard ${file} is missing`);
          buffers.push(readRegularFile(file, 'package'));
        }
      }
      const all = Buffer.concat(buffers);
      const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
      if (all.length !== expected) {
        throw new Error(`TF.js model: the weight shards in ${dir} hold ${all.length} bytes, the manifest needs ${expected}`);
      }
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        trainingConfig: json.trainingConfig,
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}

/** Saves a layers model to `dir` (model.json + group1-shard*.bin); `metadata` goes to model.json's userDefinedMetadata. */
export async function saveTfjsModel(model: tf.LayersModel, dir: string, metadata?: Record<string, unknown>): Promise<void> {
  await model.save(fileSystemHandler(dir, metadata));
}

/** model.json's userDefinedMetadata, without loading the weights. */
export function readTfjsMetadata(dir: string): Record<string, unknown> | undefined {
  const json = JSON.parse(readRegularText(path.join(dir, MODEL_JSON), 'json'));
  return json.userDefinedMetadata;
}

/** Loads a layers model saved by saveTfjsModel (or tfjs-converter's layers format). */
export async function loadTfjsModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileSystemHandler(dir));
}
