// What of a DICOM RT object's content the study keeps (dicom_instance.rt_content), and why.
//
// The rule (issue 11 item 1; DICOM PS3.15 Annex E Table E.1-1, Basic Application Level
// Confidentiality Profile with the Clean Descriptors, Retain UIDs and Retain Longitudinal Temporal
// Information (full dates) options): keep only what the RT derivation
// (electron/services/dicom/rtDerivation.ts) reads, and clean the free text it reads.
//
// Kept, because the cohort needs them:
// - RT Plan Label (300A,0002), RT Plan Name (300A,0003), Dose Reference Description (300A,0016),
//   ROI Name (3006,0026; basic profile Z, Clean Descriptors option C), Structure Set Label
//   (3006,0002): the vertebral levels are read from them (PTV_T12, "T7-8 24Gy"). The basic profile
//   empties or removes these descriptors; the Clean Descriptors option keeps them once identifying
//   text is removed — cleanDescriptor() removes the patient's ID, name parts and birth date
//   wherever they appear (the scan knows them; they are never stored).
// - Manufacturer (0008,0070) and Manufacturer's Model Name (0008,1090) of the treatment machine
//   and the planning system: a device TYPE ("TrueBeam", "CyberKnife", "Eclipse"), not a site; the
//   cohort's `rt_courses.machine` and the SBRT rule need it. Annex E does not list them.
// - Dates, doses, fractions, beam numbers, delivery types, isocentres, approval status, intent,
//   UIDs (see dicomIndex.ts for the SOP Instance UID decision).
// Dropped (set to ''), because nothing needs them and they can identify the site or staff:
// - Treatment Machine Name (300A,00B2; basic profile X/Z, kept only under the Retain Device
//   Identity option, which we do not apply): a site-assigned name ("TB1", "LINAC_NORTH") like
//   Station Name (0008,1010) — the model name above says what the machine is.
// - RT Plan Description (300A,0004, Annex E: X) and Beam Name (300A,00C2; free text, unused).
// Never read at all by the parser for the index: institution, station, operator, physician
// names, accession numbers.
import type { InstanceHeader, PlanContent, StructureSetContent, TreatmentRecordContent } from '../dicom/dicomRecord';

export interface RtContent {
  plan?: PlanContent;
  structureSet?: StructureSetContent;
  treatmentRecord?: TreatmentRecordContent;
}

/** The identifying values of one instance's patient, known during a scan only. */
export interface DescriptorIdentifiers {
  patientId: string;
  patientName: string;
  birthDate: string | null;
}

const REMOVED = '*';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The strings to remove from descriptors: ID, name parts of ≥ 3 letters, birth date spellings. */
function identifyingStrings(ids: DescriptorIdentifiers): string[] {
  const out = new Set<string>();
  if (ids.patientId.trim().length >= 3) out.add(ids.patientId.trim());
  // PN: family^given^middle^prefix^suffix, groups separated by '='; short parts (initials,
  // "Dr") would also hit level names like "T12" and are too common to identify anyone.
  for (const part of ids.patientName.split(/[\^=\s,]+/)) if (part.length >= 3) out.add(part);
  if (ids.birthDate) {
    out.add(ids.birthDate);
    out.add(ids.birthDate.replace(/-/g, ''));
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** The descriptor with every identifying string replaced by '*' (case-insensitive). */
export function cleanDescriptor(text: string, ids: DescriptorIdentifiers): string {
  let out = text;
  for (const value of identifyingStrings(ids)) out = out.replace(new RegExp(escapeRegExp(value), 'giu'), REMOVED);
  return out;
}

/** The RT content the index stores for an instance: only what the derivation reads, cleaned. */
export function keptRtContent(content: RtContent, ids: DescriptorIdentifiers): RtContent | null {
  const clean = (text: string) => cleanDescriptor(text, ids);
  if (content.plan) {
    const p = content.plan;
    return {
      plan: {
        ...p,
        label: clean(p.label),
        name: clean(p.name),
        description: '',
        planningSystem: clean(p.planningSystem),
        doseReferences: p.doseReferences.map((r) => ({ ...r, description: clean(r.description) })),
        beams: p.beams.map((b) => ({ ...b, name: '', machineName: '', manufacturer: clean(b.manufacturer), model: clean(b.model) })),
      },
    };
  }
  if (content.structureSet) {
    const s = content.structureSet;
    return { structureSet: { ...s, label: clean(s.label), rois: s.rois.map((r) => ({ ...r, name: clean(r.name) })) } };
  }
  if (content.treatmentRecord) {
    const t = content.treatmentRecord;
    return { treatmentRecord: { ...t, machineName: '', manufacturer: clean(t.manufacturer), model: clean(t.model) } };
  }
  return null;
}

/** keptRtContent of a freshly parsed header. */
export function keptRtContentOf(h: InstanceHeader): RtContent | null {
  const content: RtContent = h.plan ? { plan: h.plan } : h.structureSet ? { structureSet: h.structureSet } : h.treatmentRecord ? { treatmentRecord: h.treatmentRecord } : {};
  return keptRtContent(content, { patientId: h.patientId, patientName: h.patientName, birthDate: h.birthDate });
}
