// Names for the DICOM objects that carry no image, so that an import can say
// "an RT Plan" instead of "no pixel data". From DICOM PS3.4 Annex B.5; the ones
// a disc from a hospital is likely to hold.

const NO_IMAGE_SOP_CLASSES: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.481.3': 'RT Structure Set',
  '1.2.840.10008.5.1.4.1.1.481.5': 'RT Plan',
  '1.2.840.10008.5.1.4.1.1.481.8': 'RT Ion Plan',
  '1.2.840.10008.5.1.4.1.1.481.4': 'RT Beams Treatment Record',
  '1.2.840.10008.5.1.4.1.1.481.6': 'RT Brachy Treatment Record',
  '1.2.840.10008.5.1.4.1.1.481.7': 'RT Treatment Summary Record',
  '1.2.840.10008.5.1.4.1.1.481.9': 'RT Ion Beams Treatment Record',
  '1.2.840.10008.5.1.4.1.1.481.2': 'RT Dose without a dose grid',
  '1.2.840.10008.5.1.4.1.1.88.11': 'Basic Text SR',
  '1.2.840.10008.5.1.4.1.1.88.22': 'Enhanced SR',
  '1.2.840.10008.5.1.4.1.1.88.33': 'Comprehensive SR',
  '1.2.840.10008.5.1.4.1.1.88.34': 'Comprehensive 3D SR',
  '1.2.840.10008.5.1.4.1.1.88.59': 'Key Object Selection',
  '1.2.840.10008.5.1.4.1.1.88.67': 'X-Ray Radiation Dose SR',
  '1.2.840.10008.5.1.4.1.1.88.68': 'Radiopharmaceutical Radiation Dose SR',
  '1.2.840.10008.5.1.4.1.1.11.1': 'Grayscale Softcopy Presentation State',
  '1.2.840.10008.5.1.4.1.1.11.2': 'Color Softcopy Presentation State',
  '1.2.840.10008.5.1.4.1.1.66': 'Raw Data',
  '1.2.840.10008.5.1.4.1.1.66.1': 'Spatial Registration',
  '1.2.840.10008.5.1.4.1.1.66.3': 'Deformable Spatial Registration',
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF',
  '1.2.840.10008.5.1.4.1.1.104.2': 'Encapsulated CDA',
  '1.2.840.10008.5.1.4.1.1.9.1.1': '12-lead ECG',
  '1.2.840.10008.5.1.4.1.1.9.1.2': 'General ECG',
};

/** What an object without pixel data is, e.g. "an RT Plan"; a generic phrase for an unknown class. */
export function describeNoImageObject(sopClassUid: string, modality: string): string {
  const name = NO_IMAGE_SOP_CLASSES[sopClassUid.trim()];
  if (name) return `${/^[AEIOU]|^RT|^X-/.test(name) ? 'an' : 'a'} ${name}`;
  const known = modality && modality !== 'OT' ? ` (modality ${modality})` : '';
  return `a DICOM object without an image${known}`;
}
