/**
 * The preload: the one narrow object the renderer gets, `window.lumen`.
 * It forwards requests to the main process (which validates them against
 * common/contract.ts) and delivers events; nothing else of Electron or Node
 * reaches the page.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { EventName, EventPayload, RequestInput, RequestName, RequestOutput } from '../../common/contract';
import type { LumenApi, Reply } from '../../common/rpc';

const api: LumenApi = {
  shell: 'electron',
  async invoke<K extends RequestName>(method: K, input: RequestInput<K>): Promise<RequestOutput<K>> {
    const reply = (await ipcRenderer.invoke('lumen:invoke', method, input)) as Reply<RequestOutput<K>>;
    if (reply.ok) return reply.value;
    const err = new Error(reply.error.message);
    (err as Error & { code?: string }).code = reply.error.code;
    throw err;
  },
  on<K extends EventName>(event: K, listener: (payload: EventPayload<K>) => void) {
    const handler = (_e: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) listener(payload as EventPayload<K>);
    };
    ipcRenderer.on('lumen:event', handler);
    return () => {
      ipcRenderer.removeListener('lumen:event', handler);
    };
  },
  // Dropped files: the page sees File objects; only Electron can say where they are.
  pathForFile: (file) => webUtils.getPathForFile(file as File),
};

contextBridge.exposeInMainWorld('lumen', api);
