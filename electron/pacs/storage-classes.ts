/**
 * Storage SOP classes beyond dcmjs-dimse's own list (constants.StorageClass, frozen) that Lumen
 * takes wherever a PACS sends it instances: the C-STORE receiver (listen.ts) accepts them, and a
 * C-GET (dimse.ts) proposes them for its C-STORE sub-operations. They are the result documents
 * Lumen itself writes and reads back (Parametric Map) and the other common results and derived
 * objects a PACS holds beside a study's images.
 */
export const MORE_STORAGE_CLASSES: readonly string[] = [
  '1.2.840.10008.5.1.4.1.1.30', // Parametric Map
  '1.2.840.10008.5.1.4.1.1.66.4', // Segmentation
  '1.2.840.10008.5.1.4.1.1.88.34', // Comprehensive 3D SR
  '1.2.840.10008.5.1.4.1.1.88.35', // Extensible SR
  '1.2.840.10008.5.1.4.1.1.88.59', // Key Object Selection Document
  '1.2.840.10008.5.1.4.1.1.11.1', // Grayscale Softcopy Presentation State
];
