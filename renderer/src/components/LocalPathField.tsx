import { useId } from 'react';
import { isDesktop } from '../rtcw';

/**
 * A local file or folder path with the submit button of a wizard step. In the desktop app the field
 * may stay empty to choose with the system dialog; the web harness has no dialog, so it is required.
 */
export function LocalPathField({
  label,
  value,
  onChange,
  example,
  submitLabel,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** Placeholder path shown when no dialog is available. */
  example: string;
  submitLabel: string;
}) {
  const id = useId();
  return (
    <div className="inline-fields">
      <div className="field" style={{ flex: 1, minWidth: 320 }}>
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          type="text"
          className="mono"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder={isDesktop ? 'leave empty to choose with a dialog' : example}
          required={!isDesktop}
        />
      </div>
      <button type="submit" className="primary">
        {submitLabel}
      </button>
    </div>
  );
}
