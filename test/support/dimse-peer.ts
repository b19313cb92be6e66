// DIMSE peers for tests. `AcceptingScp` stands in for a PACS (dcmjs-dimse's Scp): it accepts
// every presentation context offered, in Explicit VR Little Endian where the caller offers it,
// else Implicit, and answers a release; tests subclass it for the requests they answer.
// `storeAll` stands in for a sender (dcmjs-dimse's own Client) of `secondaryCapture` instances.
import dimse from 'dcmjs-dimse';

const { Client, Scp, constants, requests } = dimse;

export class AcceptingScp extends Scp {
  override associationRequested(association: any): void {
    for (const { id } of association.getPresentationContexts()) {
      const context = association.getPresentationContext(id);
      context.setResult(constants.PresentationContextResult.Accept, context.getTransferSyntaxUids().includes(constants.TransferSyntax.ExplicitVRLittleEndian) ? constants.TransferSyntax.ExplicitVRLittleEndian : constants.TransferSyntax.ImplicitVRLittleEndian);
    }
    this.sendAssociationAccept();
  }
  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
  }
}

/** What a secondary capture made by `secondaryCapture` belongs to. */
export interface CaptureOf {
  study: string;
  series: string;
  patientId: string;
  patientName: string;
}

/** A secondary capture of `side` x `side` 8-bit pixels (every one 7), as a dcmjs-dimse data set in Explicit VR Little Endian. */
export function secondaryCapture(of: CaptureOf, sop: string, side: number): InstanceType<typeof dimse.Dataset> {
  return new dimse.Dataset(
    {
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
      SOPInstanceUID: sop,
      StudyInstanceUID: of.study,
      SeriesInstanceUID: of.series,
      PatientID: of.patientId,
      PatientName: of.patientName,
      Modality: 'OT',
      Rows: side,
      Columns: side,
      BitsAllocated: 8,
      BitsStored: 8,
      HighBit: 7,
      PixelRepresentation: 0,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      PixelData: [new Uint8Array(side * side).fill(7).buffer],
      _vrMap: { PixelData: 'OB' },
    },
    constants.TransferSyntax.ExplicitVRLittleEndian,
  );
}

/** The timeouts a test's dcmjs-dimse Client sends with: long enough for a loaded machine. */
export const CLIENT_TIMEOUTS = { connectTimeout: 10_000, associationTimeout: 10_000, pduTimeout: 10_000 };

/**
 * Sends the data sets by C-STORE on one association, as dcmjs-dimse's own Client with AE title
 * SENDER to LUMENRX on 127.0.0.1:`port`; the status of each response, in order (-1 where none came).
 */
export function storeAll(port: number, dataSets: InstanceType<typeof dimse.Dataset>[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const statuses: number[] = new Array(dataSets.length).fill(-1);
    dataSets.forEach((d, i) => {
      const request = new requests.CStoreRequest(d);
      request.on('response', (response: { getStatus(): number }) => (statuses[i] = response.getStatus()));
      client.addRequest(request);
    });
    client.on('networkError', reject);
    client.on('closed', () => resolve(statuses));
    client.send('127.0.0.1', port, 'SENDER', 'LUMENRX', CLIENT_TIMEOUTS);
  });
}
