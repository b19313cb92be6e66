/**
 * The app's receiver settings (pacs-receiver.json in the data folder): what the Settings
 * page changes (AE title, port, interface, allowed senders), and DICOM TLS, which only
 * `lumen pacs receiver` sets, so that certificate paths never come from the page.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ReceiverSettings } from '../../common/contract/pacs';
import { readRegularText } from '../../common/node/read-file';
import { ensurePrivateDir, writeFileAtomic } from '../../common/node/safe-fs';
import type { ReceiverTls } from './listen';

export const RECEIVER_FILE = 'pacs-receiver.json';
export const DEFAULT_RECEIVER: ReceiverSettings = { aet: 'LUMEN', port: 11112, host: '127.0.0.1', allowed: [] };

const ReceiverTlsFiles = z.object({ cert: z.string().min(1), key: z.string().min(1), ca: z.string().min(1).optional() }).strict();
const ReceiverFile = z.object({ ...ReceiverSettings.shape, tls: ReceiverTlsFiles.optional() }).strict();

export interface ReceiverConfig {
  settings: ReceiverSettings;
  tls?: ReceiverTls;
}

/** The saved settings; the defaults when there are none or the file is unreadable (the next save replaces it). */
export function readReceiverConfig(dataDir: string): ReceiverConfig {
  const file = path.join(dataDir, RECEIVER_FILE);
  if (!fs.existsSync(file)) return { settings: DEFAULT_RECEIVER };
  try {
    const parsed = ReceiverFile.safeParse(JSON.parse(readRegularText(file, 'json')));
    if (parsed.success) {
      const { tls, ...settings } = parsed.data;
      return { settings, ...(tls ? { tls } : {}) };
    }
  } catch {
    // unreadable: the defaults
  }
  return { settings: DEFAULT_RECEIVER };
}

export function writeReceiverConfig(dataDir: string, config: ReceiverConfig): void {
  ensurePrivateDir(dataDir);
  writeFileAtomic(path.join(dataDir, RECEIVER_FILE), JSON.stringify({ ...config.settings, ...(config.tls ? { tls: config.tls } : {}) }, null, 2) + '\n');
}

/** What the page may know of the receiver's TLS: whether it is on and whether senders need a client certificate, never a path. */
export function receiverTlsMode(tls: ReceiverTls | undefined): 'off' | 'on' | 'client-certificates' {
  return !tls ? 'off' : tls.ca ? 'client-certificates' : 'on';
}
