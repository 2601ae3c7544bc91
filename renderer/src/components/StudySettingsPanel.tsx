/** Study settings (α/β, windows, time unit) — wired once the cohort API exposes them. */
export function StudySettingsPanel() {
  return null;
}
