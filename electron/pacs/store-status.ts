/** DICOM status codes a STOW-RS reply (Failure Reason, Warning Reason) or a C-STORE response carries, in words (PS3.4 B.2.3, PS3.18 Table 10.5.3-1). */
export function storeStatusWords(status: number): string {
  const hex = `0x${status.toString(16).toUpperCase().padStart(4, '0')}`;
  const words: Record<number, string> = {
    0x0110: 'processing failure',
    0x0111: 'an instance with this SOP Instance UID exists already',
    0x0117: 'invalid SOP Instance UID',
    0x0122: 'the PACS does not store this SOP class',
    0x0124: 'not authorised',
    0x0211: 'unrecognised operation',
    0xa700: 'out of resources',
    0xa900: 'the data set does not match its SOP class',
    0xb000: 'some elements were changed (coerced)',
    0xb006: 'some elements were discarded',
    0xb007: 'the data set does not match its SOP class',
    0xc000: 'the PACS cannot understand it',
    0xc122: 'the PACS does not take its transfer syntax',
  };
  const known = words[status] ?? ((status & 0xff00) === 0xa700 ? 'out of resources' : (status & 0xff00) === 0xa900 ? 'the data set does not match its SOP class' : (status & 0xf000) === 0xc000 ? 'the PACS cannot process it' : null);
  return known ? `${known} (status ${hex})` : `status ${hex}`;
}
