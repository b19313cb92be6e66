/**
 * The Electron main process: one window with secure defaults, the menu, the
 * IPC registry, and the engine worker. The only code that imports 'electron'
 * (with the preload).
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, safeStorage, session, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createDispatcher, type Handlers, type Reply } from '../../common/rpc';
import { requests, type EventName } from '../../common/contract';
import { APP_NAME } from '../../common/version';
import { EngineHost } from '../engine/host';
import { defaultDataDir } from '../library/paths';
import { isAppPage } from './origin';
import { APP_PAGE_URL, APP_SCHEME, appHeaders, resolveAppRequest } from './app-protocol';
import { utilityEngine } from './engine-process';
import { dicomFilesIn } from './open-files';
import { SealedSecrets, withSealedSecrets } from './pacs-credentials';
import { runWebgpuProbe } from './webgpu-probe';

// Resolved once, before anything reads it: the same folder the `lumen` CLI
// uses, so both see one library. Electron's own profile lives inside it.
const dataDir = defaultDataDir();
app.setPath('userData', path.join(dataDir, 'electron'));

const here = __dirname; // dist/electron after bundling
const rendererDist = path.join(here, '../../renderer/dist');

// The UI is served from app://lumen/ (app-protocol.ts), not file://. Registered
// before the app is ready, as Electron requires: a standard, secure origin of
// its own, so the page gets same-origin rules and a CSP header like a web page.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
const windows = new Set<WebContents>();

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
// A utility process: Electron's own way to run Node code, so RunAsNode stays fused off.
// It cannot start the WebGPU probe's process itself (that needs RunAsNode): the
// main process runs the probe once, before the first engine starts.
let webgpuProbe: Promise<string> | null = null;
const engine = new EngineHost({
  dataDir,
  shell: 'electron',
  workerPath: path.join(here, 'engine-worker.cjs'),
  spawn: async (workerPath, env) => {
    webgpuProbe ??= runWebgpuProbe(path.join(here, 'webgpu-probe.mjs'));
    return utilityEngine(workerPath, { ...env, LUMEN_WEBGPU_PROBE: await webgpuProbe });
  },
  log,
});

function broadcast(event: EventName | string, payload: unknown) {
  for (const contents of windows) if (!contents.isDestroyed()) contents.send('lumen:event', event, payload);
}
engine.onEvent(broadcast);

const mainHandlers: Partial<Handlers> = {
  'dialog.openFolder': async () => {
    const win = BrowserWindow.getFocusedWindow();
    const options = { title: 'Open a folder of DICOM files', properties: ['openDirectory' as const, 'multiSelections' as const] };
    const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return { path: result.canceled ? null : (result.filePaths[0] ?? null) };
  },
  'dialog.openFile': async ({ kind }) => {
    const win = BrowserWindow.getFocusedWindow();
    const filters = { kerasWeights: [{ name: 'Keras weights (.h5)', extensions: ['h5'] }] }[kind];
    const options = { title: 'Choose a Keras EfficientNet weights file', properties: ['openFile' as const], filters };
    const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return { path: result.canceled ? null : (result.filePaths[0] ?? null) };
  },
};
const dispatchMain = createDispatcher(mainHandlers, log);
const pacsSecrets = new SealedSecrets(dataDir, safeStorage);

/** Only the main frames of the app's windows, showing the app page itself, may talk to the main process. */
function trusted(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return !!frame && windows.has(event.sender) && frame === event.sender.mainFrame && isAppPage(frame.url);
}

ipcMain.handle('lumen:invoke', async (event, method: unknown, input: unknown): Promise<Reply> => {
  if (!trusted(event)) {
    log(`refused IPC from an untrusted frame: ${event.senderFrame?.url ?? 'unknown'}`);
    return { ok: false, error: { code: 'invalid_message', message: 'Refused: this frame is not part of Lumen.' } };
  }
  const name = typeof method === 'string' && Object.prototype.hasOwnProperty.call(requests, method) ? (method as keyof typeof requests) : null;
  if (name && requests[name].runsIn === 'main') {
    return dispatchMain(method, input, { emit: (e, p) => broadcast(e, p) });
  }
  // Engine requests are validated by the host before they reach the worker; PACS secrets
  // are sealed with safeStorage here and handed to the engine only for the request that needs one.
  return withSealedSecrets(pacsSecrets, method, input, (sent) => engine.request(method, sent));
});

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#0b0d10',
    title: APP_NAME,
    show: false,
    webPreferences: {
      preload: path.join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  const contents = win.webContents;
  windows.add(contents);
  win.on('closed', () => windows.delete(contents));
  win.once('ready-to-show', () => win.show());
  // The app never navigates away from itself and never opens windows. Nor
  // does it hand links to the system browser: it has no outside links of its
  // own, works offline, and a link could come from a file's text.
  contents.on('will-navigate', (e, url) => {
    if (!isAppPage(url)) e.preventDefault();
  });
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (e) => e.preventDefault());
  // The very URL the IPC check expects.
  void win.loadURL(APP_PAGE_URL);
  return win;
}

function buildMenu() {
  const send = (command: 'openFolder' | 'about') => broadcast('menu.command', { command });
  const template: Electron.MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => send('openFolder') },
        { type: 'separator' },
        process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
      ],
    },
    // DevTools only in development: in the installed app they would open the page (and the preload's API) to anyone at the keyboard.
    { label: 'View', submenu: [{ role: 'reload' }, ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]), { type: 'separator' }, { role: 'togglefullscreen' }] },
    { label: 'Help', submenu: [{ label: 'About Lumen', accelerator: 'F1', click: () => send('about') }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

// One Lumen at a time: a .dcm file opened from the system while it runs goes
// to the running one (one library, one engine). Opened files are imported.
const primary = app.requestSingleInstanceLock();
if (!primary) app.quit();
const openedBeforeReady: string[] = [];

function importOpened(paths: string[]) {
  if (paths.length === 0) return;
  // Paths are not logged: a file name can carry a patient's name.
  void engine.request('library.import', { paths }).then((reply) => {
    if (!reply.ok) log(`could not import ${paths.length} opened file(s): ${reply.error.code}`);
  });
  const win = BrowserWindow.getAllWindows()[0];
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
}
app.on('second-instance', (_e, argv) => importOpened(dicomFilesIn(argv)));
app.on('open-file', (e, file) => {
  e.preventDefault();
  if (app.isReady()) importOpened(dicomFilesIn([file]));
  else openedBeforeReady.push(file);
});

app.whenReady().then(() => {
  if (!primary) return;
  protocol.handle(APP_SCHEME, async (request) => {
    const resource = resolveAppRequest(request.url, rendererDist, request.method);
    if (!resource.ok) {
      log(`app:// refused a request (${resource.status}: ${resource.reason})`);
      return new Response(null, { status: resource.status });
    }
    const body = request.method === 'HEAD' ? null : await readFile(resource.file);
    return new Response(body, { status: 200, headers: appHeaders(resource.contentType) });
  });
  // No camera, microphone, notifications, geolocation…: deny every permission request.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  buildMenu();
  createWindow();
  importOpened(dicomFilesIn([...process.argv.slice(1), ...openedBeforeReady]));
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('web-contents-created', (_e, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  void engine.close();
});
