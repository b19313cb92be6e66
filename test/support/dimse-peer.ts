// A DIMSE peer for tests that stand in for a PACS or a sender (dcmjs-dimse's Scp): it accepts
// every presentation context offered, in Explicit VR Little Endian where the caller offers it,
// else Implicit, and answers a release. Tests subclass it for the requests they answer.
import dimse from 'dcmjs-dimse';

const { Scp, constants } = dimse;

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
