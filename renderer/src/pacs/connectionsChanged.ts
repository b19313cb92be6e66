// The PACS connections changed (Settings saved or removed one): the PACS tab lists them again.
const EVENT = 'lumen:pacs-connections';

export function connectionsChanged(): void {
  window.dispatchEvent(new Event(EVENT));
}

export function onConnectionsChanged(listener: () => void): () => void {
  window.addEventListener(EVENT, listener);
  return () => window.removeEventListener(EVENT, listener);
}
