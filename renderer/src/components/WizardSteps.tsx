/** The numbered steps of an import wizard: earlier steps marked done, the current one announced. */
export function WizardSteps<Id extends string>({ label, steps, current }: { label: string; steps: { id: Id; label: string }[]; current: Id }) {
  const currentIndex = steps.findIndex((s) => s.id === current);
  return (
    <ol className="steps" aria-label={label}>
      {steps.map((s, i) => (
        <li key={s.id} aria-current={s.id === current ? 'step' : undefined} className={i < currentIndex ? 'done' : undefined}>
          {s.label}
        </li>
      ))}
    </ol>
  );
}
