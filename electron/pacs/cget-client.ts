/**
 * A dcmjs-dimse Client whose C-GETs let the PACS send back every storage class Lumen takes.
 *
 * For a C-GET, the PACS sends each instance back with a C-STORE on Lumen's own association, so
 * Lumen must propose each storage SOP class it will take, with the SCP role (role selection,
 * PS3.4 C.4.3.1, PS3.7 D.3.3.4). dcmjs-dimse does so from its own list (constants.StorageClass,
 * frozen), which lacks the Parametric Map and the other result objects of storage-classes.ts: a
 * PACS could not send those back. Its public `addAdditionalPresentationContext` adds a context
 * but not its role (the A-ASSOCIATE-RQ then has no role selection item for it: Orthanc sends on
 * it, a strict C-GET SCP such as DCMTK's does not). So this subclass completes the association
 * where dcmjs-dimse hands it to its network to be sent (`Network.sendAssociationRequest`, a public
 * method): each further class as a context of its own, with the syntaxes dcmjs-dimse proposes
 * for its storage classes and the SCP role, as dcmjs-dimse does for them.
 *
 * Why not a patched copy of dcmjs-dimse (third_party/, patches applied by the build)? The change
 * is one list; a vendored JavaScript library would need a bundling step the build does not have,
 * and would fork every later upgrade. This class uses dcmjs-dimse's documented Association and
 * PresentationContext API; the one thing it reads that the typings do not declare, the Client's
 * `network`, dimse.ts reads already (its socket). test/pacs/cget-results-a17.test.ts shows a
 * Parametric Map coming back from a real Orthanc over C-GET.
 */
import type DimseModule from 'dcmjs-dimse';
import { type Dimse, dimseLoaded } from './dimse-module';
import { MORE_STORAGE_CLASSES } from './storage-classes';

type Association = InstanceType<typeof DimseModule.association.Association>;
type Client = InstanceType<typeof DimseModule.Client>;
type SendArgs = Parameters<Client['send']>;

/** Proposes `classes` for C-STORE sub-operations (the SCP role) in `association`, where dcmjs-dimse did not already. */
export function proposeStorageClasses(association: Association, classes: readonly string[]): void {
  const { TransferSyntax } = dimseLoaded().constants;
  // What dcmjs-dimse proposes for every context of an association it requests (Client.send).
  const syntaxes = [TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.ExplicitVRLittleEndian];
  const proposed = new Set(association.getPresentationContexts().map((p) => p.context.getAbstractSyntaxUid()));
  for (const uid of classes) {
    if (proposed.has(uid)) continue;
    const id = association.addPresentationContext(uid);
    for (const syntax of syntaxes) association.addTransferSyntaxToPresentationContext(id, syntax);
    association.getPresentationContext(id).setProviderRole(true);
  }
}

/** The class, made once dcmjs-dimse is loaded (dimse-module.ts): its base class is dcmjs-dimse's Client. */
function cgetClientClass({ Client, requests }: Dimse) {
  return class CGetClient extends Client {
    private gets = false;

    override addRequest(request: InstanceType<typeof requests.Request>): void {
      if (request instanceof requests.CGetRequest) this.gets = true;
      super.addRequest(request);
    }

    override send(...args: SendArgs): void {
      super.send(...args);
      if (!this.gets) return;
      const network = (this as unknown as { network?: { sendAssociationRequest(association: Association): void } }).network;
      if (!network) return;
      const sendAssociationRequest = network.sendAssociationRequest.bind(network);
      network.sendAssociationRequest = (association: Association) => {
        proposeStorageClasses(association, MORE_STORAGE_CLASSES);
        sendAssociationRequest(association);
      };
    }
  };
}

let CGetClient: ReturnType<typeof cgetClientClass> | undefined;

/** A new CGetClient; dcmjs-dimse must be loaded (loadDimse()). */
export function newCGetClient(): Client {
  CGetClient ??= cgetClientClass(dimseLoaded());
  return new CGetClient();
}
