/**
 * The protocol layer's advice (electron/pacs/errors.ts: a code and the setting it concerns)
 * in the CLI's words: the flag that changes it. The app words the same advice by its
 * Settings fields (electron/engine/handlers/pacs-words.ts).
 */
import { QUERY_CAPS } from '../../common/contract/pacs';
import { type PacsHint, withHint } from '../pacs/errors';

/** The query filters' flags, by their key in StudyQuery. */
const QUERY_FLAGS: Record<string, string> = {
  patientId: '--patient-id',
  patientName: '--patient-name',
  studyDate: '--study-date',
  modality: '--modality',
  accession: '--accession',
  description: '--description',
};

/** The advice's text, with its joining punctuation (it goes before the message's full stop). */
export function cliHint(hint: PacsHint): string {
  switch (hint.code) {
    case 'allow-longer':
      return ', or allow longer with --timeout';
    case 'calling-aet-unknown':
      return ', or set --calling-aet';
    case 'retrieve-by-move':
      return ': retrieve with --via move';
    case 'retrieve-by-get':
      return ', or use --via get';
    case 'client-certificate':
      return ' (--tls-cert and --tls-key)';
    case 'add-with-tls':
      return `: if the PACS takes only DICOM TLS, turn it on with lumen pacs edit ${hint.value ?? '<name>'} --tls [--tls-ca CA.pem]`;
    case 'tls-only-if-tls':
      return ' (and the connection uses --tls only if it does)';
    case 'correct-credentials':
      return ` and correct them with lumen pacs edit ${hint.value ?? '<name>'} --user U --password-stdin (or --bearer-stdin)`;
    case 'enter-credentials':
      return `: give them with lumen pacs edit ${hint.value ?? '<name>'} --user U --password-stdin (or --bearer-stdin)`;
    case 'credentials-not-in-url':
      return ': use --user with --password-stdin, or --bearer-stdin';
    case 'add-connection':
      return ': add one with lumen pacs add';
    case 'remove-connection-first':
      return `: remove it first (lumen pacs remove ${hint.value ?? '<name>'})`;
    case 'port-in-use':
      return ': choose another with --port';
    case 'port-privileged':
      return ': choose one above 1023 with --port';
    case 'host-not-local':
      return ': choose another with --host';
    case 'allow-sender':
      return ` (allow it with --allow ${hint.value ?? '<AET>'})`;
    case 'query-field':
      return hint.value && QUERY_FLAGS[hint.value] ? ` (${QUERY_FLAGS[hint.value]})` : '';
    case 'check-study-uid':
      return ': check the UID with lumen pacs query';
    case 'raise-cap':
      return hint.setting === 'maxSeries'
        ? `, or list more with --max-series on lumen pacs edit (at most ${QUERY_CAPS.most.toLocaleString('en-US')})`
        : `, or list more with --max-studies (at most ${QUERY_CAPS.most.toLocaleString('en-US')})`;
  }
}

/** A neutral message with its advice in the CLI's words. */
export function cliWords(message: string, hint: PacsHint | null | undefined): string {
  return withHint(message, hint, cliHint);
}
