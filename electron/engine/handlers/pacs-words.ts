/**
 * The protocol layer's advice (electron/pacs/errors.ts: a code and the setting it concerns)
 * in the app's words: the Settings field that changes it, never a command-line flag. Advice
 * the app has no setting for (the time-out, the retrieve method, which the app picks
 * itself) is left out.
 */
import { type PacsHint, withHint } from '../../pacs/errors';

/** The advice's text, with its joining punctuation (it goes before the message's full stop); empty when the app has nothing to change. */
export function appHint(hint: PacsHint): string {
  switch (hint.code) {
    case 'allow-longer':
    case 'retrieve-by-move':
    case 'retrieve-by-get':
    case 'tls-only-if-tls':
    case 'query-field':
      return '';
    case 'calling-aet-unknown':
      return ", or change Lumen's AE title of the connection in Settings, PACS";
    case 'client-certificate':
      return " (Lumen's certificate for the connection, set with lumen pacs edit on the command line)";
    case 'add-with-tls':
      return ': if the PACS takes only DICOM TLS, the connection needs DICOM TLS (turn it on with lumen pacs edit on the command line)';
    case 'enter-credentials':
      return ': edit the connection in Settings, PACS and enter them';
    case 'correct-credentials':
      return " and correct them in the connection's User and Password fields in Settings, PACS";
    case 'credentials-not-in-url':
      return ': enter them in the connection\'s User and Password fields';
    case 'add-connection':
      return ': add one in Settings, PACS';
    case 'remove-connection-first':
      return ': choose another name';
    case 'port-in-use':
      return ': choose another in the receiver settings';
    case 'port-privileged':
      return ': choose one above 1023 in the receiver settings';
    case 'host-not-local':
      return ': choose another in the receiver settings';
    case 'allow-sender':
      return ' (allow it in Settings, PACS)';
    case 'check-study-uid':
      return ': query the PACS again for the study';
    case 'raise-cap':
      return `, or raise ${hint.setting === 'maxSeries' ? 'Series per study' : 'Studies per query'} of the connection in Settings, PACS`;
  }
}

/** A neutral message with its advice in the app's words. */
export function appWords(message: string, hint: PacsHint | null | undefined): string {
  return withHint(message, hint, appHint);
}
