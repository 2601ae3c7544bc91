// TEMPORARY stand-in for issue-11a's patientLink.ts (same exported names); replaced on merge.
import { createHmac } from 'node:crypto';
import type Database from 'better-sqlite3';

/** Keyed hash of a hospital patient ID (issuer + ID), as the DICOM import computes it. */
export function hospitalIdHash(key: Buffer, issuer: string, sourcePatientId: string): string {
  return createHmac('sha256', key).update(`${issuer}\u001f${sourcePatientId}`, 'utf8').digest('hex');
}

/** The cohort patient whose hospital ID this is, or null. */
export function findPatientByHospitalId(db: Database.Database, key: Buffer, issuer: string, id: string): number | null {
  const pseudonym = `P-${hospitalIdHash(key, issuer, id).slice(0, 16)}`;
  const row = db.prepare('SELECT id FROM patients WHERE pseudonym = ?').get(pseudonym) as { id: number } | undefined;
  return row?.id ?? null;
}
