/**
 * dcmjs-dimse, loaded on the first DIMSE use (a query, a retrieve, a send, the receiver), not with
 * the modules that use it: evaluating it took about 0.3 s of CPU, which every engine start and CLI
 * command paid (the engine's PACS requests import dimse.ts and listen.ts) though most never speak
 * DIMSE. test/engine/start-modules.test.ts checks that an engine starts without it.
 *
 * Each public entry into DIMSE (DimseClient's requests, startReceiver) awaits loadDimse() first;
 * what runs after that, inside them (an association, dcmjs-dimse's own callbacks), takes it with
 * dimseLoaded().
 */
import type DimseModule from 'dcmjs-dimse';

export type Dimse = typeof DimseModule;

let loaded: Dimse | undefined;
let loading: Promise<Dimse> | undefined;

/** dcmjs-dimse, loaded once, its console logging off. */
export function loadDimse(): Promise<Dimse> {
  loading ??= import('dcmjs-dimse').then((m) => {
    const dimse = (m as { default?: Dimse }).default ?? (m as unknown as Dimse);
    // dcmjs-dimse logs every PDU (and data sets when asked) to the console: Lumen reports failures itself, without patient data.
    dimse.log.setLevel('silent');
    loaded = dimse;
    return dimse;
  });
  return loading;
}

/** dcmjs-dimse, once loadDimse() has loaded it: the code of an association, which loadDimse() started. */
export function dimseLoaded(): Dimse {
  if (!loaded) throw new Error('dcmjs-dimse is used before loadDimse() loaded it.');
  return loaded;
}
