// Where on the body an image is, as SR codes (PS3.16): the Finding Site and its Laterality
// modifier of a TID 1501 measurement group (rows 6 and 7), read from the image's header.
// Every value is the source's text: trimmed, upper-cased, and looked up; anything not listed
// below names nothing, and no code is made up for it (a receiver would read a guess as fact).
import type { NaturalDataset } from './part10';

export interface Code {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

/**
 * Body Part Examined (0018,0015) defined terms and their CID 4031 "Common Anatomic Regions"
 * codes, as PS3.16 Annex L Table L-1 pairs them. The pairs are DCMTK's mapping "extracted
 * manually from DICOM PS 3.16-2023b Table L-1" (dcmsr/libcmr/cid4031e.cc), each with its SCT
 * code and meaning from DCMTK's CID 4031 generated from PS3.16 2025e (dcmsr/libcmr/cid4031.cc,
 * DCMTK commit d12e350e). Table L-1 terms without a CID 4031 entry are left out.
 */
const BODY_PARTS: Record<string, readonly [string, string, string]> = {
  ABDOMEN: ['818981001', 'SCT', 'Abdomen'],
  ABDOMENPELVIS: ['818982008', 'SCT', 'Abdomen and Pelvis'],
  ACJOINT: ['85856004', 'SCT', 'Acromioclavicular joint'],
  ANKLE: ['70258002', 'SCT', 'Ankle joint'],
  BILEDUCT: ['28273000', 'SCT', 'Bile duct'],
  BILIARYTRACT: ['34707002', 'SCT', 'Biliary tract'],
  BLADDER: ['89837001', 'SCT', 'Bladder'],
  BREAST: ['76752008', 'SCT', 'Breast'],
  BRONCHUS: ['955009', 'SCT', 'Bronchus'],
  CALCANEUS: ['80144004', 'SCT', 'Calcaneus'],
  CSPINE: ['122494005', 'SCT', 'Cervical spine'],
  CTSPINE: ['1217257000', 'SCT', 'Cervico-thoracic spine'],
  CHEST: ['816094009', 'SCT', 'Chest'],
  CHESTABDOMEN: ['416550000', 'SCT', 'Chest and Abdomen'],
  CHESTABDPELVIS: ['416775004', 'SCT', 'Chest, Abdomen and Pelvis'],
  CLAVICLE: ['51299004', 'SCT', 'Clavicle'],
  COCCYX: ['64688005', 'SCT', 'Coccyx'],
  COLON: ['71854001', 'SCT', 'Colon'],
  COMMONBILEDUCT: ['79741001', 'SCT', 'Common bile duct'],
  DUODENUM: ['38848004', 'SCT', 'Duodenum'],
  ELBOW: ['16953009', 'SCT', 'Elbow joint'],
  WHOLEBODY: ['38266002', 'SCT', 'Entire body'],
  ESOPHAGUS: ['32849002', 'SCT', 'Esophagus'],
  EXTREMITY: ['66019005', 'SCT', 'Extremity'],
  EYE: ['81745001', 'SCT', 'Eye'],
  FEMUR: ['71341001', 'SCT', 'Femur'],
  FIBULA: ['87342007', 'SCT', 'Fibula'],
  FINGER: ['7569003', 'SCT', 'Finger'],
  FOOT: ['56459004', 'SCT', 'Foot'],
  FOREARM: ['14975008', 'SCT', 'Forearm'],
  GALLBLADDER: ['28231008', 'SCT', 'Gallbladder'],
  HAND: ['85562004', 'SCT', 'Hand'],
  HEAD: ['69536005', 'SCT', 'Head'],
  HEADNECK: ['774007', 'SCT', 'Head and Neck'],
  HEART: ['80891009', 'SCT', 'Heart'],
  HIP: ['24136001', 'SCT', 'Hip Joint'],
  HUMERUS: ['85050009', 'SCT', 'Humerus'],
  ILEUM: ['34516001', 'SCT', 'Ileum'],
  ILIUM: ['22356005', 'SCT', 'Ilium'],
  IAC: ['361078006', 'SCT', 'Internal Auditory Canal'],
  JAW: ['661005', 'SCT', 'Jaw region'],
  JEJUNUM: ['21306003', 'SCT', 'Jejunum'],
  KNEE: ['72696002', 'SCT', 'Knee'],
  LARGEINTESTINE: ['14742008', 'SCT', 'Large intestine'],
  LARYNX: ['4596009', 'SCT', 'Larynx'],
  LOWERLEG: ['30021000', 'SCT', 'Lower leg'],
  LOWERLIMB: ['61685007', 'SCT', 'Lower limb'],
  LSPINE: ['122496007', 'SCT', 'Lumbar spine'],
  LSSPINE: ['1217253001', 'SCT', 'Lumbo-sacral spine'],
  MANDIBLE: ['91609006', 'SCT', 'Mandible'],
  MASTOID: ['59066005', 'SCT', 'Mastoid bone'],
  MAXILLA: ['70925003', 'SCT', 'Maxilla'],
  MEDIASTINUM: ['72410000', 'SCT', 'Mediastinum'],
  NECK: ['45048000', 'SCT', 'Neck'],
  NECKCHEST: ['417437006', 'SCT', 'Neck and Chest'],
  NECKCHESTABDOMEN: ['416152001', 'SCT', 'Neck, Chest and Abdomen'],
  NECKCHESTABDPELV: ['416319003', 'SCT', 'Neck, Chest, Abdomen and Pelvis'],
  OPTICCANAL: ['55024004', 'SCT', 'Optic canal'],
  ORBIT: ['363654007', 'SCT', 'Orbital structure'],
  PANCREAS: ['15776009', 'SCT', 'Pancreas'],
  PANCREATICDUCT: ['69930009', 'SCT', 'Pancreatic duct'],
  PANCBILEDUCT: ['110621006', 'SCT', 'Pancreatic duct and bile duct systems'],
  PAROTID: ['45289007', 'SCT', 'Parotid gland'],
  PATELLA: ['64234005', 'SCT', 'Patella'],
  PELVIS: ['816092008', 'SCT', 'Pelvis'],
  PELVISLOWEXTREMT: ['1231522001', 'SCT', 'Pelvis and lower extremities'],
  PHANTOM: ['706342009', 'SCT', 'Phantom'],
  PROSTATE: ['41216001', 'SCT', 'Prostate'],
  RECTUM: ['34402009', 'SCT', 'Rectum'],
  RIB: ['113197003', 'SCT', 'Rib'],
  SIJOINT: ['39723000', 'SCT', 'Sacroiliac joint'],
  SSPINE: ['54735007', 'SCT', 'Sacrum'],
  SCAPULA: ['79601000', 'SCT', 'Scapula'],
  SELLA: ['42575006', 'SCT', 'Sella turcica'],
  SESAMOID: ['58742003', 'SCT', 'Sesamoid bones of foot'],
  SHOULDER: ['16982005', 'SCT', 'Shoulder'],
  SKULL: ['89546000', 'SCT', 'Skull'],
  SMALLINTESTINE: ['30315005', 'SCT', 'Small intestine'],
  SPINE: ['421060004', 'SCT', 'Spine'],
  SCJOINT: ['7844006', 'SCT', 'Sternoclavicular joint'],
  STERNUM: ['56873002', 'SCT', 'Sternum'],
  STOMACH: ['69695003', 'SCT', 'Stomach'],
  SUBMANDIBULAR: ['54019009', 'SCT', 'Submandibular gland'],
  TMJ: ['53620006', 'SCT', 'Temporomandibular joint'],
  THIGH: ['68367000', 'SCT', 'Thigh'],
  TSPINE: ['122495006', 'SCT', 'Thoracic spine'],
  TLSPINE: ['1217256009', 'SCT', 'Thoraco-lumbar spine'],
  THUMB: ['76505004', 'SCT', 'Thumb'],
  TOE: ['29707007', 'SCT', 'Toe'],
  TRACHEA: ['44567001', 'SCT', 'Trachea'],
  UPPERARM: ['40983000', 'SCT', 'Upper arm'],
  UPPERLIMB: ['53120007', 'SCT', 'Upper limb'],
  UPRURINARYTRACT: ['431491007', 'SCT', 'Upper urinary tract'],
  URETER: ['87953007', 'SCT', 'Ureter'],
  URETHRA: ['13648007', 'SCT', 'Urethra'],
  WRIST: ['74670003', 'SCT', 'Wrist joint'],
  ZYGOMA: ['13881006', 'SCT', 'Zygoma'],
};

/** CID 244 "Laterality" (PS3.16; DCMTK dcmsr/libcmr/cid244.cc, from PS3.16 2025e, gives these meanings). */
export const LATERALITY: Record<'R' | 'L' | 'B', Code> = {
  R: { CodeValue: '24028007', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Right' },
  L: { CodeValue: '7771000', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Left' },
  B: { CodeValue: '51440002', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Bilateral' },
};

const asCode = ([CodeValue, CodingSchemeDesignator, CodeMeaning]: readonly [string, string, string]): Code => ({ CodeValue, CodingSchemeDesignator, CodeMeaning });
const BY_SCT = new Map(Object.values(BODY_PARTS).map((c) => [c[0], asCode(c)]));

/** One CS value: a single string, trimmed and upper-cased; '' for anything else (absent, several values, not text). */
function cs(value: unknown): string {
  const one = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
  return typeof one === 'string' ? one.trim().toUpperCase() : '';
}

/** The CID 4031 code of a Body Part Examined value; null when Table L-1 has no such term (not an error: sites are optional). */
export function bodyPartCode(value: unknown): Code | null {
  const term = cs(value);
  return Object.hasOwn(BODY_PARTS, term) ? asCode(BODY_PARTS[term]) : null;
}

/** R, L or B as a CID 244 code. U (an unpaired structure), empty, or a value no standard allows: null, no side. */
export function lateralityCode(value: unknown): Code | null {
  const side = cs(value);
  return side === 'R' || side === 'L' || side === 'B' ? LATERALITY[side] : null;
}

/** An Anatomic Region Sequence's first item, when it is an SCT code of the table above (its meaning then ours, not the file's). */
function regionCode(sequence: unknown): Code | null {
  const item = Array.isArray(sequence) ? sequence[0] : sequence;
  if (!item || typeof item !== 'object') return null;
  const { CodeValue, CodingSchemeDesignator } = item as Record<string, unknown>;
  if (cs(CodingSchemeDesignator) !== 'SCT' || typeof CodeValue !== 'string') return null;
  return BY_SCT.get(CodeValue.trim()) ?? null;
}

export interface Anatomy {
  site: Code | null;
  laterality: Code | null;
}

export interface ImageAnatomy extends Anatomy {
  /** Per frame (0-based), where a multi-frame image's Frame Anatomy Sequence says more than the image does. */
  frames?: Anatomy[];
}

const NONE: Anatomy = { site: null, laterality: null };

/** A functional groups item's Frame Anatomy (0020,9071): its region and Frame Laterality (0020,9072). */
function frameAnatomy(group: unknown): Partial<Anatomy> {
  const item = Array.isArray(group) ? group[0] : group;
  if (!item || typeof item !== 'object') return {};
  const seq = (item as NaturalDataset).FrameAnatomySequence;
  const anatomy = Array.isArray(seq) ? seq[0] : seq;
  if (!anatomy || typeof anatomy !== 'object') return {};
  const a = anatomy as NaturalDataset;
  const out: Partial<Anatomy> = {};
  const site = regionCode(a.AnatomicRegionSequence);
  if (site) out.site = site;
  // Frame Laterality is R, L, U or B; U and anything else leave the image's own value standing.
  const side = cs(a.FrameLaterality);
  if (side === 'U') out.laterality = null;
  else if (lateralityCode(side)) out.laterality = lateralityCode(side);
  return out;
}

/**
 * Where an image is. The site: the image's Anatomic Region Sequence (0008,2218) when it is a
 * code of the table, else its Body Part Examined through Table L-1. The side: Image Laterality
 * (0020,0062) when it is R, L, B or U, else Laterality (0020,0060), the series' value: the
 * image-level attribute is the more specific (a series may hold both breasts or both knees),
 * so it wins where the two disagree. U names an unpaired structure: no side. A value no
 * standard allows is as if absent. A multi-frame image's Frame Anatomy Sequence (shared, then
 * per frame: the most specific) overrides both for its frames.
 */
/** An image's side by the rule above (Image Laterality, else Laterality): R, L, B, or '' for none known. Heatmaps (parametric-map.ts) use it too, so an exported SR and its heatmaps never name different sides. */
export function imageSide(header: NaturalDataset): '' | 'R' | 'L' | 'B' {
  const image = cs(header.ImageLaterality);
  if (image === 'U') return '';
  if (image === 'R' || image === 'L' || image === 'B') return image;
  const series = cs(header.Laterality);
  return series === 'R' || series === 'L' || series === 'B' ? series : '';
}

export function imageAnatomy(header: NaturalDataset): ImageAnatomy {
  const site = regionCode(header.AnatomicRegionSequence) ?? bodyPartCode(header.BodyPartExamined);
  const side = imageSide(header);
  const laterality = side ? LATERALITY[side] : null;
  const image: ImageAnatomy = { site, laterality };
  const shared = { ...image, ...frameAnatomy(header.SharedFunctionalGroupsSequence) };
  const perFrame = Array.isArray(header.PerFrameFunctionalGroupsSequence) ? header.PerFrameFunctionalGroupsSequence : [];
  if (shared.site !== site || shared.laterality !== laterality || perFrame.length) {
    const frames = Math.max(1, Number(header.NumberOfFrames) || 1, perFrame.length);
    image.frames = Array.from({ length: frames }, (_, k) => ({ ...shared, ...frameAnatomy(perFrame[k]) }));
  }
  return image;
}

/** The site and side of one frame (0-based) of an image. */
export function anatomyAt(image: ImageAnatomy | null | undefined, frame = 0): Anatomy {
  if (!image) return NONE;
  return image.frames?.[frame] ?? { site: image.site, laterality: image.laterality };
}
