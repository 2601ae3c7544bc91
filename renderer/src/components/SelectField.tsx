import { useId } from 'react';

/** A labelled drop-down of [value, label] pairs (Analysis and Export controls). */
export function SelectField(props: { label: string; value: string; onChange(v: string): void; options: ReadonlyArray<readonly [string, string]> }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
}
